"""What a remix does with its original's sound: a restyle keeps it (unless a new sound prompt is given), an
extend continues it (the original's sound, then new sound for the new frames), a recast makes a new one.

>>> remix_sound_plan("restyle", sound_prompt="", original_has_sound=True)
'keep'
>>> remix_sound_plan("extend", sound_prompt="", original_has_sound=True)
'continue'
>>> remix_sound_plan("restyle", sound_prompt="rain on a tin roof", original_has_sound=True)
'new'

A sound taken from the original still names the model that made it: the original's Content Credentials say
(``sound_maker``), and the remix's credentials and details carry it on (``sound_original_model``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sandbox.sound.media import Soundtrack, has_audio, match_channels, read_audio


@dataclass(frozen=True)
class SoundMaker:
    """The model (and revision) that made a sound, as a video's Content Credentials name it."""

    model: str
    revision: str


UNNAMED = SoundMaker("unnamed (the original's Content Credentials do not name it)", "")


def sound_maker(claims: dict) -> SoundMaker:
    """The model that first made the sound of a video with these claims: its own sound model, or, where it
    kept or continued its original's sound, the one its claims carry on from the original.

    >>> sound_maker({"sound_model": "stabilityai/stable-audio-open-1.0", "sound_model_revision": "main"})
    SoundMaker(model='stabilityai/stable-audio-open-1.0', revision='main')
    >>> sound_maker({"sound_model": "new", "sound_original_model": "old", "sound_original_model_revision": "1"})
    SoundMaker(model='old', revision='1')
    >>> sound_maker({}) == UNNAMED
    True
    """
    if claims.get("sound_original_model"):
        return SoundMaker(claims["sound_original_model"], str(claims.get("sound_original_model_revision", "")))
    if claims.get("sound_model"):
        return SoundMaker(claims["sound_model"], str(claims.get("sound_model_revision", "")))
    return UNNAMED


def remix_sound_plan(mode: str, sound_prompt: str, original_has_sound: bool) -> str:
    """``keep`` / ``continue`` / ``new``."""
    if sound_prompt or not original_has_sound or mode == "recast":
        return "new"
    return "continue" if mode == "extend" else "keep"


def original_sound(original: Path, mode: str, sound_prompt: str, fps: int, original_frames: int,
                   make_more: Callable[[float], Soundtrack | None], original_claims: dict | None = None,
                   ) -> Callable[[np.ndarray], Soundtrack | None] | None:
    """The ``soundtrack`` hook for ``GenerationService.generate``: final frames → the remix's sound, or None
    to let the sound stage make a new one. ``make_more(seconds)``: new sound for an extension's new frames;
    ``original_claims``: the original's Content Credentials claims, which name the model that made its sound.
    The hook says how (``source``) and who made the original's sound (``original``, a :class:`SoundMaker`).

    >>> import numpy as np, tempfile
    >>> from sandbox.generation.video import encode_mp4
    >>> from sandbox.sound.media import mux_audio
    >>> folder = Path(tempfile.mkdtemp())
    >>> encode_mp4(np.zeros((8, 32, 32, 3), np.uint8), folder / "v.mp4", fps=8)
    >>> mux_audio(folder / "v.mp4", Soundtrack(np.zeros((2, 8000)), 8000, "m", "r"), folder / "o.mp4")
    >>> hook = original_sound(folder / "o.mp4", "restyle", "", 8, 8, lambda s: None,
    ...                       {"sound_model": "sandbox-local/micro-sound", "sound_model_revision": "r1"})
    >>> track = hook(np.zeros((8, 32, 32, 3), np.uint8))
    >>> (track.model, track.model_revision, hook.source, hook.original.model)
    ('sandbox-local/micro-sound', 'r1', 'kept from the original', 'sandbox-local/micro-sound')
    """
    plan = remix_sound_plan(mode, sound_prompt, has_audio(original))
    if plan == "new":
        return None
    claims = original_claims or {}
    maker = SoundMaker(claims["sound_model"], str(claims.get("sound_model_revision", ""))) \
        if claims.get("sound_model") else UNNAMED  # the model that last made any of the original's sound

    def soundtrack(frames: np.ndarray) -> Soundtrack | None:
        seconds = len(frames) / fps
        if plan == "keep":
            samples, rate = read_audio(original)
            return Soundtrack(samples, rate, maker.model, maker.revision).fitted(seconds)
        more = make_more(seconds - original_frames / fps)
        rate = more.sample_rate if more is not None else 48000
        samples, _ = read_audio(original, rate=rate)
        head = Soundtrack(samples, rate, "", "").fitted(original_frames / fps).samples
        tail = (match_channels(more.samples, head.shape[0]) if more is not None
                else np.zeros((head.shape[0], 0), np.float32))
        model = more.model if more is not None else maker.model
        revision = more.model_revision if more is not None else maker.revision
        return Soundtrack(np.concatenate([head, tail], axis=1), rate, model, revision,
                          more.prompt if more else "").fitted(seconds)

    soundtrack.source = "kept from the original" if plan == "keep" else "continued from the original"
    soundtrack.original = sound_maker(claims)
    return soundtrack
