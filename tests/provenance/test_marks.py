"""The invisible mark and the fingerprint, attacked first: copies made the ways people copy videos, look-alike
videos by different people, another sandbox's mark, videos not made here. The full table (every kind of copy,
hundreds of unrelated videos, 100k-post index) is benchmarks/bench_provenance.py."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from sandbox.generation import GenerationRequest
from sandbox.generation.service import run_pipeline
from sandbox.generation.video import encode_mp4, read_frames, upscale_for_display
from sandbox.provenance.copies import make_copy
from sandbox.provenance.fingerprint import FingerprintIndex, query_hashes, to_words, video_fingerprint
from sandbox.provenance.mark import embed_mark, psnr, read_mark
from sandbox.provenance.watermark import apply_watermark
from tests.provenance.content import moving_shapes

LOOK_ALIKE = "a green triangle moving up on a gray background"
CODE = 0x2F00_ABCD
STEPS = 4  # look-alike content is what matters, not its finish


def clip_from_image(frames: int = 6, height: int = 240, width: int = 426) -> np.ndarray:
    """A slow pan over a photograph: textured content, unlike the micro model's flat colours."""
    import skimage.data

    big = np.asarray(Image.fromarray(skimage.data.coffee()).resize((width + 60, height + 40)))
    return np.stack([big[20 + t: 20 + t + height, 10 + 4 * t: 10 + 4 * t + width] for t in range(frames)])


