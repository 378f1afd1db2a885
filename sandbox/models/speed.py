"""Optional speed-ups, one small config and one ``apply_speed(pipe, config)``, in the diffusers manner.

Chosen per model card (``sandbox.speed``) and switchable with ``SANDBOX_SPEED``, e.g.
``SANDBOX_SPEED="cache=first_block,vae_tiling"``. Each option is measured by ``make bench`` (speed ratio
and PSNR/SSIM against the plain pipeline on the same seed).
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.config import boolean

CACHES = ("first_block", "pab", "faster", "taylorseer", "mag")


@dataclass(frozen=True)
class SpeedConfig:
    """
    >>> SpeedConfig.parse("cache=first_block,vae_tiling").cache
    'first_block'
    """

    cache: str | None = None  # one of CACHES
    cache_threshold: float = 0.05  # First Block Cache: relative change under which a step reuses the cache
    compile: bool = False  # regional torch.compile of the repeated transformer blocks
    layerwise_casting: str | None = None  # storage dtype for weights, e.g. "bfloat16", "float8_e4m3fn"
    vae_tiling: bool = False
    vae_slicing: bool = False
    # MagCache: per-step magnitude ratios of the model's residuals, from calibrate_mag_cache (checkpoint-specific),
    # and the step count they were measured at (diffusers interpolates them to mag_steps)
    mag_ratios: tuple[float, ...] | None = None
    mag_steps: int = 28

    def __post_init__(self) -> None:
        if self.cache is not None and self.cache not in CACHES:
            raise ValueError(f"`cache` must be one of {CACHES} but is {self.cache!r}")
        if not 0 < self.cache_threshold < 1:
            raise ValueError(f"`cache_threshold` must be between 0 and 1 but is {self.cache_threshold}")
        if self.cache == "mag" and not self.mag_ratios:
            raise ValueError("`cache=mag` needs `mag_ratios`: run sandbox.models.speed.calibrate_mag_cache on the "
                             "model once (MagCache's ratios are checkpoint-specific)")

    @property
    def key(self) -> tuple:
        return (self.cache, self.cache_threshold, self.compile, self.layerwise_casting, self.vae_tiling,
                self.vae_slicing, self.mag_ratios, self.mag_steps)

    @property
    def label(self) -> str:
        parts = [f"{self.cache} cache" if self.cache else "", "compiled" if self.compile else "",
                 f"{self.layerwise_casting} weights" if self.layerwise_casting else "",
                 "VAE tiling" if self.vae_tiling else "", "VAE slicing" if self.vae_slicing else ""]
        return " + ".join(p for p in parts if p) or "plain"

    @classmethod
    def parse(cls, spec: str | dict | None) -> SpeedConfig:
        """From ``"cache=first_block,compile,vae_tiling"`` or a model card's ``speed:`` mapping."""
        if not spec:
            return cls()
        if isinstance(spec, dict):
            return cls(**spec)
        kwargs: dict = {}
        for part in spec.split(","):
            key, _, value = part.strip().partition("=")
            if not key:
                continue
            if key not in {"cache", "cache_threshold", "compile", "layerwise_casting", "vae_tiling", "vae_slicing"}:
                raise ValueError(f"`SANDBOX_SPEED` has an unknown option {key!r}")
            if key == "cache_threshold":
                kwargs[key] = float(value)
            elif key in ("cache", "layerwise_casting"):
                kwargs[key] = value
            else:
                try:
                    kwargs[key] = boolean(value or "1")  # a bare flag means on
                except ValueError as exc:
                    raise ValueError(f"`SANDBOX_SPEED` option {key!r}: {exc}") from None
        return cls(**kwargs)


def cache_config(name: str, pipe, threshold: float = 0.05, config: SpeedConfig | None = None):
    import torch
    from diffusers import (
        FasterCacheConfig,
        FirstBlockCacheConfig,
        MagCacheConfig,
        PyramidAttentionBroadcastConfig,
        TaylorSeerCacheConfig,
    )

    def timestep() -> int:
        return int(pipe.current_timestep) if pipe.current_timestep is not None else 1000

    return {
        "first_block": lambda: FirstBlockCacheConfig(threshold=threshold),
        "pab": lambda: PyramidAttentionBroadcastConfig(spatial_attention_block_skip_range=2,
                                                       spatial_attention_timestep_skip_range=(100, 950),
                                                       current_timestep_callback=timestep),
        "faster": lambda: FasterCacheConfig(spatial_attention_block_skip_range=2,
                                            spatial_attention_timestep_skip_range=(-1, 901),
                                            current_timestep_callback=timestep,
                                            attention_weight_callback=lambda _: 0.5, is_guidance_distilled=True),
        "taylorseer": lambda: TaylorSeerCacheConfig(cache_interval=3, disable_cache_before_step=4,
                                                    taylor_factors_dtype=torch.float32),
        "mag": lambda: MagCacheConfig(threshold=threshold, mag_ratios=list(config.mag_ratios),
                                      num_inference_steps=config.mag_steps),
    }[name]()


def calibrate_mag_cache(pipe, run, steps: int) -> tuple[float, ...]:
    """MagCache's calibration step: one plain run with ``MagCacheConfig(calibrate=True)`` records the ratio of
    the transformer's residual magnitudes between consecutive steps; ``run()`` calls the pipeline with
    ``steps`` denoising steps. Returns the ratios for ``SpeedConfig(cache="mag", mag_ratios=…, mag_steps=steps)``.
    With guidance the transformer runs twice a step (cond / uncond contexts): the cond context's ratios are kept.
    """
    import logging

    from diffusers import MagCacheConfig
    from diffusers.utils import logging as diffusers_logging

    found: list[list[float]] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            text = record.getMessage()
            if text.startswith("MagCache Calibration Results:"):
                found.append([float(v) for v in text.split(":", 1)[1].strip(" []").split(",") if v.strip()])

    logger = diffusers_logging.get_logger("diffusers.hooks.mag_cache")
    handler, level = Catch(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    transformer = pipe.transformer
    try:
        transformer.enable_cache(MagCacheConfig(calibrate=True, num_inference_steps=steps))
        run()
    finally:
        transformer.disable_cache()
        logger.removeHandler(handler)
        logger.setLevel(level)
    if not found:
        raise RuntimeError("MagCache calibration reported no ratios")
    return tuple(found[0])


def apply_speed(pipe, config: SpeedConfig) -> None:
    """Switch on the configured speed-ups on a loaded pipeline."""
    import torch

    transformer = getattr(pipe, "transformer", None)
    if config.layerwise_casting and transformer is not None:
        transformer.enable_layerwise_casting(storage_dtype=getattr(torch, config.layerwise_casting),
                                             compute_dtype=transformer.dtype)
    if config.cache and transformer is not None:
        transformer.enable_cache(cache_config(config.cache, pipe, config.cache_threshold, config))
    if config.compile and transformer is not None:
        transformer.compile_repeated_blocks(fullgraph=False)
    if config.vae_tiling and hasattr(pipe, "vae"):
        pipe.vae.enable_tiling()
    if config.vae_slicing and hasattr(pipe, "vae"):
        pipe.vae.enable_slicing()
