"""Storyboards on the embedded model: one draft of several shots, continuity, re-shoot, start from an image,
cameo consent for faces in the image, and bad input that stores nothing. Few denoising steps: these tests
check plumbing and meaning, benchmarks/bench_storyboard.py measures quality."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from sandbox.errors import PermissionDenied, SandboxError
from sandbox.generation.video import read_frames
from sandbox.store.schema import CameoUse, Draft
from sandbox.storyboard.service import working_copy, working_frames
from sandbox.storyboard.shots import OVERLAP_FRAMES, Shot
from tests.cameo.conftest import make_cameo
from tests.conftest import make_post

FAST = {"steps": 2, "seed": 7}
RIGHT = "a red circle moving right on a blue background"
DOWN = "a red circle moving down on a blue background"
LEFT = "a red circle moving left on a blue background"


def drafts(sb) -> int:
    with sb.db.session() as s:
        return s.scalar(select(func.count()).select_from(Draft))


def stored_files(sb) -> list:
    return sorted(p.name for p in sb.config.media_dir.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def board(tmp_path_factory, models_dir):
    """One 3-shot storyboard shared by the tests that read it (making it is the expensive part)."""
    from sandbox.config import SandboxConfig
    from sandbox.context import Sandbox
    from tests.conftest import CPU_ONLY

    sb = Sandbox(SandboxConfig(data_dir=tmp_path_factory.mktemp("board") / "data", models_dir=models_dir),
                 hardware=CPU_ONLY)
    ana = sb.identity.actor("ana", None)
    result = sb.storyboards.create(ana.id, [Shot(RIGHT, 1.0), Shot(DOWN, 1.0), Shot(LEFT, 1.0)],
                                   style="flat colours", **FAST)
    yield sb, ana, result
    sb.close()


def test_three_shots_make_one_draft_listing_its_shots_in_details_and_credentials(board):
    sb, ana, result = board
    shots = result.request["storyboard"]["shots"]
    assert [s["prompt"] for s in shots] == [RIGHT, DOWN, LEFT]
    assert [s["carried"] for s in shots] == [0, 1, 1]  # each later shot opens on the previous one's last frames
    assert [s["overlap"] for s in shots] == [0, OVERLAP_FRAMES, OVERLAP_FRAMES]  # …and cross-fades into them
    frames = read_frames(result.video_path)
    assert len(frames) == 9 + 2 * (8 - OVERLAP_FRAMES)  # one video: every shot's new frames, once
    report = sb.provenance.verify(ana.id, result.video_path)
    assert [s["title"] for s in report["credentials"]["shots"]] == ["shot-1.mp4", "shot-2.mp4", "shot-3.mp4"]
    assert [s["claims"]["shot"] for s in report["credentials"]["shots"]] == [1, 2, 3]
    assert report["credentials"]["parents"] == []  # shots are components, not a remix chain
    assert "3 shots" in report["summary"] and report["draft_id"] == result.draft_id
    assert len(report["credentials"]["claims"]["shots"]) == 3


def test_a_storyboard_sounds_for_as_long_as_it_plays_and_says_which_model_made_it(board):
    """Each shot's sound (the micro model's joint track) laid under its frames and joined like them: the MP4
    has an AAC track as long as the picture, and the details and Content Credentials name the sound model."""
    from sandbox.sound.media import has_audio, read_audio

    sb, ana, result = board
    frames, sound = working_copy(sb.storyboards.private, result.request["storyboard"]["working_copy"])
    seconds = len(frames) / 8  # the micro model's fps
    assert sound is not None and abs(sound.seconds - seconds) < 1e-3
    assert result.sound["model"] == "sandbox-local/micro-sound" and abs(result.sound["seconds"] - seconds) < 1e-3
    assert result.request["sound"] is True
    assert has_audio(result.video_path)
    samples, rate = read_audio(result.video_path)
    assert abs(samples.shape[-1] / rate - seconds) < 0.1
    report = sb.provenance.verify(ana.id, result.video_path)
    assert report["credentials"]["claims"]["sound_model"] == "sandbox-local/micro-sound"
    # each shot's part carries that shot's sound, not silence
    for shot in result.request["storyboard"]["shots"]:
        lo = round(shot["begin"] * sound.sample_rate / 8)
        hi = round((shot["begin"] + shot["frames"]) * sound.sample_rate / 8)
        assert np.abs(sound.samples[:, lo:hi]).mean() > 1e-3, shot


def test_a_silent_storyboard_when_asked(sb):
    ana = sb.identity.actor("ana", None)
    result = sb.storyboards.create(ana.id, [Shot(RIGHT, 1.0), Shot(DOWN, 1.0)], sound=False, **FAST)
    assert result.sound is None and result.request["sound"] is False
    assert working_copy(sb.storyboards.private, result.request["storyboard"]["working_copy"])[1] is None


def test_a_storyboard_publishes_and_can_be_remixed(board):
    sb, ana, result = board
    post = sb.posts.publish(ana.id, result.draft_id, "three shots")["post_id"]
    ben = sb.identity.actor("ben", None)
    remix = sb.remixes.remix(ben.id, post, "a blue circle", mode="restyle", keep=0.6, steps=2)
    with sb.db.session() as s:
        assert s.get(Draft, remix.draft_id).request["parent_post_id"] == post


def test_reshoot_changes_one_shot_and_keeps_every_other_frame(board):
    sb, ana, result = board
    again = sb.storyboards.reshoot(ana.id, result.draft_id, 2, prompt="a red circle moving up on a blue background",
                                   seed=99)
    assert again.draft_id != result.draft_id
    before = working_frames(sb.storyboards.private, result.request["storyboard"]["working_copy"])
    after = working_frames(sb.storyboards.private, again.request["storyboard"]["working_copy"])
    assert before.shape == after.shape
    shot2 = again.request["storyboard"]["shots"][1]
    shot3 = again.request["storyboard"]["shots"][2]
    new = slice(shot2["begin"] + shot2["carried"] + shot2["overlap"],  # after the cross-fade with shot 1
                shot2["begin"] + shot2["frames"] - shot3["carried"] - shot3["overlap"])  # before shot 3's
    assert np.array_equal(before[:new.start], after[:new.start])  # shot 1 untouched
    assert np.array_equal(before[new.stop:], after[new.stop:])  # shot 3 (and the frames it continues) untouched
    assert not np.array_equal(before[new], after[new])
    assert shot2["prompt"].endswith("moving up on a blue background") and shot2["seed"] == 99
    assert again.request["storyboard"]["reshot"] == {"from_draft": result.draft_id, "shot": 2}
    # the sound: shot 1's and shot 3's stay as they were, the re-shot span has the new shot's
    _, old_sound = working_copy(sb.storyboards.private, result.request["storyboard"]["working_copy"])
    _, new_sound = working_copy(sb.storyboards.private, again.request["storyboard"]["working_copy"])
    at = lambda frame: round(frame * old_sound.sample_rate / 8)  # noqa: E731
    assert new_sound.samples.shape == old_sound.samples.shape
    assert np.array_equal(old_sound.samples[:, :at(new.start)], new_sound.samples[:, :at(new.start)])
    assert np.array_equal(old_sound.samples[:, at(new.stop):], new_sound.samples[:, at(new.stop):])
    assert not np.allclose(old_sound.samples[:, at(new.start):at(new.stop)],
                           new_sound.samples[:, at(new.start):at(new.stop)])
    assert again.sound is not None and again.request["sound"] is True


def test_only_the_creator_may_reshoot_and_only_a_storyboard(board):
    sb, ana, result = board
    ben = sb.identity.actor("ben", None)
    with pytest.raises(SandboxError, match="no draft"):
        sb.storyboards.reshoot(ben.id, result.draft_id, 1)
    with pytest.raises(SandboxError, match="`shot` must be between 1 and 3"):
        sb.storyboards.reshoot(ana.id, result.draft_id, 4)


@pytest.mark.parametrize("shots, kwargs, message", [
    ([Shot(RIGHT, 1.0)] * 7, {}, "at most 6 shots"),
    ([Shot(RIGHT, 1.0), Shot("   ", 1.0)], {}, "shot 2 has an empty prompt"),
    ([Shot(RIGHT, 9.0)], {}, "shot 1 lasts 9 s but this model makes shots of 0.62–2.12 s"),
    ([], {}, "`shots` is empty"),
    ([Shot(RIGHT, 1.0), Shot("a naked person", 1.0)], {}, "prompt"),
])
def test_bad_storyboards_are_refused_and_nothing_is_stored(sb, shots, kwargs, message):
    ana = sb.identity.actor("ana", None)
    with pytest.raises(SandboxError, match=message):
        sb.storyboards.create(ana.id, shots, **FAST, **kwargs)
    assert drafts(sb) == 0 and stored_files(sb) == []


def test_total_length_is_capped_by_the_card():
    """On the micro model six longest shots fit (12.75 s); Wan VACE's 5 s shots would make 30 s: capped at 25."""
    from sandbox.models.cards import ModelRegistry
    from sandbox.storyboard.shots import StoryboardLimits, check_shots

    wan = StoryboardLimits.for_card(ModelRegistry().get("wan2.1-vace-1.3b"))
    assert wan.total_seconds == 25.0
    check_shots([Shot(RIGHT, 5.0)] * 5, "", wan)
    with pytest.raises(SandboxError, match="lasts 30 s in all but this model allows at most 25 s"):
        check_shots([Shot(RIGHT, 5.0)] * 6, "", wan)


