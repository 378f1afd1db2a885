"""The micro model's recipe: one dataclass, grouped fields, checked on creation."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class MicroConfig:
    # --- the world ---
    size: int = 32
    frames: int = 9
    seed: int = 0
    # --- VAE (AutoencoderKLWan: 4x spatial, 4x temporal) ---
    z_dim: int = 8
    vae_base_dim: int = 16
    vae_steps: int = 1000
    vae_batch: int = 6
    vae_lr: float = 1e-3
    vae_object_weight: float = 5.0  # loss weight of shape pixels against background pixels
    # --- text encoder + VACE transformer ---
    layers: int = 4
    heads: int = 4
    head_dim: int = 16
    ffn_dim: int = 160
    text_dim: int = 32
    dataset: int = 4000
    steps: int = 4000
    batch: int = 24
    lr: float = 6e-4
    caption_dropout: float = 0.1  # empty captions teach the unconditional branch for guidance
    shift: float = 3.0  # the scheduler's timestep shift, also used to sample training noise levels
    # --- how often each VACE use is trained ---
    p_restyle: float = 0.2  # video-to-video: another clip's motion, this caption's colours
    p_extend: float = 0.1  # the first frame kept, the rest generated
    p_reference: float = 0.25  # a face sprite as reference image (cameo): copying its looks is learnt slowest
    sprite_fraction: float = 0.5  # face sprites' side, as a share of the frame
    # --- budget ---
    time_budget_min: float = 45.0

    def __post_init__(self) -> None:
        if self.size % 16:
            raise ValueError(f"`size` must be divisible by 16 (VAE 4x, patch 2x, pipeline rule) but is {self.size}")
        if (self.frames - 1) % 4:
            raise ValueError(f"`frames` must be 4k+1 (the Wan VAE compresses time 4x) but is {self.frames}")
        total = self.p_restyle + self.p_extend + self.p_reference
        if not 0 <= total < 1:
            raise ValueError(f"the VACE mode shares must leave room for plain text-to-video but sum to {total}")

    def to_dict(self) -> dict:
        return asdict(self)
