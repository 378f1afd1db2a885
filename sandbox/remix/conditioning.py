"""Turn an original video into VACE conditioning for each remix mode (one small function per mode).

VACE reads ``video`` (frames to follow), ``mask`` (white = generate here, black = keep from ``video``),
``reference_images`` (who should appear) and ``conditioning_scale`` (how strongly to follow).

>>> import numpy as np
>>> frames = np.zeros((9, 32, 32, 3), np.uint8)
>>> c = extend_conditioning(frames, num_frames=9, keep=0.5)
>>> len(c.video), c.keep_frames
(9, 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MODES = ("restyle", "extend", "recast")


@dataclass
class RemixConditioning:
    video: list  # PIL images, num_frames of them
    mask: list  # PIL "L" images: 255 generate, 0 keep
    conditioning_scale: float
    keep_frames: int = 0  # extend: how many of the original's last frames open the new clip
    reference_images: list = field(default_factory=list)

    def pipeline_kwargs(self) -> dict:
        kwargs = {"video": self.video, "mask": self.mask, "conditioning_scale": self.conditioning_scale}
        if self.reference_images:
            kwargs["reference_images"] = self.reference_images
        return kwargs


def resample(frames: np.ndarray, num_frames: int) -> np.ndarray:
    """Pick ``num_frames`` evenly spaced frames (repeats when the original is shorter)."""
    idx = np.linspace(0, len(frames) - 1, num_frames).round().astype(int)
    return frames[idx]


def to_images(frames: np.ndarray) -> list:
    from PIL import Image

    return [Image.fromarray(f) for f in frames]


def masks(values: list[np.ndarray]) -> list:
    from PIL import Image

    return [Image.fromarray(m.astype(np.uint8), mode="L") for m in values]


def restyle_conditioning(frames: np.ndarray, num_frames: int, keep: float) -> RemixConditioning:
    """Regenerate everything while following the original's motion and layout; ``keep`` is how strongly."""
    video = resample(frames, num_frames)
    h, w = video.shape[1:3]
    return RemixConditioning(to_images(video), masks([np.full((h, w), 255)] * num_frames),
                             conditioning_scale=round(2.0 * keep, 3))


def extend_conditioning(frames: np.ndarray, num_frames: int, keep: float) -> RemixConditioning:
    """Continue from the original's last frames: they are kept (black mask), the rest is generated."""
    k = int(np.clip(round(keep * (num_frames - 1) / 2), 1, num_frames - 1))
    h, w = frames.shape[1:3]
    tail = frames[-k:]
    blank = np.full((num_frames - k, h, w, 3), 127, np.uint8)
    video = np.concatenate([tail, blank])
    mask = [np.zeros((h, w))] * k + [np.full((h, w), 255)] * (num_frames - k)
    return RemixConditioning(to_images(video), masks(mask), conditioning_scale=1.0, keep_frames=k)


def subject_masks(frames: np.ndarray, min_fraction: float = 0.02) -> list[np.ndarray]:
    """Where the subject is: pixels that differ from the clip's median frame (what moves), grown a little.
    A clip where nothing moves gets the central box."""
    import cv2

    median = np.median(frames, axis=0)
    diff = np.abs(frames.astype(np.float32) - median).max(axis=3)
    out = []
    h, w = frames.shape[1:3]
    kernel = np.ones((max(3, h // 8), max(3, w // 8)), np.uint8)
    for d in diff:
        m = (d > 24).astype(np.uint8)
        if m.mean() < min_fraction:
            m = np.zeros((h, w), np.uint8)
            m[h // 4: 3 * h // 4, w // 4: 3 * w // 4] = 1
        out.append(cv2.dilate(m, kernel) * 255)
    return out


def recast_conditioning(frames: np.ndarray, num_frames: int, keep: float,
                        reference_images: list) -> RemixConditioning:
    """Replace the moving subject with the cameo(s): regenerate the subject's area, keep the rest."""
    video = resample(frames, num_frames)
    return RemixConditioning(to_images(video), masks(subject_masks(video)),
                             conditioning_scale=round(0.5 + keep, 3), reference_images=list(reference_images))


def join_extension(original: np.ndarray, generated: np.ndarray, keep_frames: int) -> np.ndarray:
    """The extended video: the whole original, then the new frames after the ones it shares."""
    return np.concatenate([original, generated[keep_frames:]])
