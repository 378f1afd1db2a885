"""Videos with visible content, for fingerprint tests: the tiny random-weight model's output is a nearly flat
colour that looks the same for every prompt and seed, so perceptual matching has nothing to go on there."""

import numpy as np


def moving_shapes(seed: int, frames: int = 9, height: int = 64, width: int = 96) -> np.ndarray:
    """A coloured disc and a square crossing a gradient background; layout and colours depend on ``seed``."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    bg = rng.integers(0, 255, 3)
    fg, fg2 = rng.integers(0, 255, 3), rng.integers(0, 255, 3)
    start, speed = rng.uniform(0.1, 0.4, 2), rng.uniform(-0.05, 0.05, 2)
    out = np.empty((frames, height, width, 3), np.uint8)
    gx, gy = rng.choice([-1, 1], 2)  # gradient direction differs per seed
    for t in range(frames):
        ramp_x = xx / width if gx > 0 else 1 - xx / width
        ramp_y = yy / height if gy > 0 else 1 - yy / height
        img = bg * (0.3 + 0.7 * ramp_x[..., None]) * (0.4 + 0.6 * ramp_y[..., None])
        cy, cx = (start + speed * t) % 1.0 * (height, width)
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < (height / 5) ** 2] = fg
        sy, sx = int(height * 0.6), int((width * (0.7 - 0.03 * t)) % width)
        img[sy: sy + height // 4, sx: sx + width // 5] = fg2
        out[t] = img.clip(0, 255)
    return out
