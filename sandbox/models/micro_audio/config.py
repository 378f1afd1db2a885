"""The micro audio model's recipe: one dataclass, grouped fields, checked on creation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class MicroAudioConfig:
    # --- the world ---
    seed: int = 0
    durations_s: tuple[float, ...] = (0.625, 1.125, 1.625, 2.125)  # the micro video model's 5/9/13/17 frames at 8 fps
    # --- VAE (AutoencoderOobleck, stereo) ---
    latent_channels: int = 32
    downsampling_ratios: list[int] = field(default_factory=lambda: [2, 4, 4, 4])  # hop 128 samples (16 ms)
    channel_multiples: list[int] = field(default_factory=lambda: [1, 2, 2, 2])
    decoder_channels: int = 16
    vae_steps: int = 1500
    vae_batch: int = 16
    vae_crop: int = 4096  # samples per training crop: the VAE is convolutional, short crops train faster
    vae_lr: float = 3e-3
    # --- text encoder + projection + DiT ---
    sample_size: int = 144  # latent frames: 144 × 128 samples = 2.30 s, room for 17 frames at 8 fps
    text_dim: int = 32
    conditioning_dim: int = 64
    layers: int = 4
    heads: int = 4
    head_dim: int = 32
    dataset: int = 4000
    steps: int = 3000
    batch: int = 32
    lr: float = 6e-4
    caption_dropout: float = 0.1  # zeroed conditioning teaches the unconditional branch for guidance
    sigma_min: float = 0.002
    sigma_max: float = 80.0
    p_mean: float = -0.4  # ln σ ~ N(p_mean, p_std) during training (EDM)
    p_std: float = 1.4
    # --- budget ---
    vae_budget_min: float = 9.0
    time_budget_min: float = 25.0

    def __post_init__(self) -> None:
        if len(self.channel_multiples) != len(self.downsampling_ratios):
            raise ValueError(f"`channel_multiples` {self.channel_multiples} needs one entry per downsampling ratio "
                             f"{self.downsampling_ratios}")
        if self.vae_crop % self.hop:
            raise ValueError(f"`vae_crop` must be a multiple of the hop length {self.hop} but is {self.vae_crop}")
        from sandbox.models.micro_audio.world import SAMPLE_RATE

        if self.sample_size * self.hop < max(self.durations_s) * SAMPLE_RATE:
            raise ValueError(f"`sample_size` {self.sample_size} × hop {self.hop} is shorter than the longest "
                             f"duration {max(self.durations_s)} s")
        if self.head_dim % 4:
            raise ValueError(f"`head_dim` must be divisible by 4 (rotary embedding on half) but is {self.head_dim}")

    @property
    def hop(self) -> int:
        import math

        return math.prod(self.downsampling_ratios)

    def to_dict(self) -> dict:
        return asdict(self)
