"""Frames ↔ H.264 MP4 (yuv420p, faststart: plays in every browser). ffmpeg comes from imageio-ffmpeg."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sandbox.errors import SandboxError


def to_uint8(frames: np.ndarray) -> np.ndarray:
    """Pipeline output (T, H, W, 3) floats in [0, 1] → uint8."""
    frames = np.asarray(frames)
    if frames.ndim == 5:  # (batch, T, H, W, C): we generate one video per call
        frames = frames[0]
    if frames.dtype != np.uint8:
        frames = (np.clip(frames, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return frames


# Tiny videos are stored with at least this short side: the visible watermark stays legible, and the
# invisible mark (sandbox.provenance.mark: cells of 1/32 of the short side) keeps 4-pixel cells even in a
# copy scaled to half size. Cost, measured by benchmarks/bench_provenance.py: a larger file and encode.
DISPLAY_MIN_SIDE = 256


def upscale_for_display(frames: np.ndarray, min_side: int = DISPLAY_MIN_SIDE) -> np.ndarray:
    """Tiny videos (the micro model makes 32×32) are stored upscaled by a whole factor, nearest-neighbour,
    so that players show crisp pixels and the marks fit. Larger videos pass unchanged.

    >>> upscale_for_display(np.zeros((2, 32, 48, 3), np.uint8)).shape
    (2, 256, 384, 3)
    """
    short = min(frames.shape[1:3])
    factor = -(-min_side // short)
    if factor <= 1:
        return frames
    return frames.repeat(factor, axis=1).repeat(factor, axis=2)


def encode_mp4(frames: np.ndarray, path: Path, fps: int, crf: int = 18) -> None:
    """Write ``frames`` (T, H, W, 3) uint8 to ``path`` as H.264/yuv420p."""
    import imageio_ffmpeg

    frames = to_uint8(frames)
    _, h, w, c = frames.shape
    if c != 3 or h % 2 or w % 2:
        raise SandboxError(f"frames must be (T, H, W, 3) with even H and W but are {frames.shape}")
    writer = imageio_ffmpeg.write_frames(
        str(path), (w, h), fps=fps, codec="libx264", pix_fmt_out="yuv420p", quality=None,
        macro_block_size=1, output_params=["-crf", str(crf), "-preset", "veryfast", "-movflags", "+faststart"],
        ffmpeg_log_level="error",
    )
    writer.send(None)
    for frame in frames:
        writer.send(np.ascontiguousarray(frame))
    writer.close()


def read_frames(path: Path) -> np.ndarray:
    """Decode a video to (T, H, W, 3) uint8."""
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = reader.__next__()
    w, h = meta["size"]
    frames = [np.frombuffer(buf, np.uint8).reshape(h, w, 3) for buf in reader]
    if not frames:
        raise SandboxError(f"{Path(path).name} has no video frames")
    return np.stack(frames)


def probe(path: Path) -> dict:
    """Codec facts of a video file (codec, pixel format, size, fps, frames), from ffmpeg's own report."""
    import re
    import subprocess

    import imageio_ffmpeg

    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                         capture_output=True, text=True).stderr
    m = re.search(r"Video: (\w+)[^,]*, (\w+)[^,]*(?:\([^)]*\))?, (\d+)x(\d+)", out)
    if not m:
        raise SandboxError(f"{Path(path).name} is not a readable video")
    fps = re.search(r"([\d.]+) fps", out)
    nframes, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    return {"codec": m.group(1), "pix_fmt": m.group(2), "width": int(m.group(3)), "height": int(m.group(4)),
            "fps": float(fps.group(1)) if fps else None, "frames": nframes}
