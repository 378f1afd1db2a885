"""The sound world, matching the shapes world (``sandbox/models/micro/data.py``) scene for scene: the shape's
colour sets the pitch, its kind the timbre, its direction a glide (up / down) or a stereo pan sweep (left /
right), and the background an ambience. Synthesised in code, stereo, at a low sample rate.

>>> from sandbox.models.micro.data import Scene
>>> clip = synthesize(Scene("red", "circle", "right", "blue"), seconds=1.125)
>>> clip.shape, round(pitch_hz("red"))
((2, 9000), 220)
"""

from __future__ import annotations

import numpy as np

from sandbox.models.micro.data import BACKGROUNDS, COLORS, DIRECTIONS, SHAPES, Scene

SAMPLE_RATE = 8000  # Hz: the highest partial (a square's 5th harmonic of 880 Hz) stays under Nyquist
BASE_HZ = 220.0
SEMITONES_PER_COLOR = 4  # colours 4 semitones apart: a glide of ±2 never reaches the next colour's centre
GLIDE_SEMITONES = 2.0  # up: from -2 to +2 around the colour's pitch; down: the reverse
PAN_RANGE = (0.15, 0.85)  # 0 = hard left, 1 = hard right; right: sweeps from 0.15 to 0.85
PLUCK_HZ = 6.0  # a triangle's plucks per second
TONE_GAIN = 0.5

COLOR_ORDER: tuple[str, ...] = tuple(COLORS)  # red, green, blue, yellow, purple, orange, white
TIMBRES: dict[str, str] = {"circle": "pure sine", "square": "hollow (odd harmonics)",
                           "triangle": "plucked (6 plucks/s, 2nd harmonic)"}
DIRECTION_SOUND: dict[str, str] = {"up": "glides up 4 semitones", "down": "glides down 4 semitones",
                                   "right": "pans left → right", "left": "pans right → left"}
AMBIENCE: dict[str, str] = {"black": "silence", "gray": "soft hiss", "blue": "low rumble",
                            "green": "high chirps"}
assert set(TIMBRES) == set(SHAPES) and set(DIRECTION_SOUND) == set(DIRECTIONS) and set(AMBIENCE) == set(BACKGROUNDS)


def pitch_hz(color: str) -> float:
    """The colour's centre pitch: red 220 Hz, then 4 semitones up per colour (white ≈ 880 Hz)."""
    return BASE_HZ * 2 ** (COLOR_ORDER.index(color) * SEMITONES_PER_COLOR / 12)


def _tone(shape: str, f_inst: np.ndarray, phase0: float) -> np.ndarray:
    phase = phase0 + 2 * np.pi * np.cumsum(f_inst) / SAMPLE_RATE
    if shape == "circle":
        return np.sin(phase)
    if shape == "square":  # band-limited square: odd harmonics 1, 1/3, 1/5
        return np.sin(phase) + np.sin(3 * phase) / 3 + np.sin(5 * phase) / 5
    if shape == "triangle":
        return np.sin(phase) + 0.45 * np.sin(2 * phase)
    raise ValueError(f"`shape` must be one of {SHAPES} but is {shape!r}")


def _envelope(shape: str, n: int, rng: np.random.Generator | None) -> np.ndarray:
    t = np.arange(n) / SAMPLE_RATE
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)  # 10 ms fades: no clicks at the ends
    if shape != "triangle":
        return fade
    offset = rng.uniform(0, 0.03) if rng is not None else 0.0
    since = np.mod(t + offset, 1 / PLUCK_HZ)
    return fade * np.exp(-since / 0.03)


def _ambience(background: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """(2, n): each channel its own noise, so ambience has no pan."""
    noise = rng.standard_normal((2, n))
    if background == "black":
        return np.zeros((2, n))
    if background == "gray":
        return 0.03 * noise
    if background == "blue":  # noise low-passed around 100 Hz (two one-pole passes)
        k = int(SAMPLE_RATE / 100)
        kernel = np.ones(k) / k
        low = np.stack([np.convolve(np.convolve(c, kernel, "same"), kernel, "same") for c in noise])
        return 0.9 * low / (np.abs(low).max() + 1e-9) * 0.25
    if background == "green":  # 3 chirps a second, 2.4 → 3.2 kHz, 40 ms each
        out = np.zeros((2, n))
        length = int(0.04 * SAMPLE_RATE)
        sweep = np.linspace(2400, 3200, length)
        chirp = 0.08 * np.sin(2 * np.pi * np.cumsum(sweep) / SAMPLE_RATE) * np.hanning(length)
        for start in np.arange(rng.uniform(0, 0.1), n / SAMPLE_RATE, 1 / 3) * SAMPLE_RATE:
            s = int(start)
            seg = chirp[: max(0, min(length, n - s))]
            out[:, s:s + len(seg)] += seg
        return out
    raise ValueError(f"`background` must be one of {list(BACKGROUNDS)} but is {background!r}")


def synthesize(scene: Scene, seconds: float, rng: np.random.Generator | None = None) -> np.ndarray:
    """(2, round(seconds × SAMPLE_RATE)) float32 in [-1, 1]: the scene's sound. ``rng`` adds the world's small
    variations (phase, ±0.2 semitone, gain, pluck offset, the ambience's noise); without it, the clean sound."""
    n = round(seconds * SAMPLE_RATE)
    noise_rng = rng if rng is not None else np.random.default_rng(0)
    progress = np.linspace(0.0, 1.0, n)
    detune = rng.uniform(-0.2, 0.2) if rng is not None else 0.0
    semis = np.full(n, detune)
    if scene.direction in ("up", "down"):
        sign = 1 if scene.direction == "up" else -1
        semis = semis + sign * GLIDE_SEMITONES * (2 * progress - 1)
    f_inst = pitch_hz(scene.color) * 2 ** (semis / 12)
    phase0 = rng.uniform(0, 2 * np.pi) if rng is not None else 0.0
    gain = TONE_GAIN * (rng.uniform(0.85, 1.15) if rng is not None else 1.0)
    mono = gain * _tone(scene.shape, f_inst, phase0) / (1.5 if scene.shape != "circle" else 1.0)
    mono = mono * _envelope(scene.shape, n, rng)
    pan = np.full(n, 0.5)
    if scene.direction in ("left", "right"):
        lo, hi = PAN_RANGE
        pan = lo + (hi - lo) * (progress if scene.direction == "right" else 1 - progress)
    stereo = np.stack([np.cos(pan * np.pi / 2), np.sin(pan * np.pi / 2)]) * np.sqrt(2) * mono
    out = stereo + _ambience(scene.background, n, noise_rng)
    return np.clip(out, -1.0, 1.0).astype(np.float32)
