"""The README front matter is a valid Space configuration (the start check runs in `make space-check`)."""

from scripts.space_check import check_front_matter, front_matter


def test_front_matter_is_a_valid_space_config():
    assert check_front_matter() == []


def test_front_matter_models_are_the_video_and_sound_cards():
    meta = front_matter()
    assert "stabilityai/stable-audio-open-1.0" in meta["models"]  # the sound card for silent video models
    assert "Lightricks/LTX-2" in meta["models"]
    without_sound = {**meta, "models": [m for m in meta["models"] if m != "stabilityai/stable-audio-open-1.0"]}
    assert check_front_matter(without_sound) == [
        "`models` differ from the video and sound cards in model_cards/: missing "
        "['stabilityai/stable-audio-open-1.0'], not a card []"]
    stray = {**meta, "models": [*meta["models"], "someone/else"]}
    assert "not a card ['someone/else']" in check_front_matter(stray)[0]
