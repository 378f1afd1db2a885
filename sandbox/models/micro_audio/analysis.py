"""Read the sound world's meaning back out of a waveform: pitch → colour, timbre → shape kind, glide or pan
sweep → direction, ambience → background. Used by the evaluation, the tests and the notebook.

>>> from sandbox.models.micro.data import Scene
>>> from sandbox.models.micro_audio.world import synthesize
>>> a = analyse_sound(synthesize(Scene("red", "circle", "right", "black"), seconds=1.125))
>>> a.color, a.shape, a.direction, a.background
('red', 'circle', 'right', 'black')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sandbox.models.micro_audio.world import (
    COLOR_ORDER,
    GLIDE_SEMITONES,
    SAMPLE_RATE,
    SEMITONES_PER_COLOR,
    pitch_hz,
)

WINDOW = 1024  # samples (128 ms at 8 kHz): several periods of the lowest pitch
PITCH_RANGE_HZ = (150.0, 1100.0)


@dataclass
class SoundAnalysis:
    pitch_hz: float | None  # median pitch over the clip
    glide_semitones: float  # pitch at the end minus pitch at the start
    pan_sweep: float  # right-minus-left balance at the end minus at the start (-1..1 scale)
    odd_harmonics: float  # |3f| / |f|
    even_harmonics: float  # |2f| / |f|
    pluckiness: float  # spread of the loudness envelope (std / mean of 10 ms RMS)
    color: str | None
    shape: str | None
    direction: str | None
    background: str | None


def _spectrum(x: np.ndarray, n_fft: int) -> np.ndarray:
    return np.abs(np.fft.rfft(x * np.hanning(len(x)), n_fft))


def _peak_hz(mag: np.ndarray, n_fft: int) -> tuple[float, float]:
    freqs = np.fft.rfftfreq(n_fft, 1 / SAMPLE_RATE)
    band = (freqs >= PITCH_RANGE_HZ[0]) & (freqs <= PITCH_RANGE_HZ[1])
    idx = np.flatnonzero(band)[int(np.argmax(mag[band]))]
    if 0 < idx < len(mag) - 1:  # parabolic interpolation of the log magnitude
        a, b, c = np.log(mag[idx - 1:idx + 2] + 1e-12)
        shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    else:
        shift = 0.0
    return float((idx + shift) * SAMPLE_RATE / n_fft), float(mag[idx])


def _level_at(mag: np.ndarray, n_fft: int, hz: float) -> float:
    i = round(hz * n_fft / SAMPLE_RATE)
    return float(mag[max(0, i - 2):i + 3].max()) if i < len(mag) else 0.0


def _semitones(hz: float, ref: float = 1.0) -> float:
    return 12 * np.log2(hz / ref)


def nearest_color(hz: float) -> str:
    return min(COLOR_ORDER, key=lambda c: abs(_semitones(hz, pitch_hz(c))))


def window_pitches(mono: np.ndarray) -> list[tuple[float, float]]:
    """(pitch Hz, peak level) of each half-overlapping window that holds a tone."""
    out = []
    n_fft = 4 * WINDOW
    for start in range(0, max(1, len(mono) - WINDOW + 1), WINDOW // 2):
        seg = mono[start:start + WINDOW]
        if len(seg) < WINDOW // 2 or np.sqrt(np.mean(seg**2)) < 1e-3:
            continue
        out.append(_peak_hz(_spectrum(seg, n_fft), n_fft))
    return out


def _background(stereo: np.ndarray, tone_hz: float | None) -> str:
    """The ambience from what is left outside the tone's harmonics: low rumble, high chirps, broad hiss."""
    mono = stereo.mean(0)
    n_fft = 1 << int(np.ceil(np.log2(len(mono))))
    mag = _spectrum(mono, n_fft) ** 2
    freqs = np.fft.rfftfreq(n_fft, 1 / SAMPLE_RATE)
    mask = np.ones_like(freqs, bool)
    if tone_hz:
        for k in range(1, 7):
            mask &= np.abs(freqs - k * tone_hz) > max(40.0, 0.08 * k * tone_hz)
    total = mag.sum() + 1e-12
    low = mag[mask & (freqs < 130)].sum() / total
    chirp = mag[mask & (freqs > 2300) & (freqs < 3300)].sum() / total
    floor = np.median(mag[mask & (freqs > 1200) & (freqs < 2200)]) / (mag.max() + 1e-12)
    if low > 0.05:
        return "blue"
    if chirp > 0.01:
        return "green"
    if floor > 1e-4:
        return "gray"
    return "black"


def analyse_sound(stereo: np.ndarray) -> SoundAnalysis:
    """``stereo``: (2, n) or (n,) float waveform at ``SAMPLE_RATE``."""
    stereo = np.atleast_2d(np.asarray(stereo, np.float64))
    if stereo.shape[0] == 1:
        stereo = np.concatenate([stereo, stereo])
    mono = stereo.mean(0)
    pitches = window_pitches(mono)
    if len(pitches) < 2:
        return SoundAnalysis(None, 0.0, 0.0, 0.0, 0.0, 0.0, None, None, None, _background(stereo, None))
    hz = np.array([p for p, _ in pitches])
    median = float(np.median(hz))
    third = max(1, len(hz) // 3)
    glide = _semitones(float(np.median(hz[-third:])), float(np.median(hz[:third])))
    # timbre from the whole clip's spectrum at the median pitch
    n_fft = 1 << int(np.ceil(np.log2(len(mono))) + 1)
    mag = _spectrum(mono, n_fft)
    fundamental = _level_at(mag, n_fft, median) + 1e-12
    odd = _level_at(mag, n_fft, 3 * median) / fundamental
    even = _level_at(mag, n_fft, 2 * median) / fundamental
    hop = SAMPLE_RATE // 100
    rms = np.sqrt(np.convolve(mono**2, np.ones(hop) / hop, "valid")[::hop])
    rms = rms[2:-2] if len(rms) > 8 else rms
    pluck = float(rms.std() / (rms.mean() + 1e-12))
    # pan from the left/right energy in the first and last thirds
    n = stereo.shape[1] // 3

    def balance(seg: np.ndarray) -> float:
        left, right = (seg**2).sum(axis=1)
        return float((right - left) / (right + left + 1e-12))

    sweep = balance(stereo[:, -n:]) - balance(stereo[:, :n])
    shape = "triangle" if pluck > 0.45 else ("square" if odd > 0.15 else "circle")
    if abs(glide) >= GLIDE_SEMITONES and abs(glide) > 2 * abs(sweep) * SEMITONES_PER_COLOR:
        direction = "up" if glide > 0 else "down"
    elif abs(sweep) >= 0.2:
        direction = "right" if sweep > 0 else "left"
    else:
        direction = None
    return SoundAnalysis(median, glide, sweep, odd, even, pluck, nearest_color(median), shape, direction,
                         _background(stereo, median))
