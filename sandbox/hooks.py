"""The typed hooks services receive at construction (see ``sandbox/context.py``, where they are wired).

A service that must let another one act at a fixed point takes that function as a named constructor
argument of one of these types, so what, say, publishing does is readable in one place: the context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
from sqlalchemy.orm import Session

from sandbox.store.schema import Draft, Post, User


class TextCheck(Protocol):
    """Moderation of one piece of text people typed; raises ``PermissionDenied`` with the reason.
    ``allowed_figures``: names of real people whose own cameo is used (their name is then allowed)."""

    def __call__(self, field_name: str, text: str, user_id: str | None,
                 allowed_figures: frozenset[str] = frozenset()) -> None: ...


MarkFrames = Callable[[np.ndarray, dict], np.ndarray]  # (frames, claims) → frames with the visible watermark
Signer = Callable[..., None]  # (unsigned mp4, signed mp4 to write, claims, parent[, components=shot mp4s])
Fingerprinter = Callable[[np.ndarray], dict]  # frames → perceptual hashes, for "was this made here?"


class InvisibleMark(Protocol):
    """Hides a code in every frame (``embed``: frames → marked frames, code) and, once the file exists,
    records which file carries it (``record``), so that Verify can lead a copy back to its draft."""

    def embed(self, frames: np.ndarray) -> tuple[np.ndarray, int]: ...

    def record(self, code: int, media_sha256: str) -> None: ...
PublishCheck = Callable[[Session, User, Draft, str], None]  # inside the publish transaction: may refuse
OnPublished = Callable[[Session, Post], None]  # inside the publish transaction: record (the cameo ledger)
OnChange = Callable[[], None]  # posts or engagement changed: caches (the feed's) drop what they hold
