"""Per-user rate limits: generations, and social actions (comments, likes, follows, views). Sliding windows,
in memory: one process serves the app."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

from sandbox.errors import SandboxError


class RateLimiter:
    """At most ``max_requests`` per user in any ``window_s`` seconds.

    >>> limiter = RateLimiter(1, 60)
    >>> limiter.check("ana")
    >>> limiter.check("ana")
    Traceback (most recent call last):
    ...
    sandbox.errors.SandboxError: you made 1 video in the last 60 s, the limit here; try again in 60 s
    """

    def __init__(self, max_requests: int, window_s: float, clock=time.monotonic, noun: str = "video") -> None:
        if max_requests < 1 or window_s <= 0:
            raise ValueError(f"`SANDBOX_RATE_LIMIT` must be like 10/60 ({noun}s/seconds) "
                             f"but is {max_requests}/{window_s}")
        self.max_requests, self.window_s, self.clock, self.noun = max_requests, window_s, clock, noun
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, spec: str | None, noun: str = "video", variable: str = "SANDBOX_RATE_LIMIT") -> RateLimiter | None:
        """``"10/60"`` → 10 videos per 60 s; empty → no limit."""
        if not spec:
            return None
        count, _, window = spec.partition("/")
        try:
            return cls(int(count), float(window or 60), noun=noun)
        except ValueError as exc:
            raise ValueError(f"`{variable}` must be like 10/60 ({noun}s/seconds) but is {spec!r}") from exc

    def check(self, user_id: str) -> None:
        now = self.clock()
        with self._lock:
            hits = self._hits[user_id]
            while hits and now - hits[0] >= self.window_s:
                hits.popleft()
            if len(hits) >= self.max_requests:
                wait = math.ceil(self.window_s - (now - hits[0]))
                plural = "s" if self.max_requests > 1 else ""
                raise SandboxError(f"you made {len(hits)} {self.noun}{plural} in the last {self.window_s:g} s, the "
                                   f"limit here; try again in {wait} s")
            hits.append(now)


DEFAULT_ACTION_LIMITS = "comment=10/60,like=60/60,follow=30/60,view=300/60"


class ActionLimits:
    """One :class:`RateLimiter` per social action (env ``SANDBOX_ACTION_LIMITS``); unnamed actions are free.

    >>> limits = ActionLimits.parse("comment=1/60")
    >>> limits.check("comment", "ana")
    >>> limits.check("like", "ana")
    >>> limits.check("comment", "ana")
    Traceback (most recent call last):
    ...
    sandbox.errors.SandboxError: you made 1 comment in the last 60 s, the limit here; try again in 60 s
    """

    def __init__(self, limiters: dict[str, RateLimiter]) -> None:
        self.limiters = limiters

    @classmethod
    def parse(cls, spec: str | None) -> ActionLimits:
        """``"comment=10/60,like=60/60"``; empty: no limits."""
        limiters = {}
        for part in (spec or "").split(","):
            if not part.strip():
                continue
            action, sep, rate = part.strip().partition("=")
            if not sep or not action.strip():
                raise ValueError(f"`SANDBOX_ACTION_LIMITS` must be like comment=10/60,like=60/60 but has {part!r}")
            limiters[action.strip()] = RateLimiter.parse(rate.strip(), noun=action.strip(),
                                                         variable="SANDBOX_ACTION_LIMITS")
        return cls({a: lim for a, lim in limiters.items() if lim is not None})

    def check(self, action: str, user_id: str) -> None:
        """Count one ``action`` by ``user_id``, or refuse with the wait."""
        if (limiter := self.limiters.get(action)) is not None:
            limiter.check(user_id)