def test_an_image_that_is_not_an_image_is_refused(sb, tmp_path):
    ana = sb.identity.actor("ana", None)
    fake = tmp_path / "cat.png"
    fake.write_text("<html>not a picture</html>")
    truncated = tmp_path / "cut.png"
    from PIL import Image

    Image.new("RGB", (64, 64), (200, 30, 30)).save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:40])
    for bad in (fake, truncated, tmp_path / "missing.png"):
        with pytest.raises(SandboxError, match="`image`"):
            sb.storyboards.create(ana.id, [Shot(RIGHT, 1.0)], image=str(bad), **FAST)
    assert drafts(sb) == 0 and stored_files(sb) == []


def test_start_from_an_image_makes_it_the_first_frame(sb, tmp_path):
    from PIL import Image

    ana = sb.identity.actor("ana", None)
    path = tmp_path / "start.png"
    picture = np.zeros((96, 96, 3), np.uint8)
    picture[:] = (20, 160, 30)  # green field
    picture[30:60, 10:40] = (230, 220, 20)  # a yellow block on the left
    Image.fromarray(picture).save(path)
    result = sb.storyboards.create(ana.id, [Shot("a yellow square moving right on a green background", 1.0)],
                                   image=str(path), **FAST)
    frames = working_frames(sb.storyboards.private, result.request["storyboard"]["working_copy"])
    assert frames.shape[0] == 9
    assert np.abs(frames[0].astype(int) - picture[::3, ::3]).mean() < 8  # the image itself, at 32×32
    assert result.request["storyboard"]["start_image"] == "upload"