# ------------------------------------------------------------------ the mark alone (no codec: fast)
def test_mark_reads_through_crop_mirror_scale_and_dropped_frames():
    frames = embed_mark(upscale_for_display(moving_shapes(3, 9, 64, 64)), CODE)
    h, w = frames.shape[1:3]
    crop = frames[:, h // 10: h - h // 10, w // 10: w - w // 10]  # 80% of the picture, off-centre allowed
    half = np.stack([np.asarray(Image.fromarray(f).resize((w // 2, h // 2), Image.BOX)) for f in frames])
    for name, copy in {"crop 80%": crop, "mirrored": frames[:, :, ::-1], "half size": half,
                       "first and last frames dropped, every other frame": frames[1:-1:2]}.items():
        reading = read_mark(copy)
        assert reading.code == CODE, name
        assert reading.frames_carrying >= 1, name
    assert read_mark(frames[:, :, ::-1]).mirrored


def test_unmarked_videos_and_photos_carry_no_code():
    for frames in (upscale_for_display(moving_shapes(5, 9, 64, 64)), clip_from_image(),
                   np.full((5, 256, 256, 3), 0, np.uint8)):
        assert read_mark(frames).code is None


def test_mark_does_not_visibly_change_the_video():
    for clean in (upscale_for_display(moving_shapes(4, 9, 64, 64)), clip_from_image()):
        marked = embed_mark(clean, CODE)
        assert psnr(marked, clean) >= 38.0
        assert np.abs(marked.astype(int) - clean.astype(int)).max() <= 5, "no pixel moves by more than a few levels"


# ------------------------------------------------------------------ the index
def test_index_finds_a_copy_among_thousands_without_scanning_them():
    rng = np.random.default_rng(0)
    index = FingerprintIndex()
    for i in range(1500):  # unrelated videos
        index.add(f"{i:064d}", {"version": 2, "crops": {"1.0": [rng.bytes(32).hex() for _ in range(8)]}})
    original = upscale_for_display(moving_shapes(8, 9, 64, 96))
    index.add("f" * 64, video_fingerprint(original))
    copy = np.stack([np.asarray(Image.fromarray(f).resize((192, 128))) for f in original[1:][:, :, ::-1]])
    query = query_hashes(copy)
    assert len(index.candidates(query)) < 100, "only videos sharing a band are compared"
    best = index.search(query)[0]
    assert best.media_sha256 == "f" * 64 and best.mirrored and best.distance_bits < 32
    assert index.search({False: to_words([0]), True: to_words([1])}) == [] or \
        index.search({False: to_words([0]), True: to_words([1])})[0].distance_bits > 64


# ------------------------------------------------------------------ end to end, through the sandbox
@pytest.fixture(scope="module")
def world(tmp_path_factory, models_dir):
    """Three posts by the real micro model: @ana's and @chloe's are the same prompt and seed (they differ only
    by the visible watermark's handle), @ben's the same prompt with another seed."""
    from sandbox.config import SandboxConfig
    from sandbox.context import Sandbox
    from tests.conftest import CPU_ONLY

    sb = Sandbox(SandboxConfig(data_dir=tmp_path_factory.mktemp("marks"), models_dir=models_dir), hardware=CPU_ONLY)
    posts = {}
    for handle, seed in (("ana", 1), ("ben", 2), ("chloe", 1)):
        user = sb.identity.actor(handle, None)
        draft = sb.generation.generate(user.id, GenerationRequest(prompt=LOOK_ALIKE, seed=seed, steps=STEPS))
        posts[handle] = (sb.posts.publish(user.id, draft.draft_id, "")["post_id"], draft.video_path)
    yield sb, posts
    sb.close()


@pytest.fixture(scope="module")
def ana_unmarked(world) -> np.ndarray:
    """The frames @ana's post would have without the invisible mark (same model output, visible mark)."""
    from sandbox.generation.request import resolve_defaults

    sb, _ = world
    spec = sb.loader.default_model()
    request = resolve_defaults(GenerationRequest(prompt=LOOK_ALIKE, seed=1, steps=STEPS), spec)
    return apply_watermark(upscale_for_display(run_pipeline(sb.loader.load(spec), request)), "ana")


@pytest.mark.parametrize("kind", ["crop80", "hflip", "crf35", "fps15", "scale0.5"])
def test_copies_of_a_look_alike_lead_to_its_own_post_by_the_mark(world, tmp_path, kind):
    sb, posts = world
    post_id, path = posts["ben"]
    copy = make_copy(path, tmp_path / f"{kind}.mp4", kind)
    report = sb.provenance.verify(sb.identity.actor("emi", None).id, copy)
    match = report["match"]
    assert match["by"] == "mark" and report["post_id"] == post_id, report["summary"]
    assert match["mark"]["frames_carrying"] >= 1 and match["mark"]["known"]
    assert f"post {post_id}" in report["summary"] and "Invisible mark" in report["summary"]


def test_the_mark_decides_between_twins_that_differ_only_by_handle(world, tmp_path):
    sb, posts = world
    copy = make_copy(posts["chloe"][1], tmp_path / "chloe.mp4", "crf30")
    report = sb.provenance.verify(sb.identity.actor("emi", None).id, copy)
    assert report["post_id"] == posts["chloe"][0] and report["match"]["by"] == "mark"
    assert report["match"]["fingerprint"]["close"], "the fingerprint alone sees a look-alike too"


def test_without_the_mark_a_look_alike_is_never_given_to_the_wrong_person(world, ana_unmarked, tmp_path):
    sb, posts = world
    twin = tmp_path / "twin.mp4"
    encode_mp4(ana_unmarked, twin, 8, crf=28)
    report = sb.provenance.verify(sb.identity.actor("emi", None).id, twin)
    assert report["mark"]["found"] is False, "no mark to decide"
    assert report["post_id"] in (posts["ana"][0], None), "@ana's frames, never @chloe's or @ben's post"
    assert report["fingerprint"] is not None and "Fingerprint" in report["summary"]


def test_another_sandboxs_mark_on_a_look_alike_decides_no_match(world, ana_unmarked, tmp_path):
    sb, _ = world
    foreign = tmp_path / "foreign.mp4"
    encode_mp4(embed_mark(ana_unmarked, 0x0BAD_F00D), foreign, 8)
    report = sb.provenance.verify(sb.identity.actor("emi", None).id, foreign)
    assert report["match"]["mark"]["found"] and not report["match"]["mark"]["known"]
    assert report["post_id"] is None and report["draft_id"] is None and not report["match"]["private_draft"]
    assert "No matching video was made in this sandbox" in report["summary"]


def test_videos_not_made_here_match_nothing(world, tmp_path):
    sb, _ = world
    viewer = sb.identity.actor("emi", None).id
    for i, frames in enumerate([upscale_for_display(moving_shapes(40, 9, 64, 64)), clip_from_image(9)]):
        path = tmp_path / f"elsewhere-{i}.mp4"
        encode_mp4(frames, path, 8)
        report = sb.provenance.verify(viewer, path)
        assert report["post_id"] is None and not (report["match"] or {}).get("private_draft")
        assert report["match"] is None or not report["match"]["mark"]["found"]


def test_same_frames_same_code_same_file(world):
    sb, posts = world
    frames = read_frames(posts["ana"][1])
    assert sb.provenance.marks.embed(frames)[1] == sb.provenance.marks.embed(frames.copy())[1]
    assert sb.provenance.marks.embed(frames)[1] != sb.provenance.marks.embed(frames[::-1].copy())[1]
