"""Moderation rules for prompts, captions, comments and cameo instructions.

Two kinds of rule: banned terms, and public-figure names — refused unless that person's own verified
cameo is used with permission (the cameo service passes those names in ``allowed_figures``). Every
decision is logged with the rule that made it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import PermissionDenied
from sandbox.store.db import Database
from sandbox.store.schema import ModerationDecision

DEFAULT_BANNED = ("gore", "beheading", "nude", "naked", "porn", "child abuse", "terrorist attack", "suicide",
                  "self-harm", "swastika", "bomb making")
DEFAULT_PUBLIC_FIGURES = ("taylor swift", "elon musk", "joe biden", "donald trump", "barack obama", "beyonce",
                          "pope francis", "emmanuel macron", "vladimir putin", "xi jinping", "kim kardashian",
                          "tom cruise", "oprah winfrey", "keir starmer", "narendra modi")


def normalize(text: str) -> str:
    """Case-, accent- and width-folded text, so that "BEYONCÉ" and "Ｂeyonce" match "beyonce"."""
    folded = unicodedata.normalize("NFKD", text or "").casefold()
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def _load_list(path: Path | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if path is None:
        return default
    return tuple(normalize(line.strip()) for line in Path(path).read_text().splitlines()
                 if line.strip() and not line.startswith("#"))


@dataclass
class ModerationConfig:
    """Rules (env: SANDBOX_BANNED_TERMS_FILE, SANDBOX_PUBLIC_FIGURES_FILE: one term per line)."""

    banned_terms: tuple[str, ...] = DEFAULT_BANNED
    public_figures: tuple[str, ...] = DEFAULT_PUBLIC_FIGURES
    patterns: dict[str, re.Pattern] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.patterns = {t: re.compile(rf"(?<!\w){re.escape(normalize(t))}(?!\w)")
                         for t in (*self.banned_terms, *self.public_figures)}

    @classmethod
    def from_files(cls, banned: Path | None = None, figures: Path | None = None) -> ModerationConfig:
        return cls(_load_list(banned, DEFAULT_BANNED), _load_list(figures, DEFAULT_PUBLIC_FIGURES))


class Moderator:
    """Checks text against the rules; refuses with the reason; logs every decision.

    >>> Moderator(None).find("a cat in the rain")
    (None, None)
    >>> Moderator(None).find("Elon Musk dancing")
    ('public_figure', 'elon musk')
    """

    def __init__(self, db: Database | None, config: ModerationConfig | None = None) -> None:
        self.db = db
        self.config = config or ModerationConfig()

    def find(self, text: str, allowed_figures: frozenset[str] = frozenset()) -> tuple[str | None, str | None]:
        norm = normalize(text)
        for term in self.config.banned_terms:
            if self.config.patterns[term].search(norm):
                return "banned_term", term
        for name in self.config.public_figures:
            if name not in allowed_figures and self.config.patterns[name].search(norm):
                return "public_figure", name
        return None, None

    def check(self, field_name: str, text: str, user_id: str | None,
              allowed_figures: frozenset[str] = frozenset()) -> None:
        """Raise :class:`PermissionDenied` with the reason when ``text`` breaks a rule."""
        rule, term = self.find(text, allowed_figures)
        self._log(user_id, field_name, rule is None, f"{rule}:{term}" if rule else "", text)
        if rule == "banned_term":
            raise PermissionDenied(f"`{field_name}` was refused: it contains “{term}”, which this sandbox does "
                                   "not allow. Rephrase without it.")
        if rule == "public_figure":
            raise PermissionDenied(f"`{field_name}` was refused: it names a real public figure (“{term.title()}”). "
                                   "Real people can only appear through their own verified cameo, used with "
                                   "their permission.")

    def _log(self, user_id: str | None, field_name: str, allowed: bool, rule: str, text: str) -> None:
        if self.db is None:
            return
        with self.db.session() as s:
            s.add(ModerationDecision(user_id=user_id, field=field_name, allowed=allowed, rule=rule,
                                     excerpt=(text or "")[:200]))
