"""The Hub models without their weights: shipped configs counted on the meta device, placement plans, and
every card's pipeline class run end to end through the generation service as a tiny random-weight twin."""

import json
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from sandbox.models.arch import SIZES_FILE, RealArch
from sandbox.models.cards import ModelRegistry, SizeRule
from sandbox.sound.media import has_audio, read_audio
from tests.conftest import CPU_ONLY

# Published sizes (the model names, or the parameter counts their authors state).
# Tolerance 5%: names are rounded ("2B" is 1.92B).
PUBLISHED = {
    ("wan2.1-t2v-1.3b", "transformer"): 1.42e9,  # "1.3B"; the checkpoint holds 1.42B (5.68 GB in fp32)
    ("wan2.2-ti2v-5b", "transformer"): 5.0e9,  # "5B"
    ("ltx-2", "transformer"): 19.0e9,  # "19B" (14B video stream + 5B audio stream)
    ("ltx-video-0.9.7", "transformer"): 13.0e9,  # "13B"
    ("ltx-video", "transformer"): 2.0e9,  # "2B"
    ("wan2.1-t2v-1.3b", "text_encoder"): 5.68e9,  # UMT5-XXL encoder (11.4 GB in bf16)
    ("ltx-video", "text_encoder"): 4.76e9,  # T5-XXL (v1.1) encoder
    ("ltx-2", "text_encoder"): 12.2e9,  # Gemma 3 12B (12.19B with its vision tower)
    ("wan2.1-t2v-1.3b", "vae"): 0.127e9,  # Wan 2.1 VAE (507 MB in fp32)
    ("wan2.2-ti2v-5b", "vae"): 0.705e9,  # Wan 2.2 VAE (2.82 GB in fp32)
}
# VACE adds blocks to its base model: 15 for 1.3B, 8 for 14B (each a full DiT block plus projections)
VACE_BASE = {"wan2.1-vace-1.3b": 1.42e9, "wan2.1-vace-14b": 14.29e9}


def table() -> dict:
    return json.loads(SIZES_FILE.read_text())


@pytest.mark.parametrize(("card", "component"), sorted(PUBLISHED))
def test_counted_sizes_match_the_published_ones(card, component):
    counted = table()[card]["components"][component]["params"]
    assert abs(counted / PUBLISHED[(card, component)] - 1) < 0.05, (card, component, counted)


def test_vace_transformers_are_their_base_plus_the_vace_blocks():
    for card, base in VACE_BASE.items():
        counted = table()[card]["components"]["transformer"]["params"]
        layers = len(RealArch.load(card).components["transformer"].config["vace_layers"])
        assert base < counted < base * 1.6, (card, counted, layers)


def test_the_table_is_what_the_meta_device_counts():
    """The committed sizes.json (which the cards' memory figures read) is recounted here for one transformer
    (`python -m sandbox sizes` recounts everything)."""
    from sandbox.models.arch import empty_model

    for card in ("wan2.1-t2v-1.3b",):
        model = empty_model(RealArch.load(card).components["transformer"])
        assert sum(p.numel() for p in model.parameters()) == table()[card]["components"]["transformer"]["params"]


def test_cards_take_their_memory_from_the_counted_table():
    registry = ModelRegistry()
    for card in RealArch.available():
        assert registry.get(card).memory_gb == pytest.approx(table()[card]["total_gb"])


def test_every_hub_card_has_configs_with_a_source():
    registry = ModelRegistry()
    hub = {s.id for s in registry if not s.embedded}
    assert hub <= set(RealArch.available())
    for card in hub:
        arch = RealArch.load(card)
        assert arch.pipeline_class == registry.get(card).pipeline_class
        for component in arch.components.values():
            assert component.source.startswith(("github.com/huggingface/diffusers@", "config.json of google/"))


def test_plan_places_every_card_on_every_profile():
    from sandbox.models.plan import PROFILES, plan

    kinds = {}
    for card in ("wan2.1-vace-14b", "wan2.1-t2v-1.3b"):
        for hw in PROFILES:
            p = plan(card, hw)
            kinds[(card, hw)] = p.placement.kind
            assert {c.name for c in p.components} == set(RealArch.load(card).sizes())
    assert kinds[("wan2.1-t2v-1.3b", "1x80GB")] == "cuda"
    assert kinds[("wan2.1-t2v-1.3b", "1x24GB")] == "cuda"  # 14.7 GB × 1.25 headroom fits 24 GB
    assert kinds[("wan2.1-vace-14b", "1x24GB")] == "group_offload"  # its 34.7 GB transformer cannot fit
    assert kinds[("wan2.1-vace-14b", "cpu:24GiB")] == "disk_offload"


