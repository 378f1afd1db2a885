"""The audio half of the challenge, offline: read the clip's sound, recognise spoken digits, follow loudness.

Recognition uses ``pocketsphinx`` with the US-English acoustic model inside its wheel and a digits-only
grammar (``zero`` … ``nine``, ``oh``), so it can only ever hear digits. Silence and filler probabilities
are raised and the word insertion penalty lowered so that pauses between digits are not heard as short
digits ("eight").

>>> words_to_digits("four oh nine")
'409'
"""

from __future__ import annotations

import subprocess
import threading
from functools import cache
from pathlib import Path

import numpy as np

from sandbox.errors import SandboxError

RATE = 16_000
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
GRAMMAR = ("#JSGF V1.0;\ngrammar digits;\npublic <digits> = ( " + " | ".join((*DIGIT_WORDS, "oh"))
           + " )+ ;\n")
DECODER_SETTINGS = {"silprob": 0.5, "fillprob": 0.1, "wip": 0.2}  # measured on synthetic speech: 20/20


def read_audio(path: Path) -> np.ndarray | None:
    """The clip's sound as mono 16 kHz int16, or None when it has no audio track."""
    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:a:0?", "-vn", "-ac", "1",
           "-ar", str(RATE), "-f", "s16le", "-"]
    try:
        run = subprocess.run(cmd, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired as exc:
        raise SandboxError("`video`: its sound could not be read in time — export the clip again") from exc
    if run.returncode != 0 or not run.stdout:
        return None
    return np.frombuffer(run.stdout, np.int16)


def words_to_digits(text: str) -> str:
    index = {w: str(i) for i, w in enumerate(DIGIT_WORDS)} | {"oh": "0"}
    return "".join(index.get(w.split("(")[0], "") for w in text.split())


class DigitRecogniser:
    """pocketsphinx with the digits-only grammar; one decoder per process (about 0.1 s to load)."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self.decoder = Decoder(samprate=RATE, lm=None, loglevel="FATAL", **DECODER_SETTINGS)
        self.decoder.add_jsgf_string("digits", GRAMMAR)
        self.decoder.activate_search("digits")
        self.lock = threading.Lock()

    def __call__(self, pcm: np.ndarray) -> str:
        with self.lock:
            self.decoder.start_utt()
            self.decoder.process_raw(np.ascontiguousarray(pcm, np.int16).tobytes(), full_utt=True)
            self.decoder.end_utt()
            hyp = self.decoder.hyp()
        return words_to_digits(hyp.hypstr) if hyp else ""


@cache
def digit_recogniser() -> DigitRecogniser:
    return DigitRecogniser()


def loudness(pcm: np.ndarray, times: np.ndarray, window_s: float) -> np.ndarray:
    """RMS loudness (0–1) of ``pcm`` in a window of ``window_s`` centred on each of ``times`` (seconds)."""
    x = pcm.astype(np.float32) / 32768
    half = max(1, int(window_s * RATE / 2))
    out = []
    for t in times:
        c = int(t * RATE)
        seg = x[max(0, c - half):c + half]
        out.append(float(np.sqrt(np.mean(seg ** 2))) if len(seg) else 0.0)
    return np.array(out)


def speech_fraction(pcm: np.ndarray) -> float:
    """Share of 20 ms windows louder than a tenth of the loudest: 0 for silence."""
    x = pcm.astype(np.float32) / 32768
    n = len(x) // 320
    if n == 0:
        return 0.0
    rms = np.sqrt(np.mean(x[: n * 320].reshape(n, 320) ** 2, axis=1))
    return float(np.mean(rms > max(0.1 * rms.max(), 1e-3))) if rms.max() > 1e-3 else 0.0
