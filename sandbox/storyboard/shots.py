"""Shots and the limits a model card puts on a storyboard.

A storyboard is a list of shots (a prompt and a duration each) and a shared style prompt. How long it may be
follows from the card: each shot is one generation, so a shot is at most ``frames.max / fps`` seconds long,
and a storyboard is at most :data:`MAX_SHOTS` shots and :data:`MAX_SECONDS` seconds.

>>> from types import SimpleNamespace
>>> from sandbox.models.cards import FrameRule
>>> micro = SimpleNamespace(frames=FrameRule(5, 17, default=9), fps=8)  # the micro model card's rules
>>> limits = StoryboardLimits.for_card(micro)
>>> limits.max_shots, limits.shot_seconds, limits.total_seconds
(6, (0.62, 2.12), 12.75)
>>> check_shots([Shot("a red circle moving right", 1.0)], "", limits)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sandbox.errors import SandboxError

MAX_SHOTS = 6  # one generation each; more is a queue, not a storyboard
MAX_SECONDS = 25.0  # the longest story the product offers, on cards that can afford it
# How many of the previous shot's last frames open the next. One: a Wan VAE encodes a video's first frame on its
# own and every later group of 4 together, so one kept frame is exactly one latent frame, while 2 straddle a
# group. Measured on the micro model (bench_storyboard.py, 4 cuts): 1 frame — cut/inside change 1.4–2.4, subject
# jump 0.8–4.8 px; 2 frames — 2.7–2.8, 5.3 px; 6 frames — 2.8–4.5, 3.9–11 px.
CARRIED_FRAMES = 1
# How many frames two shots share at a join: the next shot opens on the frame this many before the previous shot's
# end, so its first generated frames show the same moments as the previous shot's last ones, and the two are
# cross-faded there (both from the model: the jump of the first generated frame spreads over k + 1 frame steps).
# A shot keeps its frame count, so its cost; a storyboard is k frames shorter per join than its shots added up
# (as with a cross-fade in an editor). Measured on the micro model (4 storyboards, 8 joins, change across the join
# / median change inside shots): k = 0 — 2.16 median, max 4.09, 2/8 ≤ 1.5; k = 2 — 1.32, max 1.70, 7/8;
# k = 3 — 1.06, max 1.34, 8/8.
OVERLAP_FRAMES = 3


@dataclass(frozen=True)
class Shot:
    """One shot: what happens and for how long (seconds). ``seed`` < 0 draws one."""

    prompt: str
    seconds: float = 1.0
    seed: int = -1

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class StoryboardLimits:
    max_shots: int
    shot_seconds: tuple[float, float]  # shortest and longest shot the card can make in one generation
    total_seconds: float
    fps: int

    @classmethod
    def for_card(cls, spec) -> StoryboardLimits:
        """A shot is one generation: between the card's fewest and most frames; the whole is capped by
        :data:`MAX_SHOTS` such shots and :data:`MAX_SECONDS`."""
        shortest, longest = spec.frames.min / spec.fps, spec.frames.max / spec.fps
        return cls(MAX_SHOTS, (round(shortest, 2), round(longest, 2)),
                   round(min(MAX_SECONDS, MAX_SHOTS * longest), 2), spec.fps)


def parse_shots(rows: list) -> list[Shot]:
    """Shots from API/UI rows: dicts ``{"prompt", "seconds", "seed"}`` or ``[prompt, seconds]`` lists.
    Blank rows (no prompt, no seconds) are dropped: the table in the UI always shows a few."""
    shots = []
    for i, row in enumerate(rows or []):
        if isinstance(row, Shot):
            shots.append(row)
            continue
        if isinstance(row, dict):
            prompt, seconds, seed = row.get("prompt"), row.get("seconds"), row.get("seed", -1)
        elif isinstance(row, (list, tuple)):
            prompt, seconds, seed = ([*list(row), None, None, -1])[:3]
        else:
            raise SandboxError(f"`shots[{i}]` must be {{'prompt': …, 'seconds': …}} but is {row!r}")
        if not str(prompt or "").strip() and seconds in (None, "", 0):
            continue
        try:
            seconds = 1.0 if seconds in (None, "") else float(seconds)
            seed = -1 if seed in (None, "") else int(seed)
        except (TypeError, ValueError) as exc:
            raise SandboxError(f"`shots[{i}]`: seconds must be a number and seed an integer, "
                               f"got {seconds!r} and {seed!r}") from exc
        shots.append(Shot(str(prompt or ""), seconds, seed))
    return shots


def check_shots(shots: list[Shot], style: str, limits: StoryboardLimits, max_prompt_chars: int = 500) -> None:
    """Refuse a storyboard the card cannot make, naming the shot and the bad value."""
    if not shots:
        raise SandboxError("`shots` is empty: add at least one shot, e.g. 'a red circle moving right'")
    if len(shots) > limits.max_shots:
        raise SandboxError(f"`shots`: at most {limits.max_shots} shots per storyboard but got {len(shots)}")
    low, high = limits.shot_seconds
    for i, shot in enumerate(shots, 1):
        if not shot.prompt.strip():
            raise SandboxError(f"shot {i} has an empty prompt: say what happens in it")
        if len(shot.prompt) + len(style or "") + 2 > max_prompt_chars:
            raise SandboxError(f"shot {i}: its prompt and the style together must be at most {max_prompt_chars} "
                               "characters")
        if not low <= shot.seconds <= high:
            raise SandboxError(f"shot {i} lasts {shot.seconds:g} s but this model makes shots of {low:g}–{high:g} s")
    total = sum(s.seconds for s in shots)
    if total > limits.total_seconds + 1e-6:
        raise SandboxError(f"the storyboard lasts {total:g} s in all but this model allows at most "
                           f"{limits.total_seconds:g} s")


def shot_frames(seconds: float, fps: int, carried: int, frames_rule) -> int:
    """Frames to generate for a shot of ``seconds``: its own frames plus the ``carried`` ones that repeat the
    previous shot's end, on the card's frame grid (4k+1 for Wan).

    >>> from sandbox.models.cards import FrameRule
    >>> shot_frames(1.0, 8, 0, FrameRule(5, 17, default=9)), shot_frames(1.0, 8, 2, FrameRule(5, 17, default=9))
    (9, 9)
    """
    return frames_rule.nearest(round(seconds * fps) + carried)


def style_prompt(shot: Shot, style: str) -> str:
    """The prompt a shot is generated with: its own words, then the shared style."""
    style = (style or "").strip()
    return f"{shot.prompt.strip()}, {style}" if style else shot.prompt.strip()
