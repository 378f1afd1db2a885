"""Live preview: a picture of where the denoising is heading, every few steps, so a person can cancel early.

Flow-matching pipelines (Wan, LTX) move the latent along a straight line from noise (σ = 1) to the clean
video (σ = 0). Two consecutive latents give the velocity, and the velocity gives the predicted clean latent:
``v = (x_next - x) / (σ_next - σ)``, ``x0 = x_next - σ_next · v``. Only the middle latent frame of that
estimate is decoded by the pipeline's own VAE (one frame, not the video), so a preview costs a small part of
a denoising step. Pipelines without a Wan-style VAE normalisation get no preview (``supported`` says so).

A preview is also skipped while the last one's decode would make previews more than ``PREVIEW_BUDGET`` of
the run's time: on a slow run (seconds per step, where cancelling early matters) one arrives every
``PREVIEW_EVERY`` steps; on a run of a second or two, fewer — nobody cancels that fast, and it stays fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

PREVIEW_EVERY = 6  # steps between two previews: each costs about half a micro-model step (measured: every 4 → 1.12×)
PREVIEW_BUDGET = 0.05  # at most this share of the run's time goes to decoding previews
PreviewSink = Callable[[np.ndarray], None]  # receives (H, W, 3) uint8


def supported(pipe) -> bool:
    vae = getattr(pipe, "vae", None)
    config = getattr(vae, "config", None)
    return bool(config is not None and getattr(config, "latents_mean", None) is not None
                and getattr(getattr(pipe, "scheduler", None), "sigmas", None) is not None)


class LatentPreview:
    """Called after every denoising step with the new latents; hands ``sink`` an RGB picture every ``every``
    steps (from the second step on: the first has no previous latent to estimate the velocity from)."""

    def __init__(self, pipe, sink: PreviewSink, every: int = PREVIEW_EVERY, budget: float | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        budget = PREVIEW_BUDGET if budget is None else budget
        if every < 1:
            raise ValueError(f"`every` must be at least 1 but is {every}")
        if not 0 < budget <= 1:
            raise ValueError(f"`budget` is a share of the run's time, in (0, 1], but is {budget}")
        self.pipe, self.sink, self.every, self.budget, self.clock = pipe, sink, every, budget, clock
        self.previous = None
        self.last_done: float | None = None  # when the last preview was handed over
        self.decode_seconds = 0.0  # what it cost

    def within_budget(self) -> bool:
        """Would one more decode keep previews within ``budget`` of the time since the last one?"""
        if self.last_done is None:
            return True
        return self.decode_seconds <= self.budget * (self.clock() - self.last_done + self.decode_seconds)

    def step(self, step: int, latents) -> None:
        previous, self.previous = self.previous, latents.detach().clone()
        if previous is None or (step + 1) % self.every:
            return
        sigmas = self.pipe.scheduler.sigmas
        if step + 2 >= len(sigmas):  # the last step: the result itself is about to arrive
            return
        sigma, sigma_next = float(sigmas[step]), float(sigmas[step + 1])
        if sigma == sigma_next:
            return
        if not self.within_budget():
            return
        started = self.clock()
        velocity = (latents - previous) / (sigma_next - sigma)
        picture = self.decode(latents - sigma_next * velocity)
        self.last_done = self.clock()
        self.decode_seconds = self.last_done - started
        self.sink(picture)

    def decode(self, clean):
        """The middle latent frame through the VAE (reference frames, if any, sit at the front)."""
        import torch

        vae = self.pipe.vae
        frame = clean[:, :, clean.shape[2] // 2:clean.shape[2] // 2 + 1].float()
        mean = torch.tensor(vae.config.latents_mean, dtype=torch.float32).view(1, -1, 1, 1, 1).to(frame.device)
        std = torch.tensor(vae.config.latents_std, dtype=torch.float32).view(1, -1, 1, 1, 1).to(frame.device)
        with torch.no_grad():
            image = vae.decode((frame * std + mean).to(vae.dtype), return_dict=False)[0]
        image = image[0, :, 0].permute(1, 2, 0).float().cpu().numpy()
        return (np.clip((image + 1) / 2, 0, 1) * 255 + 0.5).astype(np.uint8)
