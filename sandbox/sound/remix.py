"""What a remix does with its original's sound: a restyle keeps it (unless a new sound prompt is given), an
extend continues it (the original's sound, then new sound for the new frames), a recast makes a new one.

>>> remix_sound_plan("restyle", sound_prompt="", original_has_sound=True)
'keep'
>>> remix_sound_plan("extend", sound_prompt="", original_has_sound=True)
'continue'
>>> remix_sound_plan("restyle", sound_prompt="rain on a tin roof", original_has_sound=True)
'new'
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from sandbox.sound.media import Soundtrack, has_audio, read_audio


def remix_sound_plan(mode: str, sound_prompt: str, original_has_sound: bool) -> str:
    """``keep`` / ``continue`` / ``new``."""
    if sound_prompt or not original_has_sound or mode == "recast":
        return "new"
    return "continue" if mode == "extend" else "keep"


def original_sound(original: Path, mode: str, sound_prompt: str, fps: int, original_frames: int,
                   make_more: Callable[[float], Soundtrack | None]) -> Callable[[np.ndarray], Soundtrack | None] | None:
    """The ``soundtrack`` hook for ``GenerationService.generate``: final frames → the remix's sound, or None
    to let the sound stage make a new one. ``make_more(seconds)``: new sound for an extension's new frames."""
    plan = remix_sound_plan(mode, sound_prompt, has_audio(original))
    if plan == "new":
        return None

    def soundtrack(frames: np.ndarray) -> Soundtrack | None:
        seconds = len(frames) / fps
        if plan == "keep":
            samples, rate = read_audio(original)
            return Soundtrack(samples, rate, "from the original", "").fitted(seconds)
        more = make_more(seconds - original_frames / fps)
        rate = more.sample_rate if more is not None else 48000
        samples, _ = read_audio(original, rate=rate)
        head = Soundtrack(samples, rate, "", "").fitted(original_frames / fps).samples
        tail = more.samples if more is not None else np.zeros((head.shape[0], 0), np.float32)
        if tail.shape[0] != head.shape[0]:
            tail = np.broadcast_to(tail.mean(0, keepdims=True), (head.shape[0], tail.shape[1]))
        model = more.model if more is not None else "from the original"
        revision = more.model_revision if more is not None else ""
        return Soundtrack(np.concatenate([head, tail], axis=1), rate, model, revision,
                          more.prompt if more else "").fitted(seconds)

    soundtrack.source = "kept from the original" if plan == "keep" else "continued from the original"
    return soundtrack
