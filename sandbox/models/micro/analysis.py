"""Read meaning back out of frames: background, the shape's mask, its colour, its kind, where it goes.

>>> from sandbox.models.micro.data import Scene, make_clip
>>> a = analyse(make_clip(Scene("red", "circle", "right", "blue"), size=32, frames=9))
>>> a.color, a.shape, a.direction
('red', 'circle', 'right')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sandbox.models.micro.data import COLORS

FILL_RATIO = {"triangle": 0.5, "circle": 0.785, "square": 1.0}  # shape area / its bounding box


@dataclass
class Analysis:
    background: tuple[int, int, int]
    color: str | None
    shape: str | None
    direction: str | None
    shape_fraction: float  # of pixels that differ from the background
    centroids: list[tuple[float, float]]


def nearest_color(rgb: np.ndarray, palette: dict[str, tuple[int, int, int]] = COLORS) -> str:
    names = list(palette)
    d = [np.linalg.norm(np.asarray(palette[n], float) - rgb) for n in names]
    return names[int(np.argmin(d))]


def analyse(frames: np.ndarray, threshold: float = 60.0) -> Analysis:
    frames = np.asarray(frames, dtype=np.float32)
    border = np.concatenate([frames[:, 0], frames[:, -1], frames[:, :, 0], frames[:, :, -1]], axis=1)
    background = np.median(border.reshape(-1, 3), axis=0)
    masks = np.linalg.norm(frames - background, axis=-1) > threshold
    fraction = float(masks.mean())
    if masks.sum() < frames.shape[0] * 4:
        return Analysis(tuple(int(v) for v in background), None, None, None, fraction, [])
    color = nearest_color(np.median(frames[masks], axis=0))
    centroids, ratios = [], []
    for m in masks:
        ys, xs = np.nonzero(m)
        if len(xs) < 4:
            continue
        centroids.append((float(xs.mean()), float(ys.mean())))
        box = (xs.max() - xs.min() + 1) * (ys.max() - ys.min() + 1)
        ratios.append(len(xs) / box)
    shape = min(FILL_RATIO, key=lambda k: abs(FILL_RATIO[k] - float(np.median(ratios)))) if ratios else None
    direction = None
    if len(centroids) >= 2:
        dx = centroids[-1][0] - centroids[0][0]
        dy = centroids[-1][1] - centroids[0][1]
        if max(abs(dx), abs(dy)) >= 2.0:
            direction = ("right" if dx > 0 else "left") if abs(dx) >= abs(dy) else ("down" if dy > 0 else "up")
    return Analysis(tuple(int(v) for v in background), color, shape, direction, fraction, centroids)
