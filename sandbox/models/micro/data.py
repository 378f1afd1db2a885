"""The micro world, generated in code: coloured shapes moving over plain backgrounds, with captions from a
small grammar, and face-like sprites for cameo references.

>>> clip = make_clip(Scene("red", "circle", "right", "blue"), size=32, frames=9)
>>> clip.shape, caption(Scene("red", "circle", "right", "blue"))
((9, 32, 32, 3), 'a red circle moving right on a blue background')
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

COLORS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40), "green": (40, 190, 60), "blue": (50, 80, 230), "yellow": (240, 220, 40),
    "purple": (150, 60, 200), "orange": (250, 140, 30), "white": (245, 245, 245),
}
BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "black": (15, 15, 15), "gray": (120, 120, 120), "blue": (30, 50, 140), "green": (30, 110, 50),
}
SHAPES = ("circle", "square", "triangle")
DIRECTIONS: dict[str, tuple[int, int]] = {"right": (1, 0), "left": (-1, 0), "up": (0, -1), "down": (0, 1)}
SPRITE_SKINS = ((240, 200, 160), (200, 150, 110), (150, 100, 70), (250, 220, 190))
SPRITE_HAIR = ((40, 30, 20), (200, 160, 60), (160, 60, 30), (30, 30, 30), (230, 230, 230))


@dataclass(frozen=True)
class Scene:
    color: str
    shape: str
    direction: str
    background: str

    @property
    def valid(self) -> bool:  # a shape must stand out from its background
        return not (self.color == self.background or {self.color, self.background} == {"white", "gray"})


def caption(scene: Scene) -> str:
    noun = "face" if scene.shape == "face" else scene.shape
    color = "" if scene.shape == "face" else f"{scene.color} "
    return f"a {color}{noun} moving {scene.direction} on a {scene.background} background"


def all_scenes() -> list[Scene]:
    return [s for s in (Scene(*t) for t in itertools.product(COLORS, SHAPES, DIRECTIONS, BACKGROUNDS)) if s.valid]


def split_scenes(seed: int = 0, held_out: float = 0.15) -> tuple[list[Scene], list[Scene]]:
    """Train and held-out scenes: held-out captions never appear in training (evaluation uses them)."""
    scenes = all_scenes()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(scenes))
    n = int(len(scenes) * held_out)
    return [scenes[i] for i in order[n:]], [scenes[i] for i in order[:n]]


def shape_mask(shape: str, size: int, cx: float, cy: float, r: float) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    if shape == "circle":
        return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    if shape == "square":
        return (np.abs(xx - cx) <= r * 0.85) & (np.abs(yy - cy) <= r * 0.85)
    if shape == "triangle":  # apex up
        top, bottom = cy - r, cy + r * 0.8
        half = (yy - top) / (bottom - top) * r
        return (yy >= top) & (yy <= bottom) & (np.abs(xx - cx) <= half)
    raise ValueError(f"`shape` must be one of {SHAPES} but is {shape!r}")


def sprite(size: int, skin: tuple[int, int, int], hair: tuple[int, int, int]) -> np.ndarray:
    """A face-like sprite on transparent black: (size, size, 4) uint8 RGBA."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c, r = (size - 1) / 2, size * 0.45
    out = np.zeros((size, size, 4), np.uint8)
    head = (xx - c) ** 2 + (yy - c) ** 2 <= r * r
    out[head] = (*skin, 255)
    hair_mask = head & (yy < c - r * 0.35)
    out[hair_mask] = (*hair, 255)
    for ex in (c - r * 0.4, c + r * 0.4):
        out[(xx - ex) ** 2 + (yy - c + r * 0.05) ** 2 <= (r * 0.15) ** 2] = (20, 20, 20, 255)
    out[(np.abs(yy - c - r * 0.45) <= r * 0.08) & (np.abs(xx - c) <= r * 0.35)] = (150, 30, 40, 255)
    return out


def trajectory(direction: str, frames: int, size: int, r: float, rng: np.random.Generator | None = None):
    """Centre positions: across most of the frame in ``direction``, starting near one edge."""
    dx, dy = DIRECTIONS[direction]
    lo, hi = r + 1, size - r - 2
    jitter = (rng.uniform(-2, 2) if rng is not None else 0.0)
    t = np.linspace(0, 1, frames)
    along = lo + (hi - lo) * t
    across = size / 2 - 0.5 + jitter
    xs = along if dx > 0 else (size - 1 - along if dx < 0 else np.full(frames, across))
    ys = along if dy > 0 else (size - 1 - along if dy < 0 else np.full(frames, across))
    return xs, ys


def make_clip(scene: Scene, size: int = 32, frames: int = 9, rng: np.random.Generator | None = None,
              face: np.ndarray | None = None) -> np.ndarray:
    """(frames, size, size, 3) uint8. ``face``: an RGBA sprite drawn instead of the shape."""
    r = size * (0.2 if rng is None else rng.uniform(0.17, 0.23))
    xs, ys = trajectory(scene.direction, frames, size, r, rng)
    bg = np.array(BACKGROUNDS[scene.background], np.uint8)
    out = np.empty((frames, size, size, 3), np.uint8)
    for i in range(frames):
        frame = np.broadcast_to(bg, (size, size, 3)).copy()
        if face is not None:
            s = face.shape[0]
            x0, y0 = round(xs[i] - s / 2), round(ys[i] - s / 2)
            x0, y0 = int(np.clip(x0, 0, size - s)), int(np.clip(y0, 0, size - s))
            alpha = face[..., 3:4] > 0
            region = frame[y0:y0 + s, x0:x0 + s]
            frame[y0:y0 + s, x0:x0 + s] = np.where(alpha, face[..., :3], region)
        else:
            frame[shape_mask(scene.shape, size, xs[i], ys[i], r)] = COLORS[scene.color]
        out[i] = frame
    return out


def random_sprite(rng: np.random.Generator, size: int) -> np.ndarray:
    return sprite(size, SPRITE_SKINS[rng.integers(len(SPRITE_SKINS))], SPRITE_HAIR[rng.integers(len(SPRITE_HAIR))])
