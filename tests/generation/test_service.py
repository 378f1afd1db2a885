import numpy as np
import pytest
from sqlalchemy import func, select

from sandbox.errors import ModelUnavailable, SandboxError
from sandbox.generation import GenerationRequest
from sandbox.generation.video import DISPLAY_MIN_SIDE, probe, read_frames
from sandbox.store.schema import Draft
from tests.conftest import CPU_ONLY

SMALL = {"num_frames": 9, "width": 64, "height": 64, "steps": 3}


def _draft_count(sb) -> int:
    with sb.db.session() as s:
        return s.scalar(select(func.count()).select_from(Draft))


def test_generate_writes_a_browser_playable_mp4_and_a_draft(sb):
    ana = sb.identity.actor("ana", None)
    steps_seen = []
    result = sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving right", seed=3, **SMALL),
                                    progress=lambda f, d: steps_seen.append(d))
    info = probe(result.video_path)
    assert (info["codec"], info["pix_fmt"], info["width"], info["height"], info["frames"]) == (
        "h264", "yuv420p", DISPLAY_MIN_SIDE, DISPLAY_MIN_SIDE, 9)  # 32 px stored upscaled so the marks fit
    assert result.video_path.parent.parent == sb.media.root
    assert result.video_path.stem == result.video_path.parent.name + result.video_path.stem[2:]
    assert [d for d in steps_seen if d.startswith("denoising")] == [
        "denoising step 1/3", "denoising step 2/3", "denoising step 3/3"]
    with sb.db.session() as s:
        draft = s.get(Draft, result.draft_id)
        assert draft.user_id == ana.id and draft.seed == 3
        assert draft.model_id == "sandbox-local/micro-wan-vace" and draft.model_revision == "local"
        assert draft.request["num_frames"] == 9
    assert set(result.timings) == {"wait_s", "load_s", "pipeline_s", "sound_s", "encode_s", "total_s"}


def test_same_seed_same_frames_different_seed_different_frames(sb):
    ana = sb.identity.actor("ana", None)
    gen = sb.generation
    a = gen.generate(ana.id, GenerationRequest(prompt="a fox", seed=11, **SMALL))
    b = gen.generate(ana.id, GenerationRequest(prompt="a fox", seed=11, **SMALL))
    c = gen.generate(ana.id, GenerationRequest(prompt="a fox", seed=12, **SMALL))
    assert np.array_equal(read_frames(a.video_path), read_frames(b.video_path))
    assert a.draft_id != b.draft_id, "two drafts, one content-addressed file"
    assert not np.array_equal(read_frames(a.video_path), read_frames(c.video_path))


def test_prompt_changes_the_video(sb):
    ana = sb.identity.actor("ana", None)
    a = sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle", seed=1, **SMALL))
    b = sb.generation.generate(ana.id, GenerationRequest(prompt="a blue square", seed=1, **SMALL))
    assert not np.array_equal(read_frames(a.video_path), read_frames(b.video_path))


def test_failure_mid_write_leaves_no_file_and_no_row(sb, monkeypatch):
    import sandbox.generation.service as service

    def broken_encoder(frames, path, fps):
        path.write_bytes(b"\x00\x00\x00\x18ftypmp42 half a video")
        raise OSError("disk full")

    monkeypatch.setattr(service, "encode_mp4", broken_encoder)
    ana = sb.identity.actor("ana", None)
    with pytest.raises(SandboxError, match=r"could not write to the media folder .*disk full"):
        sb.generation.generate(ana.id, GenerationRequest(prompt="a fox", seed=1, **SMALL))
    assert list(sb.media.root.rglob("*")) == []
    assert _draft_count(sb) == 0


def test_database_failure_removes_the_new_file(sb):
    from sqlalchemy import event

    def refuse_insert(*_args):
        raise RuntimeError("database is locked")

    ana = sb.identity.actor("ana", None)
    event.listen(Draft, "before_insert", refuse_insert)
    try:
        with pytest.raises(RuntimeError, match="locked"):
            sb.generation.generate(ana.id, GenerationRequest(prompt="a fox", seed=1, **SMALL))
    finally:
        event.remove(Draft, "before_insert", refuse_insert)
    assert sb.media.all_files() == [] and _draft_count(sb) == 0
    sb.generation.generate(ana.id, GenerationRequest(prompt="a fox", seed=1, **SMALL))
    assert len(sb.media.all_files()) == 1 and _draft_count(sb) == 1, "the request can be retried"


def test_bad_request_writes_nothing(sb):
    ana = sb.identity.actor("ana", None)
    for bad in (GenerationRequest(prompt=""), GenerationRequest(prompt="x", num_frames=18),
                GenerationRequest(prompt="x", model="nope")):
        with pytest.raises(SandboxError):
            sb.generation.generate(ana.id, bad)
    with pytest.raises(ModelUnavailable, match=r"Wan2\.1 VACE 1\.3B .* not in the local Hugging Face cache"):
        sb.generation.generate(ana.id, GenerationRequest(prompt="x", model="wan2.1-vace-1.3b"))
    assert sb.media.all_files() == [] and _draft_count(sb) == 0


def test_drafts_are_listed_per_user_newest_first(sb):
    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    first = sb.generation.generate(ana.id, GenerationRequest(prompt="first", seed=1, **SMALL))
    second = sb.generation.generate(ana.id, GenerationRequest(prompt="second", seed=2, **SMALL))
    assert [d["draft_id"] for d in sb.generation.drafts_of(ana.id)] == [second.draft_id, first.draft_id]
    assert sb.generation.drafts_of(ben.id) == []


def test_zerogpu_duration_grows_with_work():
    from sandbox.generation.zerogpu import gpu_duration, gpu_task

    assert gpu_duration(81, 30) > gpu_duration(17, 30) >= 30
    assert gpu_duration(10_000, 100) == 300

    def fn():
        return 1

    assert gpu_task(fn, duration=lambda: 1) is fn, "no `spaces` package here: a no-op"


def test_fast_preset_loads_its_lora_through_load_lora_weights(sb):
    from sandbox.generation.request import resolve_defaults
    from sandbox.generation.service import run_pipeline

    spec = sb.registry.get("tiny-wan-vace")  # the model that ships a preset LoRA
    fast_req = resolve_defaults(GenerationRequest(prompt="a fox", seed=2, preset="fast", **SMALL), spec)
    plain_req = resolve_defaults(GenerationRequest(prompt="a fox", seed=2, **SMALL), spec)
    assert fast_req.preset == "fast" and plain_req.preset is None
    fast = sb.loader.load(spec, preset="fast")
    assert fast is not sb.loader.load(spec), "a preset with a LoRA is its own cached pipeline"
    assert "preset" in fast.pipe.get_active_adapters()
    assert not np.array_equal(run_pipeline(fast, fast_req), run_pipeline(sb.loader.load(spec), plain_req))
    assert resolve_defaults(GenerationRequest(prompt="x", preset="fast"), spec).steps == 4
    with pytest.raises(SandboxError, match=r"`preset` must be one of \['quality', 'fast'\]"):
        sb.generation.generate(sb.identity.actor("ana", None).id, GenerationRequest(prompt="x", preset="turbo"))


def test_hub_lora_not_cached_offline_names_the_fetch_command(models_dir):
    from sandbox.models.cards import ModelRegistry
    from sandbox.models.loader import ModelLoader

    loader = ModelLoader(ModelRegistry(), models_dir, hardware=CPU_ONLY)
    with pytest.raises(ModelUnavailable, match="hf download Kijai/WanVideo_comfy"):
        loader.preset_lora(loader.registry.get("wan2.1-t2v-1.3b"), "fast")
