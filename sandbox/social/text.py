"""Validation of user-written text. Text is stored as written and always displayed escaped."""

from __future__ import annotations

import html
import unicodedata

from sandbox.errors import SandboxError

LIMITS = {"caption": 300, "comment": 500, "bio": 200, "display_name": 64}


def clean_text(field: str, value: str | None, *, required: bool = True, max_chars: int | None = None) -> str:
    """Strip, drop control characters, check length. ``field`` names the argument in the message.

    >>> clean_text("comment", "  nice!  ")
    'nice!'
    """
    text = "".join(ch for ch in (value or "") if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    limit = max_chars or LIMITS.get(field, 500)
    if required and not text:
        raise SandboxError(f"`{field}` is empty: write something")
    if len(text) > limit:
        raise SandboxError(f"`{field}` must be at most {limit} characters but has {len(text)}")
    return text


def escape(text: str) -> str:
    """For HTML output: ``<script>`` shows as text, never runs."""
    return html.escape(text or "", quote=True)
