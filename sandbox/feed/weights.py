"""Ranking weights: one dataclass, tuned live from the Feed tab's weights panel."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class FeedWeights:
    """How much each part of the score counts.

    >>> FeedWeights(exploration_share=0.1).max_consecutive
    2
    """

    # --- who made it ---
    friend: float = 3.0  # mutual follow
    following: float = 1.5  # you follow them
    friends_liked: float = 0.6  # per friend who liked it (capped at 3)

    # --- when and how it did ---
    recency: float = 1.5
    half_life_hours: float = 24.0
    engagement: float = 1.0

    # --- what you asked for ---
    see_less: float = 2.5  # penalty for authors you said "see less" to
    steering: float = 4.0

    # --- page shape ---
    exploration_share: float = 0.1  # share of each page kept for strangers' posts
    max_consecutive: int = 2  # at most this many items in a row by one author
    window_days: float = 14.0  # candidates from this many days back

    # --- wellbeing ---
    daily_cap: int = 0  # items per day; 0 = no cap
    nudge_after: int = 30  # "you've been scrolling a while" after this many items in a session

    def __post_init__(self) -> None:
        if not 0.0 <= self.exploration_share <= 0.5:
            raise ValueError(f"`exploration_share` must be between 0 and 0.5 (the feed is friends-first) "
                             f"but is {self.exploration_share}")
        if self.max_consecutive < 1:
            raise ValueError(f"`max_consecutive` must be at least 1 but is {self.max_consecutive}")
        if self.half_life_hours <= 0:
            raise ValueError(f"`half_life_hours` must be positive but is {self.half_life_hours}")
        if self.window_days <= 0:
            raise ValueError(f"`window_days` must be positive but is {self.window_days}")
        if self.daily_cap < 0 or self.nudge_after < 0:
            raise ValueError("`daily_cap` and `nudge_after` must be 0 or more")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict | None) -> FeedWeights:
        known = {f.name: f.type for f in fields(cls)}
        unknown = set(values or {}) - set(known)
        if unknown:
            raise ValueError(f"unknown feed weights {sorted(unknown)}; known: {sorted(known)}")
        defaults = cls()
        cast = {k: type(getattr(defaults, k))(v) for k, v in (values or {}).items()}
        return cls(**cast)
