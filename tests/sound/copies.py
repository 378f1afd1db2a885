"""An attacker's audio-only copy of a video: its sound ripped to a bare .wav or .m4a (no metadata)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

CODECS = {".wav": "pcm_s16le", ".m4a": "aac"}


def write_audio_copy(samples: np.ndarray, rate: int, path: Path) -> Path:
    """``samples`` (2, n) float stereo at ``rate`` written as a bare audio file, codec by suffix."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream(CODECS[Path(path).suffix], rate=rate, layout="stereo")
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples, np.float32), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = rate, 0
        for f in av.AudioResampler(format=stream.format.name, layout="stereo", rate=rate).resample(frame):
            out.mux(stream.encode(f))
        out.mux(stream.encode(None))
    return Path(path)
