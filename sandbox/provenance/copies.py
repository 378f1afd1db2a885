"""The ways people copy a video, made with ffmpeg: what the mark and the fingerprint must survive. Used by
the robustness benchmark, its smaller test and notebook 06.

>>> sorted(COPIES)[:3]
['crf23', 'crf30', 'crf35']
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from sandbox.errors import SandboxError

EVEN = "trunc(iw*{s}/2)*2:trunc(ih*{s}/2)*2"
# name → (video filters, x264 CRF of the copy); None: a plain remux (the manifest and metadata are dropped)
COPIES: dict[str, tuple[str, int] | None] = {
    "stripped": None,
    "crf23": ("", 23),
    "crf30": ("", 30),
    "crf35": ("", 35),
    "scale0.5": (f"scale={EVEN.format(s=0.5)}:flags=area", 23),
    "scale0.75": (f"scale={EVEN.format(s=0.75)}:flags=bicubic", 23),
    "scale2": (f"scale={EVEN.format(s=2)}:flags=bicubic", 23),
    "crop90": ("crop=trunc(iw*0.9/2)*2:trunc(ih*0.9/2)*2", 23),
    "crop80": ("crop=trunc(iw*0.8/2)*2:trunc(ih*0.8/2)*2", 23),
    "fps15": ("fps=15", 23),
    "fps30": ("fps=30", 23),
    "trim": ("trim=start_frame=1:end_frame={last},setpts=PTS-STARTPTS", 23),
    "hflip": ("hflip", 23),
    "screen": ("gblur=sigma=1.2,noise=alls=10:allf=t,eq=contrast=0.95:brightness=0.02", 26),
}


def make_copy(src: Path, dest: Path, kind: str) -> Path:
    """Write a copy of ``src`` made the ``kind`` way (see ``COPIES``) to ``dest`` and return it."""
    import imageio_ffmpeg

    if kind not in COPIES:
        raise SandboxError(f"`kind` must be one of {sorted(COPIES)} but is {kind!r}")
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    recipe = COPIES[kind]
    cmd = [ffmpeg, "-y", "-v", "error", "-i", str(src), "-map_metadata", "-1", "-map", "0:v:0"]
    if recipe is None:
        cmd += ["-c", "copy"]
    else:
        filters, crf = recipe
        if "{last}" in filters:
            frames, _ = imageio_ffmpeg.count_frames_and_secs(str(src))
            filters = filters.format(last=frames - 1)
        if filters:
            cmd += ["-vf", filters]
        cmd += ["-c:v", "libx264", "-crf", str(crf), "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    out = subprocess.run([*cmd, str(dest)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SandboxError(f"ffmpeg could not make the {kind} copy: {out.stderr.strip()[-300:]}")
    return dest
