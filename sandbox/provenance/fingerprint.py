"""Perceptual hashes of video frames: the same video re-encoded, resized or stripped of its manifest
still matches; an unrelated video does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SAMPLES = 8  # frames sampled at fixed relative positions
RES = 32  # frames are hashed at this size: below any copy's resolution
SIDE = 12  # low DCT frequencies per side
BITS = SIDE * SIDE
# Mean Hamming distance share at or below which two videos match (measured on test content: resized and
# re-encoded copies ≤ 0.11, unrelated videos ≥ 0.14).
MATCH_FRACTION = 0.13


def frame_phash(frame: np.ndarray) -> int:
    """256-bit DCT perceptual hash of one RGB frame (the low frequencies survive re-encoding and resizing)."""
    from PIL import Image
    from scipy.fft import dctn

    gray = np.asarray(Image.fromarray(frame).convert("L").resize((RES, RES), Image.LANCZOS), dtype=np.float32)
    low = dctn(gray, norm="ortho")[:SIDE, :SIDE].flatten()
    low[0] = np.median(low[1:])  # the DC term (brightness) carries no shape
    bits = low > np.median(low)
    return int("".join("1" if b else "0" for b in bits), 2)


def video_fingerprint(video: Path | np.ndarray) -> list[str]:
    """Hashes (hex) of ``SAMPLES`` frames at evenly spaced relative positions."""
    from sandbox.generation.video import read_frames

    frames = read_frames(video) if isinstance(video, (str, Path)) else video
    idx = np.linspace(0, len(frames) - 1, SAMPLES).round().astype(int)
    return [format(frame_phash(frames[i]), f"0{BITS // 4}x") for i in idx]


def distance(a: list[str], b: list[str]) -> float:
    """Mean Hamming distance between two fingerprints (0 = identical, about BITS/2 = unrelated)."""
    return float(np.mean([bin(int(x, 16) ^ int(y, 16)).count("1") for x, y in zip(a, b, strict=True)]))