def test_a_frame_of_a_post_follows_the_remix_rules(sb):
    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    closed = make_post(sb, "ana", RIGHT, remix_policy="nobody")
    with pytest.raises(PermissionDenied, match="allows nobody"):
        sb.storyboards.create(ben.id, [Shot(LEFT, 1.0)], image_post_id=closed, **FAST)
    open_post = make_post(sb, "ana", RIGHT)
    result = sb.storyboards.create(ben.id, [Shot(LEFT, 1.0)], image_post_id=open_post, **FAST)
    assert result.request["parent_post_id"] == open_post  # a remix of that post: credit and lineage carry over
    report = sb.provenance.verify(ben.id, result.video_path)
    assert [p["relationship"] for p in report["credentials"]["parents"]] == ["parentOf"]
    assert ana.id != ben.id


def test_a_face_in_the_image_is_a_use_of_that_cameo(sb, upload, tmp_path):
    """Attacker: ben starts a storyboard from a photo of ana (also mirrored) although ana lets nobody use her
    cameo; then ana allows everyone, and the use is in her ledger."""
    from PIL import Image

    cameo_id = make_cameo(sb, "ana", upload, policy="only_me")
    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    frame = read_frames(upload("live"))[10]
    for i, pixels in enumerate((frame, frame[:, ::-1])):
        path = tmp_path / f"photo{i}.png"
        Image.fromarray(np.ascontiguousarray(pixels)).save(path)
        with pytest.raises(PermissionDenied):
            sb.storyboards.create(ben.id, [Shot(RIGHT, 1.0)], image=str(path), **FAST)
    assert drafts(sb) == 0
    sb.cameos.settings(ana.id, policy="everyone")
    result = sb.storyboards.create(ben.id, [Shot(RIGHT, 1.0)], image=str(tmp_path / "photo1.png"), **FAST)
    assert list(result.request["cameo_ids"]) == [cameo_id]
    with sb.db.session() as s:
        assert s.scalar(select(func.count()).select_from(CameoUse).where(CameoUse.cameo_id == cameo_id)) == 1


def test_taking_a_storyboard_down_removes_its_private_working_copy(board):
    """Last in the module (it deletes the shared board's post): a take-down leaves no private copy behind, while
    the re-shoot's own draft keeps its working copy."""
    sb, ana, result = board
    working = sb.storyboards.private.path(result.request["storyboard"]["working_copy"], ".npz")
    post_id = sb.posts.publish(ana.id, result.draft_id, "three shots")["post_id"]  # one post per draft
    with sb.db.session() as s:
        others = [r["storyboard"]["working_copy"] for r in s.scalars(select(Draft.request))
                  if r.get("storyboard") and r["storyboard"]["working_copy"] != working.stem]
    assert working.is_file() and post_id  # (others: the re-shoot test's drafts, when the module runs whole)
    sb.posts.delete(ana.id, post_id)
    assert not working.exists()  # the draft went with the post, and so did its frames before the watermark
    assert all(sb.storyboards.private.path(sha, ".npz").is_file() for sha in others)


def test_a_storyboards_ripped_sound_traces_to_its_post_until_it_is_taken_down(sb, tmp_path):
    """An attack nobody asked about: a storyboard's sound ripped to a bare .m4a (no picture, no manifest,
    re-encoded, the first 0.2 s cut) and passed off as one's own. Verify traces it to the post by its audio
    fingerprint; once the owner takes the post down, the copy no longer names it."""
    from sandbox.sound.media import read_audio
    from tests.sound.copies import write_audio_copy

    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    result = sb.storyboards.create(ana.id, [Shot(RIGHT, 1.0), Shot(DOWN, 1.0), Shot(LEFT, 1.0)], **FAST)
    post_id = sb.posts.publish(ana.id, result.draft_id, "three shots, with sound")["post_id"]
    samples, rate = read_audio(result.video_path)
    copy = write_audio_copy(samples[:, int(0.2 * rate):], rate, tmp_path / "ripped.m4a")
    report = sb.provenance.verify(ben.id, copy)
    assert report["post_id"] == post_id and report["match"]["by"] == "sound", report["summary"]
    sb.posts.delete(ana.id, post_id)
    assert sb.provenance.verify(ben.id, copy).get("post_id") != post_id
