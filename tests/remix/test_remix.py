"""Remix: conditioning is real, lineage stays readable, and consent is carried along."""

from __future__ import annotations

import numpy as np
import pytest

from sandbox.errors import NotFound, PermissionDenied, SandboxError
from sandbox.generation import GenerationRequest
from sandbox.generation.video import read_frames
from tests.cameo.conftest import make_cameo
from tests.conftest import make_post

SMALL = {"steps": 1}


def actor(sb, handle: str):
    return sb.identity.actor(handle, None)


def remix(sb, handle: str, post_id: str, prompt: str = "make it snowy", **kwargs):
    kwargs = {"mode": "restyle", "keep": 0.5, "seed": 7, **SMALL, **kwargs}
    return sb.remixes.remix(actor(sb, handle).id, post_id, prompt, **kwargs)


def frames_of(result) -> np.ndarray:
    return read_frames(result.video_path).astype(np.int16)


# ------------------------------------------------------------------ conditioning is real
def test_remixes_of_different_originals_differ_and_differ_from_fresh_generation(sb):
    red = make_post(sb, "ana", "a red circle")
    blue = make_post(sb, "chloe", "a blue square moving left")
    a, b = remix(sb, "ben", red), remix(sb, "ben", blue)
    fresh = sb.generation.generate(actor(sb, "ben").id, GenerationRequest(
        prompt="make it snowy", seed=7, num_frames=5, width=32, height=32, steps=1))
    fa, fb, ff = frames_of(a), frames_of(b), frames_of(fresh)
    assert fa.shape == fb.shape == ff.shape
    assert np.abs(fa - fb).mean() > 0.5, "the original's frames reach the pipeline"
    assert np.abs(fa - ff).mean() > 0.5, "a remix is not a fresh generation"
    again = remix(sb, "ben", red)
    assert np.abs(frames_of(again) - fa).mean() < 0.5, "same original, seed and prompt: same remix"


def test_keep_changes_the_result(sb):
    post = make_post(sb, "ana")
    low, high = remix(sb, "ben", post, keep=0.0), remix(sb, "ben", post, keep=1.0)
    assert np.abs(frames_of(low) - frames_of(high)).mean() > 0.5


def test_extend_continues_after_the_whole_original(sb):
    post = make_post(sb, "ana")
    original = read_frames(sb.remixes.lineage(actor(sb, "ana").id, post)["post"]["video"])
    result = remix(sb, "ben", post, mode="extend", num_frames=5)
    extended = read_frames(result.video_path)
    assert len(extended) > len(original)
    assert np.abs(extended[: len(original)].astype(int) - original.astype(int)).mean() < 12, \
        "the extension starts with the original"


def test_remix_is_a_draft_whose_parent_is_the_original(sb):
    post = make_post(sb, "ana")
    result = remix(sb, "ben", post)
    assert result.request["parent_post_id"] == post and result.request["remix_mode"] == "restyle"
    published = sb.posts.publish(actor(sb, "ben").id, result.draft_id)
    parent = sb.accounts.profile(actor(sb, "ana").id, "ana")
    assert parent["remix_count"] == 1
    assert any(n["kind"] == "remix" for n in sb.posts.notifications(actor(sb, "ana").id))
    report = sb.provenance.verify(actor(sb, "ben").id, result.video_path)
    assert "Remix of a video by @ana" in report["summary"]
    item = next(i for i in sb.feed.page(actor(sb, "chloe").id, limit=20).items if i.post_id == published["post_id"])
    assert (item.parent_creator, item.parent_removed) == ("ana", False)


# ------------------------------------------------------------------ lineage
def test_lineage_of_a_three_level_chain_survives_deleting_the_middle(sb):
    root = make_post(sb, "ana")
    middle = sb.posts.publish(actor(sb, "ben").id, remix(sb, "ben", root).draft_id)["post_id"]
    leaf = sb.posts.publish(actor(sb, "chloe").id, remix(sb, "chloe", middle).draft_id)["post_id"]
    viewer = actor(sb, "dev").id
    chain = sb.remixes.lineage(viewer, leaf)
    assert [a["post_id"] for a in chain["ancestors"]] == [root, middle]
    tree = sb.remixes.lineage(viewer, root)
    assert tree["descendants"][0]["post_id"] == middle
    assert tree["descendants"][0]["remixes"][0]["post_id"] == leaf
    sb.posts.delete(actor(sb, "ben").id, middle)
    chain = sb.remixes.lineage(viewer, leaf)
    assert [(a["post_id"], a["removed"]) for a in chain["ancestors"]] == [(root, False), (middle, True)]
    assert chain["ancestors"][1]["video"] is None
    item = next(i for i in sb.feed.page(viewer, limit=20).items if i.post_id == leaf)
    assert item.parent_removed, "the feed says 'original removed'"
    from sandbox.remix.render import lineage_figure, lineage_markdown

    assert "(removed)" in lineage_markdown(chain) and "← this post" in lineage_markdown(chain)
    assert lineage_figure(sb.remixes.lineage(viewer, root)).axes


