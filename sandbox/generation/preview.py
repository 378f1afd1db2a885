"""Live preview: a picture of where the denoising is heading, every few steps, so a person can cancel early.

Flow-matching pipelines (Wan, LTX) move the latent along a straight line from noise (σ = 1) to the clean
video (σ = 0). Two consecutive latents give the velocity, and the velocity gives the predicted clean latent:
``v = (x_next - x) / (σ_next - σ)``, ``x0 = x_next - σ_next · v``. Only the middle latent frame of that
estimate is decoded by the pipeline's own VAE (one frame, not the video), so a preview costs a small part of
a denoising step. Pipelines without a Wan-style VAE normalisation get no preview (``supported`` says so).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PREVIEW_EVERY = 6  # steps between two previews: each costs about half a micro-model step (measured: every 4 → 1.12×)
PreviewSink = Callable[[np.ndarray], None]  # receives (H, W, 3) uint8


def supported(pipe) -> bool:
    vae = getattr(pipe, "vae", None)
    config = getattr(vae, "config", None)
    return bool(config is not None and getattr(config, "latents_mean", None) is not None
                and getattr(getattr(pipe, "scheduler", None), "sigmas", None) is not None)


class LatentPreview:
    """Called after every denoising step with the new latents; hands ``sink`` an RGB picture every ``every``
    steps (from the second step on: the first has no previous latent to estimate the velocity from)."""

    def __init__(self, pipe, sink: PreviewSink, every: int = PREVIEW_EVERY) -> None:
        if every < 1:
            raise ValueError(f"`every` must be at least 1 but is {every}")
        self.pipe, self.sink, self.every = pipe, sink, every
        self.previous = None

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
        velocity = (latents - previous) / (sigma_next - sigma)
        self.sink(self.decode(latents - sigma_next * velocity))

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
