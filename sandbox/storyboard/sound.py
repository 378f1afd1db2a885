"""A storyboard's sound: each shot's track laid where the shot's frames are, cross-faded at the joins exactly as
the frames are (sandbox.storyboard.service.join), and a re-shot shot's track spliced over its own span.

Samples are (channels, n) float arrays at one rate; a frame ``f`` of the video starts at sample
``round(f * rate / fps)``.
"""

from __future__ import annotations

import numpy as np

from sandbox.sound.media import match_channels

SPLICE_FADE_S = 0.01  # a re-shot span fades in and out over this long: no click at its edges


def frame_samples(frames: int, rate: int, fps: int) -> int:
    """Where frame ``frames`` starts, in samples.

    >>> frame_samples(3, 8000, 8)
    3000
    """
    return round(frames * rate / fps)


def join_sound(audio: np.ndarray, shot: np.ndarray, rate: int, fps: int, carried: int, overlap: int) -> np.ndarray:
    """The next shot's sound after the storyboard's so far: its first ``carried`` frames' worth is dropped (those
    frames repeat ones already there), the next ``overlap`` frames' worth is cross-faded with the end of ``audio``
    (the new shot's weight rising), as the frames are.

    >>> a, s = np.zeros((1, 4)), np.ones((1, 6))
    >>> join_sound(a, s, rate=8, fps=8, carried=1, overlap=2).round(2).tolist()
    [[0.0, 0.0, 0.25, 0.75, 1.0, 1.0, 1.0]]
    """
    shot = match_channels(shot, audio.shape[0])
    skip, shared = frame_samples(carried, rate, fps), frame_samples(overlap, rate, fps)
    if shared == 0:
        return np.concatenate([audio, shot[:, skip:]], axis=1)
    weight = (np.arange(shared) + 0.5) / shared
    blended = audio[:, -shared:] * (1 - weight) + shot[:, skip:skip + shared] * weight
    return np.concatenate([audio[:, :-shared], blended, shot[:, skip + shared:]], axis=1)


def splice_sound(audio: np.ndarray, shot: np.ndarray, rate: int, fps: int, begin: int, first: int,
                 end: int) -> np.ndarray:
    """``audio`` with frames ``first``…``end`` (counted from the shot's start, which is frame ``begin`` of the
    video) taken from the re-shot shot's sound, fading in and out over ``SPLICE_FADE_S``.

    >>> splice_sound(np.zeros((1, 8)), np.ones((1, 8)), rate=8, fps=8, begin=2, first=1, end=4).tolist()
    [[0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0]]
    """
    shot = match_channels(shot, audio.shape[0])
    lo, hi = frame_samples(first, rate, fps), frame_samples(end, rate, fps)
    at = frame_samples(begin, rate, fps) + lo
    piece = shot[:, lo:hi]
    hi_at = min(at + piece.shape[1], audio.shape[1])
    piece = piece[:, :hi_at - at]
    out = audio.copy()
    fade = min(round(SPLICE_FADE_S * rate), piece.shape[1] // 2)
    weight = np.ones(piece.shape[1])
    if fade:
        ramp = (np.arange(fade) + 0.5) / fade
        weight[:fade], weight[-fade:] = ramp, ramp[::-1]
    out[:, at:hi_at] = audio[:, at:hi_at] * (1 - weight) + piece * weight
    return out


def resampled(samples: np.ndarray, rate: int, to: int) -> np.ndarray:
    """Linear resampling (shots of one model share a rate; this is a guard)."""
    if rate == to:
        return samples
    n = round(samples.shape[1] * to / rate)
    x = np.linspace(0, samples.shape[1] - 1, n)
    return np.stack([np.interp(x, np.arange(samples.shape[1]), ch) for ch in samples])