def test_plan_splits_a_component_larger_than_one_gpu_over_several():
    from sandbox.models.plan import plan

    p = plan("ltx-2", "3x32GB")  # 67.7 GB fits three GPUs; its 37.8 GB transformer fits none alone
    assert p.placement.kind == "balanced"
    transformer = next(c for c in p.components if c.name == "transformer")
    assert len([d for d in transformer.split if d.startswith("cuda")]) >= 2, transformer.where
    assert "cpu" not in transformer.split and "disk" not in transformer.split
    assert p.peak_gpu_bytes <= 32e9 * 1.25


# ------------------------------------------------------------------ every card runs (tiny twins)
@pytest.fixture(scope="session")
def twin_sandbox_factory(tmp_path_factory, models_dir):
    """Twins built once per session; each test gets a fresh sandbox whose loader loads the twins."""
    twins_dir = tmp_path_factory.mktemp("twins")

    def make(tmp_path):
        from sandbox.config import SandboxConfig
        from sandbox.context import Sandbox
        from sandbox.models.cards import ModelRegistry
        from sandbox.models.loader import ModelLoader

        registry = ModelRegistry()
        for spec in list(registry):
            if not spec.embedded:  # twins make any size; the real cards' minimums would only slow the test
                registry.specs[spec.id] = replace(
                    spec, size=SizeRule(32, spec.size.max, spec.size.multiple_of),
                    frames=replace(spec.frames, min=spec.frames.offset + spec.frames.multiple_of,
                                   default=spec.frames.offset + spec.frames.multiple_of))
        # one loader, handed to the sandbox: the app, its in-process workers and storyboards all load through it
        loader = ModelLoader(registry, models_dir, hardware=CPU_ONLY, twins_dir=twins_dir)
        return Sandbox(SandboxConfig(data_dir=tmp_path / "data", models_dir=models_dir), hardware=CPU_ONLY,
                       loader=loader)

    return make


def _generate(sb, card: str, **conditioning):
    from sandbox.generation.request import GenerationRequest

    spec = sb.registry.get(card)
    size = max(32, spec.size.multiple_of)
    user = sb.identity.actor("ana", None).id
    request = GenerationRequest(prompt="a red circle moving right", model=card, width=size, height=size,
                                num_frames=spec.frames.default, steps=2, seed=3)
    return sb.generation.generate(user, request, **conditioning)


def spec_seconds(sb, card: str) -> float:
    spec = sb.registry.get(card)
    return spec.frames.default / spec.fps


HUB_CARDS = ["wan2.1-t2v-1.3b", "wan2.1-vace-1.3b", "wan2.1-vace-14b", "wan2.2-ti2v-5b", "ltx-video",
             "ltx-video-0.9.7", "ltx-2"]


@pytest.mark.parametrize("card", HUB_CARDS)
def test_every_card_runs_text_to_video_through_the_service(card, twin_sandbox_factory, tmp_path):
    sb = twin_sandbox_factory(tmp_path)
    try:
        loaded = sb.loader.load(card)
        assert type(loaded.pipe).__name__ == sb.registry.get(card).pipeline_class
        assert sb.loader.is_twin(loaded.spec)
        result = _generate(sb, card)
        assert result.video_path.is_file() and result.video_path.stat().st_size > 0
        assert result.model == sb.registry.get(card).repo_id
        if card == "ltx-2":  # the sound track comes back with the video and is muxed into the MP4
            assert result.sound is not None and result.sound["model"] == result.model
            samples, rate = read_audio(result.video_path)
            assert samples.ndim == 2 and samples.shape[0] == 2  # stereo
            assert np.isfinite(samples).all() and np.abs(samples).max() > 0
            assert abs(samples.shape[1] / rate - spec_seconds(sb, card)) <= 1 / sb.registry.get(card).fps
        elif not sb.registry.get(card).sound:
            assert result.sound is None and not has_audio(result.video_path)
    finally:
        sb.close()


def test_vace_14b_twin_takes_a_reference_and_a_video(twin_sandbox_factory, tmp_path):
    """r2v (a cameo's reference image) and v2v (a remix's video + mask) on the 14B card's pipeline class."""
    sb = twin_sandbox_factory(tmp_path)
    try:
        face = Image.fromarray(np.full((32, 32, 3), (200, 150, 120), np.uint8))
        r2v = _generate(sb, "wan2.1-vace-14b", reference_images=[face])
        frames = [Image.fromarray(np.full((32, 32, 3), 40 * i, np.uint8)) for i in range(5)]
        mask = [Image.fromarray(np.full((32, 32), 255, np.uint8)) for _ in range(5)]
        v2v = _generate(sb, "wan2.1-vace-14b", video=frames, mask=mask)
        assert r2v.video_path.is_file() and v2v.video_path.is_file()
        assert r2v.video_path != v2v.video_path
    finally:
        sb.close()
