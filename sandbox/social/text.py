"""Validation of user-written text. Text is stored as written and always displayed escaped."""

from __future__ import annotations

import html
import re
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


# What would turn user text into a link or an image once the UI renders it as Markdown: brackets
# (``[x](url)``, ``![x](url)``, ``[x]: url``), backslashes that undo escapes, and the bare URLs and e-mail
# addresses that GitHub-flavoured Markdown turns into links by itself.
_MARKDOWN_LINKING = {"[": "&#91;", "]": "&#93;", "\\": "&#92;"}
_AUTOLINK = re.compile(r"(?i)(://|www\.|(?<=\w)@)")


def _break_autolink(match: re.Match) -> str:
    found = match.group(0)
    return "&#58;//" if found == "://" else "&#64;" if found == "@" else found[:3] + "&#46;"


def escape(text: str) -> str:
    """User text for a Markdown or HTML view: shown as typed, never run, never a link or an image.

    ``<script>`` shows as text; ``![x](https://evil/p.png)``, ``[x](…)``, bare URLs and e-mail addresses do
    not turn into images or links (their characters become HTML entities, which render the same).

    >>> escape("<b>hi</b> ![px](https://evil.example/p.png) www.evil.example me@evil.example @ben")
    '&lt;b&gt;hi&lt;/b&gt; !&#91;px&#93;(https&#58;//evil.example/p.png) www&#46;evil.example me&#64;evil.example @ben'
    """
    text = html.escape(text or "", quote=True)
    text = "".join(_MARKDOWN_LINKING.get(ch, ch) for ch in text)
    return _AUTOLINK.sub(_break_autolink, text)
