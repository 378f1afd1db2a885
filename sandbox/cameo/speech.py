"""The audio half of the challenge, offline: read the clip's sound, recognise spoken digits, follow loudness.

Recognition uses ``pocketsphinx`` with the US-English acoustic model inside its wheel and a digits-only
grammar (``zero`` … ``nine``, ``oh``), so it can only ever hear digits. Silence and filler probabilities
are raised and the word insertion penalty lowered so that pauses between digits are not heard as short
digits ("eight"). When the number of digits is known (the challenge asked four), the grammar takes exactly
that many: the recogniser then picks the best-scoring sequence of that length, so it cannot insert a digit
(free grammar on synthetic clips: "0 8 8 1" heard as "0 0 8 8 1" about one clip in three) — and other
digits spoken are still heard as other digits.

>>> words_to_digits("four oh nine")
'409'
>>> print(grammar(2).splitlines()[-1])
public <digits> = <digit> <digit> ;
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
MAX_DIGITS = 16
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


def grammar(length: int | None = None) -> str:
    """JSGF: any number of digit words (``length`` None), or exactly ``length`` of them."""
    if length is not None and not 1 <= length <= MAX_DIGITS:
        raise ValueError(f"`length` must be between 1 and {MAX_DIGITS} digits but is {length}")
    words = " | ".join((*DIGIT_WORDS, "oh"))
    body = "<digit>+" if length is None else " ".join(["<digit>"] * length)
    name = "digits" if length is None else f"digits{length}"
    return f"#JSGF V1.0;\ngrammar {name};\n<digit> = ( {words} );\npublic <digits> = {body} ;\n"


def words_to_digits(text: str) -> str:
    index = {w: str(i) for i, w in enumerate(DIGIT_WORDS)} | {"oh": "0"}
    return "".join(index.get(w.split("(")[0], "") for w in text.split())


class DigitRecogniser:
    """pocketsphinx with the digits-only grammars; one decoder per process (about 0.1 s to load), one search
    per digit count asked (added when first needed)."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self.decoder = Decoder(samprate=RATE, lm=None, loglevel="FATAL", **DECODER_SETTINGS)
        self.searches: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, pcm: np.ndarray, length: int | None = None) -> str:
        """The digits heard in ``pcm``; exactly ``length`` of them when given (see the module's note)."""
        search = "digits" if length is None else f"digits{length}"
        with self.lock:
            if search not in self.searches:
                self.decoder.add_jsgf_string(search, grammar(length))
                self.searches.add(search)
            self.decoder.activate_search(search)
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
