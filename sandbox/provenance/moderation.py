"""Moderation rules for prompts, captions, comments and cameo instructions.

Two kinds of rule: banned terms, and public-figure names — refused unless that person's own verified
cameo is used with permission (the cameo service passes those names in ``allowed_figures``). Every
decision is logged with the rule that made it.

Text is normalised before matching, in named steps, because people who want a refused word through write it
differently: ``fold`` (NFKC, case, accents, zero-width and other invisible characters, Cyrillic and Greek
look-alikes), ``tokens`` (words, with look-alike digits and symbols inside a word read as letters, and
spaced-out letters "T r u m p" joined), ``stem`` (word forms: "nudes", "porno", "beheaded"). A rule matches
when consecutive words, or their concatenation ("DonaldTrump", "bombmaking"), read as the rule's words.
Public figures may list aliases (a surname that is not an ordinary word: "trump", but not "swift").
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
# "name|alias|alias": an alias alone is refused too — only surnames that are not ordinary words
DEFAULT_PUBLIC_FIGURES = ("taylor swift|tswift", "elon musk", "joe biden|biden", "donald trump|trump",
                          "barack obama|obama", "beyonce", "pope francis", "emmanuel macron|macron",
                          "vladimir putin|putin", "xi jinping|jinping", "kim kardashian|kardashian", "tom cruise",
                          "oprah winfrey|oprah|winfrey", "keir starmer|starmer", "narendra modi|modi")

# Cyrillic and Greek letters that look like Latin ones (after case folding).
CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "і": "i", "ї": "i", "ј": "j", "к": "k", "м": "m", "н": "h",
    "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "ɑ": "a", "ɡ": "g", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y", "ς": "s", "σ": "o", "ϲ": "c", "ӏ": "l",
})
# Inside a word, digits and symbols read as the letters they imitate; i and l share one shape ("Tay1or").
LOOKALIKES = str.maketrans({"0": "o", "1": "l", "!": "l", "|": "l", "i": "l", "3": "e", "4": "a", "@": "a",
                            "5": "s", "$": "s", "7": "t", "+": "t", "8": "b"})
WORD = re.compile(r"[a-z0-9@$!|+']+")
SUFFIXES = tuple(s.translate(LOOKALIKES) for s in (  # longest first; spelt as tokens() spells words
    "ographies", "ographic", "ography", "ities", "ity", "ings", "ing", "ers", "er", "es", "ed", "al", "'s", "s", "o",
    "e", "y"))
MIN_STEM = 3
MAX_JOIN = 4  # consecutive words read together ("don ald trump", "bomb making")


def fold(text: str) -> str:
    """NFKC, case-folded, accents and invisible characters (zero-width, soft hyphen) dropped, Cyrillic and
    Greek look-alikes read as Latin.

    >>> fold("Ｄ\u043enald\u200b TRÜMP")
    'donald trump'
    """
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")
    return text.translate(CONFUSABLES)


def normalize(text: str) -> str:
    """Folded text (kept for callers that compare names, e.g. the allowed figures)."""
    return fold(text)


def stem(word: str) -> str:
    """Up to two common endings removed ("pornos" → "porn"), keeping at least three letters.

    >>> [stem(w) for w in tokens("nudes porno beheaded nudity trumpet")]
    ['nud', 'porn', 'behead', 'nud', 'trumpet']
    """
    for _ in range(2):
        for suffix in SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word


def tokens(text: str) -> list[str]:
    """Words of folded text with look-alikes read as letters (i and l read alike); a run of three or more
    single letters ("t r u m p", "n.u.d.e") becomes one word.

    >>> tokens("T r u m p at the b0mb-making class")
    ['trump', 'at', 'the', 'bomb', 'maklng', 'class']
    """
    words = []
    for raw in WORD.findall(fold(text)):
        raw = raw.lstrip("@'").rstrip("!'")  # "@ben", "nice!", "'quoted'": punctuation, not letters
        if raw:
            words.append(raw)
    joined: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        joined.extend(["".join(run)] if len(run) >= 3 else run)
        run = []
        if word:
            joined.append(word)
    return [w.translate(LOOKALIKES) for w in joined]


def rule_words(term: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in tokens(term))


def _load_list(path: Path | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if path is None:
        return default
    return tuple(line.strip() for line in Path(path).read_text().splitlines()
                 if line.strip() and not line.startswith("#"))


@dataclass
class ModerationConfig:
    """Rules (env: SANDBOX_BANNED_TERMS_FILE, SANDBOX_PUBLIC_FIGURES_FILE: one term per line; a public figure
    may list aliases after ``|``, e.g. ``donald trump|trump``)."""

    banned_terms: tuple[str, ...] = DEFAULT_BANNED
    public_figures: tuple[str, ...] = DEFAULT_PUBLIC_FIGURES
    # (rule kind, canonical term, the term's stemmed words, the words joined)
    rules: list[tuple[str, str, tuple[str, ...], str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rules = []
        for kind, entries in (("banned_term", self.banned_terms), ("public_figure", self.public_figures)):
            for entry in entries:
                names = [n.strip() for n in entry.split("|") if n.strip()]
                if not names:
                    raise ValueError(f"a moderation rule is empty: {entry!r}")
                canonical = fold(names[0])
                for name in names:
                    words = rule_words(name)
                    if not words:
                        raise ValueError(f"moderation rule {name!r} has no letters to match")
                    self.rules.append((kind, canonical, words, stem("".join(tokens(name)))))

    @classmethod
    def from_files(cls, banned: Path | None = None, figures: Path | None = None) -> ModerationConfig:
        return cls(_load_list(banned, DEFAULT_BANNED), _load_list(figures, DEFAULT_PUBLIC_FIGURES))


def _matches(words: list[str], stems: list[str], rule: tuple[str, ...], joined: str) -> bool:
    n = len(rule)
    for i in range(len(words)):
        if tuple(stems[i:i + n]) == rule:
            return True
        concat = ""
        for j in range(i, min(i + MAX_JOIN, len(words))):  # "DonaldTrump", "don ald trump", "bombmaking"
            concat += words[j]
            if len(concat) > len(joined) + 9:
                break
            if stem(concat) == joined:
                return True
    return False


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
        """The first rule ``text`` breaks, as ``(kind, term)``, or ``(None, None)``."""
        words = tokens(text)
        stems = [stem(w) for w in words]
        allowed = {fold(name) for name in allowed_figures}
        for kind, canonical, rule, joined in self.config.rules:
            if kind == "public_figure" and canonical in allowed:
                continue
            if _matches(words, stems, rule, joined):
                return kind, canonical
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
