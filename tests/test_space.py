"""The README front matter is a valid Space configuration (the start check runs in `make space-check`)."""

from scripts.space_check import check_front_matter


def test_front_matter_is_a_valid_space_config():
    assert check_front_matter() == []
