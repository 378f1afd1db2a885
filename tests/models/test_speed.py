import numpy as np
import pytest

from sandbox.generation.request import GenerationRequest, resolve_defaults
from sandbox.generation.service import run_pipeline
from sandbox.models.cards import ModelRegistry
from sandbox.models.loader import ModelLoader
from sandbox.models.speed import SpeedConfig
from tests.conftest import CPU_ONLY


def test_parse_and_validate():
    cfg = SpeedConfig.parse("cache=first_block,cache_threshold=0.1,vae_tiling")
    assert (cfg.cache, cfg.cache_threshold, cfg.vae_tiling, cfg.compile) == ("first_block", 0.1, True, False)
    assert cfg.label == "first_block cache + VAE tiling"
    assert SpeedConfig.parse(None).label == "plain"
    with pytest.raises(ValueError, match="`cache` must be one of"):
        SpeedConfig.parse("cache=magic")
    with pytest.raises(ValueError, match="unknown option 'turbo'"):
        SpeedConfig.parse("turbo")
    assert ModelRegistry().get("wan2.1-vace-1.3b").speed["cache"] == "first_block"


@pytest.mark.parametrize("spec", ["cache=first_block", "cache=pab", "layerwise_casting=bfloat16", "vae_slicing"])
def test_speed_options_keep_the_picture(models_dir, spec):
    loader = ModelLoader(ModelRegistry(), models_dir, hardware=CPU_ONLY)
    tiny = loader.registry.get("tiny-wan-vace")
    req = resolve_defaults(GenerationRequest(prompt="a red circle", seed=3, num_frames=9, width=64, height=64,
                                             steps=6), tiny)
    plain = run_pipeline(loader.load(tiny), req).astype(float)
    fast_pipe = loader.load(tiny, SpeedConfig.parse(spec))
    assert fast_pipe is not loader.load(tiny), "cached per (model, placement, speed)"
    fast = run_pipeline(fast_pipe, req).astype(float)
    psnr = 10 * np.log10(255**2 / max(np.mean((plain - fast) ** 2), 1e-9))
    assert psnr > 25, f"{spec}: PSNR {psnr:.1f} dB"


def test_mag_cache_calibrates_then_skips_and_keeps_the_picture(models_dir):
    from sandbox.models.speed import calibrate_mag_cache

    loader = ModelLoader(ModelRegistry(), models_dir, hardware=CPU_ONLY)
    tiny = loader.registry.get("tiny-wan-vace")
    req = resolve_defaults(GenerationRequest(prompt="a red circle", seed=3, num_frames=9, width=64, height=64,
                                             steps=8), tiny)
    plain_loaded = loader.load(tiny)
    ratios = calibrate_mag_cache(plain_loaded.pipe, lambda: run_pipeline(plain_loaded, req), steps=8)
    assert len(ratios) == 8 and ratios[0] == 1.0 and all(r > 0 for r in ratios)
    with pytest.raises(ValueError, match="`cache=mag` needs `mag_ratios`"):
        SpeedConfig(cache="mag")
    plain = run_pipeline(plain_loaded, req).astype(float)
    mag = run_pipeline(loader.load(tiny, SpeedConfig(cache="mag", cache_threshold=0.3, mag_ratios=ratios,
                                                     mag_steps=8)), req).astype(float)
    psnr = 10 * np.log10(255**2 / max(np.mean((plain - mag) ** 2), 1e-9))
    assert psnr > 25, f"MagCache: PSNR {psnr:.1f} dB"
