"""A sound track into an MP4 and back, with PyAV: the H.264 video stream is copied as it is, the sound is
encoded as AAC (48 kHz stereo, what every browser plays) — an MP4 with sound is still a plain MP4.

>>> import numpy as np
>>> track = Soundtrack(np.zeros((2, 8000), np.float32), 8000, "sandbox-local/micro-sound", "local")
>>> track.seconds
1.0
"""

from __future__ import annotations

import errno
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sandbox.errors import SandboxError

STORED_RATE = 48000  # Hz of the stored AAC track, whatever the model's rate
AAC_BITRATE = 96_000


@dataclass(frozen=True)
class Soundtrack:
    """What a sound source returns: ``samples`` (channels, n) float in [-1, 1] at ``sample_rate``, and which
    model made it (named in the Content Credentials and the details)."""

    samples: np.ndarray
    sample_rate: int
    model: str
    model_revision: str
    prompt: str = ""

    def __post_init__(self) -> None:
        if self.samples.ndim != 2 or self.samples.shape[0] not in (1, 2):
            raise SandboxError(f"sound samples must be (channels, n) with 1 or 2 channels but are {self.samples.shape}")
        if self.sample_rate <= 0:
            raise SandboxError(f"`sample_rate` must be positive but is {self.sample_rate}")

    @property
    def seconds(self) -> float:
        return self.samples.shape[1] / self.sample_rate

    def fitted(self, seconds: float) -> Soundtrack:
        """Cut or pad (with silence) to exactly ``seconds``: the sound lasts as long as the picture."""
        n = round(seconds * self.sample_rate)
        samples = self.samples[:, :n]
        if samples.shape[1] < n:
            samples = np.pad(samples, ((0, 0), (0, n - samples.shape[1])))
        return Soundtrack(samples, self.sample_rate, self.model, self.model_revision, self.prompt)


LOW_DISK_BYTES = 1 << 20  # below this much free space a failed mux is a full disk


def match_channels(samples: np.ndarray, channels: int) -> np.ndarray:
    """``samples`` (c, n) with ``channels`` rows: as they are when the counts agree, else their mean in every row
    (mono → stereo copies; stereo → mono averages). For joining tracks of sources that disagree.

    >>> match_channels(np.array([[1.0, 3.0]]), 2).tolist()
    [[1.0, 3.0], [1.0, 3.0]]
    >>> match_channels(np.array([[1.0, 3.0], [3.0, 5.0]]), 1).tolist()
    [[2.0, 4.0]]
    """
    if samples.shape[0] == channels:
        return samples
    return np.broadcast_to(samples.mean(0, keepdims=True), (channels, samples.shape[1]))


def mux_audio(video: Path, track: Soundtrack, out: Path) -> None:
    """Write ``out``: ``video``'s H.264 stream (copied, not re-encoded) + ``track`` as AAC, faststart."""
    import av

    samples = np.clip(np.asarray(track.samples, np.float32), -1.0, 1.0)
    if samples.shape[0] == 1:
        samples = np.concatenate([samples, samples])
    try:
        _mux(video, samples, track.sample_rate, out)
    except av.error.FFmpegError as exc:
        # the picture could not be written whole (ffmpeg leaves a truncated file on a full disk) or read back:
        # said as an OSError, so the media store reports it plainly like every other failed write
        if shutil.disk_usage(Path(out).parent).free < LOW_DISK_BYTES:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from exc
        raise OSError(errno.EIO, f"could not add the sound track ({exc.strerror or exc})") from exc


def _mux(video: Path, samples: np.ndarray, sample_rate: int, out: Path) -> None:
    import av

    with av.open(str(video)) as src, av.open(str(out), "w", format="mp4",
                                              options={"movflags": "+faststart"}) as dst:
        v_in = src.streams.video[0]
        v_out = dst.add_stream_from_template(v_in)
        a_out = dst.add_stream("aac", rate=STORED_RATE, layout="stereo")
        a_out.bit_rate = AAC_BITRATE
        for packet in src.demux(v_in):
            if packet.dts is None:
                continue
            packet.stream = v_out
            dst.mux(packet)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples), format="fltp", layout="stereo")
        frame.sample_rate = sample_rate
        frame.pts = 0
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=STORED_RATE)
        for resampled in [*resampler.resample(frame), *resampler.resample(None)]:
            dst.mux(a_out.encode(resampled))
        dst.mux(a_out.encode(None))


def read_audio(path: Path, rate: int | None = None) -> tuple[np.ndarray, int]:
    """The first sound track of a video or audio file (.mp4, .m4a, .wav, …) as (channels, n) float32 and its
    sample rate (``rate``: resample to it). Raises when there is none."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise SandboxError(f"{Path(path).name} has no sound track")
            stream = container.streams.audio[0]
            target = rate or stream.rate
            resampler = av.AudioResampler(format="fltp", layout="stereo" if stream.channels > 1 else "mono",
                                          rate=target)
            chunks = []
            for frame in container.decode(stream):
                chunks += [f.to_ndarray() for f in resampler.resample(frame)]
            chunks += [f.to_ndarray() for f in resampler.resample(None)]
    except av.error.FFmpegError as exc:
        raise SandboxError(f"{Path(path).name} is not a readable audio or video file") from exc
    if not chunks:
        raise SandboxError(f"{Path(path).name} has an empty sound track")
    return np.concatenate(chunks, axis=1).astype(np.float32), int(target)


def has_audio(path: Path) -> bool:
    import av

    try:
        with av.open(str(path)) as container:
            return bool(container.streams.audio)
    except av.error.FFmpegError:
        return False
