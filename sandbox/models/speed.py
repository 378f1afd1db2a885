"""Optional speed-ups, one small config and one ``apply_speed(pipe, config)``, in the diffusers manner.

Chosen per model card (``sandbox.speed``) and switchable with ``SANDBOX_SPEED``, e.g.
``SANDBOX_SPEED="cache=first_block,vae_tiling"``. Each option is measured by ``make bench`` (speed ratio
and PSNR/SSIM against the plain pipeline on the same seed).
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.config import boolean

CACHES = ("first_block", "pab", "faster", "taylorseer")


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

    def __post_init__(self) -> None:
        if self.cache is not None and self.cache not in CACHES:
            raise ValueError(f"`cache` must be one of {CACHES} but is {self.cache!r}")
        if not 0 < self.cache_threshold < 1:
            raise ValueError(f"`cache_threshold` must be between 0 and 1 but is {self.cache_threshold}")

    @property
    def key(self) -> tuple:
        return (self.cache, self.cache_threshold, self.compile, self.layerwise_casting, self.vae_tiling,
                self.vae_slicing)

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


def cache_config(name: str, pipe, threshold: float = 0.05):
    import torch
    from diffusers import (
        FasterCacheConfig,
        FirstBlockCacheConfig,
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
    }[name]()


def apply_speed(pipe, config: SpeedConfig) -> None:
    """Switch on the configured speed-ups on a loaded pipeline."""
    import torch

    transformer = getattr(pipe, "transformer", None)
    if config.layerwise_casting and transformer is not None:
        transformer.enable_layerwise_casting(storage_dtype=getattr(torch, config.layerwise_casting),
                                             compute_dtype=transformer.dtype)
    if config.cache and transformer is not None:
        transformer.enable_cache(cache_config(config.cache, pipe, config.cache_threshold))
    if config.compile and transformer is not None:
        transformer.compile_repeated_blocks(fullgraph=False)
    if config.vae_tiling and hasattr(pipe, "vae"):
        pipe.vae.enable_tiling()
    if config.vae_slicing and hasattr(pipe, "vae"):
        pipe.vae.enable_slicing()
