"""Per-user generation rate limit (a sliding window, in memory: one process serves the app)."""

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

    def __init__(self, max_requests: int, window_s: float, clock=time.monotonic) -> None:
        if max_requests < 1 or window_s <= 0:
            raise ValueError(f"`SANDBOX_RATE_LIMIT` must be like 10/60 (videos/seconds) "
                             f"but is {max_requests}/{window_s}")
        self.max_requests, self.window_s, self.clock = max_requests, window_s, clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, spec: str | None) -> RateLimiter | None:
        """``"10/60"`` → 10 videos per 60 s; empty → no limit."""
        if not spec:
            return None
        count, _, window = spec.partition("/")
        try:
            return cls(int(count), float(window or 60))
        except ValueError as exc:
            raise ValueError(f"`SANDBOX_RATE_LIMIT` must be like 10/60 (videos/seconds) but is {spec!r}") from exc

    def check(self, user_id: str) -> None:
        now = self.clock()
        with self._lock:
            hits = self._hits[user_id]
            while hits and now - hits[0] >= self.window_s:
                hits.popleft()
            if len(hits) >= self.max_requests:
                wait = math.ceil(self.window_s - (now - hits[0]))
                plural = "s" if self.max_requests > 1 else ""
                raise SandboxError(f"you made {len(hits)} video{plural} in the last {self.window_s:g} s, the limit "
                                   f"here; try again in {wait} s")
            hits.append(now)
