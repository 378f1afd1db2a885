"""Steering the feed in plain words, offline: recognised phrases plus TF-IDF similarity.

"more animals, less sport" → boost posts whose prompt/caption is close to *animals* (expanded to
cat, dog, fox, …), demote those close to *sport*. "only my friends today" → friends' posts only.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np

TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "animals": ("animal", "animals", "cat", "dog", "fox", "bird", "horse", "fish", "bear", "rabbit", "pet", "owl"),
    "sport": ("sport", "sports", "football", "soccer", "tennis", "running", "ball", "basketball", "race", "skate"),
    "music": ("music", "song", "dance", "dancing", "guitar", "piano", "concert", "drum", "singer", "dj"),
    "space": ("space", "rocket", "planet", "star", "stars", "galaxy", "moon", "astronaut", "orbit"),
    "nature": ("nature", "forest", "tree", "mountain", "sea", "river", "rain", "snow", "flower", "desert"),
    "food": ("food", "cake", "pizza", "cooking", "fruit", "coffee", "noodles", "kitchen", "bread"),
    "city": ("city", "street", "car", "cars", "building", "night", "neon", "train", "traffic"),
    "robots": ("robot", "robots", "machine", "android", "mech", "cyborg"),
}
ALIASES = {"animal": "animals", "sports": "sport", "robot": "robots", "cities": "city", "planets": "space"}
ONLY_FRIENDS = re.compile(r"\bonly\b.*\bfriends?\b|\bjust\b.*\bfriends?\b|\bfriends only\b")
FRESH = re.compile(r"\b(new|newest|fresh|latest|recent)\b")
MORE = re.compile(r"\b(more|lots of|show me|want|love)\b\s+(?:of\s+)?([\w\s-]+)")
LESS = re.compile(r"\b(less|fewer|no|not|without|hide|stop)\b\s+(?:of\s+)?([\w\s-]+)")
STOP = {"today", "please", "my", "the", "a", "some", "stuff", "things", "videos", "posts", "content"}


@dataclass
class SteeringIntent:
    instruction: str = ""
    more: list[str] = field(default_factory=list)
    less: list[str] = field(default_factory=list)
    only_friends: bool = False
    fresh: bool = False

    @property
    def active(self) -> bool:
        return bool(self.more or self.less or self.only_friends or self.fresh)

    def understood(self) -> str:
        """How the instruction was understood, for the UI."""
        if not self.instruction.strip():
            return ""
        parts = []
        if self.more:
            parts.append("more " + ", ".join(self.more))
        if self.less:
            parts.append("less " + ", ".join(self.less))
        if self.only_friends:
            parts.append("only friends' posts")
        if self.fresh:
            parts.append("newest first")
        return "; ".join(parts) if parts else "not understood — try e.g. “more animals, less sport”"


@functools.cache
def stem(word: str) -> str:
    """One form per word (Snowball's English stemmer): squares, square → squar; dancing, dance → danc.

    >>> stem("squares") == stem("square"), stem("cities") == stem("city")
    (True, True)
    """
    import snowballstemmer

    return snowballstemmer.stemmer("english").stemWord(word.lower())


def words_of(text: str) -> list[str]:
    """The stemmed words of a text: how prompts, captions and topics are compared."""
    return [stem(w) for w in re.findall(r"[a-zA-Z]{2,}", text)]


def _topics(phrase: str) -> list[str]:
    words = [w for w in re.findall(r"[a-z]+", phrase) if w not in STOP]
    return [ALIASES.get(w, w) for w in words]


def parse_instruction(text: str) -> SteeringIntent:
    """Understand a steering sentence.

    >>> i = parse_instruction("more animals, less sport")
    >>> (i.more, i.less, i.only_friends)
    (['animals'], ['sport'], False)
    >>> parse_instruction("only my friends today").only_friends
    True
    """
    text = (text or "").strip()
    intent = SteeringIntent(instruction=text)
    lower = text.lower()
    intent.only_friends = bool(ONLY_FRIENDS.search(lower))
    intent.fresh = bool(FRESH.search(lower))
    for clause in re.split(r"[,;.]|\band\b|\bbut\b", lower):
        clause = clause.strip()
        if not clause or ONLY_FRIENDS.search(clause):
            continue
        if m := LESS.search(clause):
            intent.less += _topics(m.group(2))
        elif m := MORE.search(clause):
            intent.more += _topics(m.group(2))
        elif not FRESH.search(clause):
            intent.more += _topics(clause)  # a bare topic: "animals"
    intent.more = list(dict.fromkeys(intent.more))
    intent.less = list(dict.fromkeys(t for t in intent.less if t not in intent.more))
    return intent


TOPICS_BY_STEM = {stem(name): name for name in TOPIC_WORDS}


def expand(topic: str) -> str:
    """A topic with its related words ("animals" → animal cat dog …); any word form of a topic name counts."""
    return " ".join(TOPIC_WORDS.get(TOPICS_BY_STEM.get(stem(topic), topic), (topic,)))


def topic_similarity(texts: list[str], topics: list[str]) -> np.ndarray:
    """Max TF-IDF cosine similarity of each text to any of ``topics`` (expanded with related words)."""
    if not topics or not texts:
        return np.zeros(len(texts))
    from sklearn.feature_extraction.text import TfidfVectorizer

    queries = [expand(t) for t in topics]
    vectorizer = TfidfVectorizer(sublinear_tf=True, analyzer=words_of)
    matrix = vectorizer.fit_transform(texts + queries)
    docs, q = matrix[: len(texts)], matrix[len(texts):]
    sims = (docs @ q.T).toarray()  # rows are L2-normalised: dot = cosine
    return sims.max(axis=1)