# ------------------------------------------------------------------ refusals
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"mode": "remaster"}, "`mode` must be one of"),
    ({"keep": 1.5}, "`keep` must be between 0 and 1"),
    ({"keep": -0.1}, "`keep` must be between 0 and 1"),
    ({"mode": "recast"}, "recast needs a cameo"),
])
def test_bad_mode_or_keep(sb, kwargs, message):
    post = make_post(sb, "ana")
    with pytest.raises(SandboxError, match=message):
        remix(sb, "ben", post, **kwargs)


def test_remix_policy_is_enforced(sb):
    nobody = make_post(sb, "ana", remix_policy="nobody")
    friends = make_post(sb, "ana", remix_policy="friends")
    with pytest.raises(PermissionDenied, match="allows nobody"):
        remix(sb, "ben", nobody)
    assert remix(sb, "ana", nobody).draft_id, "the creator may remix their own post"
    assert remix(sb, "ben", friends).draft_id, "ben is ana's friend"
    with pytest.raises(PermissionDenied, match="only their friends"):
        remix(sb, "dev", friends)  # dev follows ana one way


def test_original_deleted_refuses_new_remixes(sb):
    post = make_post(sb, "ana")
    sb.posts.delete(actor(sb, "ana").id, post)
    with pytest.raises(NotFound, match="was removed"):
        remix(sb, "ben", post)


def test_the_originals_cameo_rules_apply_to_the_remix(sb, upload):
    make_cameo(sb, "ana", upload, policy="approved", approved=["ben", "chloe"])
    ben, chloe = actor(sb, "ben"), actor(sb, "chloe")
    draft = sb.cameos.generate(ben.id, GenerationRequest(prompt="@ana skating", seed=1, num_frames=5, width=32,
                                                         height=32, steps=1))
    post = sb.posts.publish(ben.id, draft.draft_id)["post_id"]
    with pytest.raises(PermissionDenied, match="@ana"):
        remix(sb, "dev", post)  # the original is open to remix, but ana never approved dev
    result = remix(sb, "chloe", post)
    assert result.request["cameo_ids"], "the remix carries the cameo"
    assert any(u["creator"] == "chloe" for u in sb.cameos.uses(actor(sb, "ana").id)), "and is ledgered"
    sb.cameos.revoke(actor(sb, "ana").id, "chloe")  # between remix and publish
    with pytest.raises(NotFound):
        sb.posts.publish(chloe.id, result.draft_id)  # the draft was taken down with the revocation
    assert not result.video_path.exists()
    with pytest.raises(PermissionDenied, match="@ana"):
        remix(sb, "dev", post)


def test_recast_puts_a_usable_cameo_in_and_needs_consent(sb, upload):
    make_cameo(sb, "chloe", upload, policy="only_me")
    post = make_post(sb, "ana")
    with pytest.raises(PermissionDenied, match="@chloe"):
        remix(sb, "ben", post, mode="recast", cameos=["@chloe"])
    sb.cameos.settings(actor(sb, "chloe").id, policy="everyone")
    result = remix(sb, "ben", post, mode="recast", cameos=["@chloe"])
    assert len(result.request["cameo_ids"]) == 1
    sb.cameos.delete(actor(sb, "chloe").id)
    assert not result.video_path.exists(), "deleting the cameo takes down remixes that contain it"


def test_lineage_title_fits_before_the_first_remix():
    """A post with no remixes yet drew a narrow figure whose title was cut at both edges."""
    from sandbox.remix.render import lineage_figure

    node = {"post_id": "p_1", "creator": "ana", "caption": "snow day", "removed": False, "video": ""}
    fig = lineage_figure({"post": node, "ancestors": [], "descendants": []})
    fig.canvas.draw()
    title = fig.axes[0].title.get_window_extent(fig.canvas.get_renderer())
    assert title.x0 >= 0 and title.x1 <= fig.bbox.width, (title, fig.bbox)
