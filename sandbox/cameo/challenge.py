"""The liveness challenge: issued by the server, shown before recording, checked against the clip.

A challenge asks for a head turn in a given order and four spoken digits. It has an id and an expiry, is
stored, and can be used once: a clip recorded for another challenge (a replay) says other digits.

>>> Challenge("left, then right", "4719").text
'Turn your head left, then right; blink; then say: 4 7 1 9'
>>> Challenge.parse(Challenge("right, then left", "0385").text)
Challenge(directions='right, then left', digits='0385')
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

DIRECTIONS = ("left, then right", "right, then left")
N_DIGITS = 4
TEXT = re.compile(r"Turn your head (left, then right|right, then left); blink; then say: ((?:\d ?){1,8})$")


@dataclass(frozen=True)
class Challenge:
    directions: str  # one of DIRECTIONS (the person's own left, as an unmirrored camera sees it)
    digits: str  # e.g. "4719"

    def __post_init__(self) -> None:
        if self.directions not in DIRECTIONS:
            raise ValueError(f"`directions` must be one of {DIRECTIONS} but is {self.directions!r}")
        if not self.digits.isdigit():
            raise ValueError(f"`digits` must be digits but is {self.digits!r}")

    @property
    def text(self) -> str:
        return f"Turn your head {self.directions}; blink; then say: {' '.join(self.digits)}"

    @classmethod
    def parse(cls, text: str) -> Challenge:
        match = TEXT.match(text.strip())
        if not match:
            raise ValueError(f"`challenge` text is not one the server issues: {text!r}")
        return cls(match.group(1), match.group(2).replace(" ", ""))


def random_challenge() -> Challenge:
    return Challenge(DIRECTIONS[secrets.randbelow(len(DIRECTIONS))],
                     "".join(str(secrets.randbelow(10)) for _ in range(N_DIGITS)))
