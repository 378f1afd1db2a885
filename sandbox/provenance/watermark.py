"""A visible, moving "AI · sandbox · @creator" mark burned into every frame.

The mark travels around the frame over time, so cropping one corner does not remove it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class WatermarkConfig:
    """How the mark looks.

    >>> WatermarkConfig(opacity=0.8).opacity
    0.8
    """

    text: str = "AI · sandbox · @{creator}"
    opacity: float = 0.75
    width_fraction: float = 0.6  # the mark's width relative to the frame width
    period_frames: int = 32  # frames for one loop around the frame

    def __post_init__(self) -> None:
        if not 0.0 < self.opacity <= 1.0:
            raise ValueError(f"`opacity` must be in (0, 1] but is {self.opacity}")
        if not 0.1 <= self.width_fraction <= 1.0:
            raise ValueError(f"`width_fraction` must be between 0.1 and 1 but is {self.width_fraction}")
        if self.period_frames < 4:
            raise ValueError(f"`period_frames` must be at least 4 but is {self.period_frames}")


@lru_cache(maxsize=64)
def _mark(text: str, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The rendered mark as (RGB, alpha) arrays, ``width`` pixels wide: white text with a dark outline."""
    from PIL import Image, ImageDraw, ImageFont

    size = 48
    font = ImageFont.load_default(size=size)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font, stroke_width=4)
    canvas = Image.new("RGBA", (right - left + 8, bottom - top + 8), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((4 - left, 4 - top), text, font=font, fill=(255, 255, 255, 255),
                                stroke_width=4, stroke_fill=(20, 20, 20, 255))
    height = max(4, round(canvas.height * width / canvas.width))
    canvas = canvas.resize((max(8, width), height), Image.LANCZOS)
    arr = np.asarray(canvas).astype(np.float32) / 255.0
    return arr[..., :3], arr[..., 3:]


def mark_position(t: int, frame_hw: tuple[int, int], mark_hw: tuple[int, int], period: int) -> tuple[int, int]:
    """Top-left corner of the mark at frame ``t``: it visits the four corners in turn, sliding between them."""
    (fh, fw), (mh, mw) = frame_hw, mark_hw
    corners = [(0, 0), (0, fw - mw), (fh - mh, fw - mw), (fh - mh, 0)]
    phase = (t % period) / period * 4
    a, b = corners[int(phase) % 4], corners[(int(phase) + 1) % 4]
    f = phase - int(phase)
    return max(0, round(a[0] + (b[0] - a[0]) * f)), max(0, round(a[1] + (b[1] - a[1]) * f))


def apply_watermark(frames: np.ndarray, creator: str, config: WatermarkConfig | None = None) -> np.ndarray:
    """Return watermarked copies of ``frames`` (T, H, W, 3) uint8.

    >>> import numpy as np
    >>> out = apply_watermark(np.zeros((4, 64, 64, 3), np.uint8), "ana")
    >>> bool(out.any())
    True
    """
    config = config or WatermarkConfig()
    t_count, h, w, _ = frames.shape
    rgb, alpha = _mark(config.text.format(creator=creator), max(8, int(w * config.width_fraction)))
    mh, mw = rgb.shape[:2]
    mh, mw = min(mh, h), min(mw, w)
    rgb, alpha = rgb[:mh, :mw], alpha[:mh, :mw] * config.opacity
    out = frames.copy()
    for t in range(t_count):  # only the mark's box is blended (in floats): large frames stay cheap
        y, x = mark_position(t, (h, w), (mh, mw), config.period_frames)
        region = frames[t, y: y + mh, x: x + mw].astype(np.float32) / 255.0
        out[t, y: y + mh, x: x + mw] = ((region * (1 - alpha) + rgb * alpha) * 255.0 + 0.5).astype(np.uint8)
    return out
