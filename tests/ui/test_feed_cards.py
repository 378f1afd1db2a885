"""The feed's cards are drawn from one State that changes only when what the cards show changes: the same feed
loaded twice (a persona switch, then opening the tab) must not redraw — a redraw replaced the cards under the
pointer, so a comment typed into the first drawing was lost."""

from __future__ import annotations

import time

from gradio.utils import deep_hash

from sandbox.feed.weights import FeedWeights
from sandbox.ui.feed import WEIGHT_SLIDERS, card_markdown, make_load, make_load_more
from tests.conftest import make_post

WEIGHTS = [getattr(FeedWeights(), name) for name in WEIGHT_SLIDERS]


def test_the_same_feed_loaded_twice_is_the_same_state(sb):
    make_post(sb, "ben", "a blue square")
    load = make_load(sb)
    first, _, _ = load("ana", "", *WEIGHTS)
    time.sleep(1.1)  # the ranking's recency moves with the clock; what the cards show does not
    second, _, _ = load("ana", "", *WEIGHTS)
    assert [i["caption"] for i in first["items"]] and first["viewer"] == sb.identity.actor("ana", None).id
    assert deep_hash(first) == deep_hash(second)
    assert all("score" in card_markdown(item) for item in second["items"])  # the cards draw from the state


def test_what_the_cards_show_changing_changes_the_state(sb):
    post = make_post(sb, "ben", "a blue square")
    load = make_load(sb)
    as_ana, _, _ = load("ana", "", *WEIGHTS)
    as_cleo, _, _ = load("chloe", "", *WEIGHTS)  # another persona: same posts, another viewer
    assert deep_hash(as_ana) != deep_hash(as_cleo)
    sb.posts.like(sb.identity.actor("ana", None).id, post)
    liked, _, _ = load("ana", "", *WEIGHTS)
    assert deep_hash(liked) != deep_hash(as_ana)
    assert next(i for i in liked["items"] if i["post_id"] == post)["liked"] is True


def test_load_more_never_appends_another_personas_cards(sb):
    make_post(sb, "ben", "a blue square")
    as_ana, _, _ = make_load(sb)("ana", "", *WEIGHTS)
    more, _ = make_load_more(sb)("chloe", "", as_ana, *WEIGHTS)
    assert more["viewer"] == sb.identity.actor("chloe", None).id
    assert len({i["post_id"] for i in more["items"]}) == len(more["items"])  # ana's page was not kept
