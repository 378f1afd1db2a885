"""The attack catalogue: how each attack on the cameo check is tried, and the table of clips refused.

Used by the tests (a small sample per class, table printed at the end of ``make test``) and by
``benchmarks/bench_cameo.py`` (the full sweep). Each trial goes through the real service: the attacker asks
for a challenge, makes a clip (``sandbox.cameo.samples``), and sends both to ``CameoService.create``; a trial
counts as refused when the service rejects the clip or raises a clear error.

>>> ATTACK_CLASSES[0]
'still photo'
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sandbox.cameo import samples
from sandbox.cameo.challenge import Challenge
from sandbox.cameo.samples import COPIES, Look
from sandbox.errors import SandboxError

ATTACK_CLASSES = ("still photo", "photo panned, rotated, zoomed", "moving cut-out", "mirrored/rotated copy of "
                  "another user's cameo face", "replay of another challenge's clip", "wrong digits",
                  "voice-over on a still face", "two people", "person swapped midway", "no audio")
GENUINE = "genuine clips (should pass)"
TARGET_REFUSED = 0.95
TARGET_GENUINE = 0.90
VICTIM_LOOK = Look("astronaut")


def looks(i: int) -> Look:
    """The i-th variation of a genuine person: identity, face size, light."""
    return Look(samples.IDENTITIES[i % 2], face_px=(100, 120, 90)[i // 2 % 3], gain=(1.0, 0.8, 1.15)[i // 6 % 3])


def other_digits(digits: str, rng: random.Random) -> str:
    while (d := "".join(str(rng.randrange(10)) for _ in digits)) == digits:
        pass
    return d


@dataclass
class Outcome:
    accepted: bool
    detail: str


def submit(sb, handle: str, clip: Path, challenge_id: str) -> Outcome:
    """Send a clip through the service; an accepted one is deleted again so the next trial starts clean."""
    user = sb.identity.actor(handle, None)
    try:
        result = sb.cameos.create(user.id, clip, challenge_id)
    except SandboxError as exc:
        return Outcome(False, str(exc))
    if result["status"] == "verified":
        sb.cameos.delete(user.id)
        return Outcome(True, result["report"])
    return Outcome(False, result["report"])


def attempt(sb, attack: str, i: int, folder: Path, attacker: str = "ben") -> Outcome:
    """One trial of ``attack`` (its i-th variant). The victim's cameo (``VICTIM_LOOK``) must already exist for
    the copy attack."""
    rng = random.Random(f"{attack}-{i}")
    user = sb.identity.actor(attacker, None)
    issued = sb.cameos.issue_challenge(user.id)
    asked = Challenge.parse(issued["text"])
    clip = folder / f"{ATTACK_CLASSES.index(attack) if attack in ATTACK_CLASSES else 'g'}-{i}.mp4"
    look = looks(i)
    make: Callable[..., Path] = samples.write_clip
    if attack == "still photo":
        make("still_photo", asked, clip, look=look)
    elif attack == "photo panned, rotated, zoomed":
        make(("panned_photo", "rotated_photo", "zoomed_photo")[i % 3], asked, clip, look=look)
    elif attack == "moving cut-out":
        make("cutout", asked, clip, look=look)
    elif attack.startswith("mirrored/rotated copy"):
        make("genuine", asked, clip, look=Look(VICTIM_LOOK.identity, face_px=look.face_px, gain=look.gain,
                                                edit=COPIES[i % len(COPIES)]))
    elif attack == "replay of another challenge's clip":
        if i % 2:  # the very clip and challenge that already made a cameo attempt: single use
            make("genuine", asked, clip, look=look)
            submit(sb, attacker, clip, issued["challenge_id"])
            return submit(sb, attacker, clip, issued["challenge_id"])
        old = Challenge(asked.directions if i % 4 else ("right, then left" if asked.directions.startswith("l")
                                                        else "left, then right"), other_digits(asked.digits, rng))
        make("genuine", old, clip, look=look)  # recorded for another challenge
    elif attack == "wrong digits":
        make("wrong_digits", asked, clip, look=look, spoken=other_digits(asked.digits, rng))
    elif attack == "voice-over on a still face":
        make("voice_over" if i % 2 == 0 else "still_photo", asked, clip, look=look)
    elif attack == "two people":
        make("two_people", asked, clip, look=Look("astronaut", gain=look.gain), other=Look("hopper"))
    elif attack == "person swapped midway":
        first = samples.IDENTITIES[i % 2]
        make("swapped", asked, clip, look=Look(first), other=Look(samples.IDENTITIES[(i + 1) % 2]))
    elif attack == "no audio":
        make("no_audio", asked, clip, look=look)
    elif attack == GENUINE:
        make("genuine", asked, clip, look=look, stretch=(1.0, 1.15, 0.9)[i % 3])
    else:
        raise ValueError(f"`attack` must be one of {ATTACK_CLASSES} or {GENUINE!r} but is {attack!r}")
    return submit(sb, attacker, clip, issued["challenge_id"])


def table(rows: dict[str, list[int]]) -> str:
    """Markdown: per attack class, clips tried and refused; the genuine row counts clips that passed."""
    if not rows:
        return ""
    lines = ["| attack | clips tried | refused |", "|---|---|---|"]
    for name in (*ATTACK_CLASSES, *(k for k in rows if k not in ATTACK_CLASSES and k != GENUINE)):
        if name in rows:
            refused, tried = rows[name]
            target = 1.0 if name.startswith("mirrored") else TARGET_REFUSED
            ok = tried and refused / tried >= target
            lines.append(f"| {name} | {tried} | {refused}/{tried} {'✅' if ok else '❌'} |")
    if GENUINE in rows:
        passed, tried = rows[GENUINE]
        ok = tried and passed / tried >= TARGET_GENUINE
        lines.append(f"| {GENUINE} | {tried} | passed {passed}/{tried} {'✅' if ok else '❌'} |")
    return "\n".join(lines)
