"""Password sign-in throttling: after too many failed attempts for one account, or from one address, the
next attempts are refused with the wait — before the password is even looked at. In memory: one process
serves the app.

>>> throttle = LoginThrottle.parse("account=2/60,address=5/60")
>>> throttle.failed("ana", "10.0.0.1"); throttle.failed("ana", "10.0.0.1")
>>> throttle.check("ana", "10.0.0.2")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sandbox.errors.SandboxError: too many failed sign-ins for @ana: try again in 60 s
>>> throttle.check("ben", "10.0.0.1")  # another account from the same address: 2 of 5 used
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

from sandbox.errors import SandboxError
from sandbox.identity.auth import normalize_handle


def _rate(spec: str, part: str) -> tuple[int, float]:
    count, _, window = spec.partition("/")
    try:
        n, w = int(count), float(window or 300)
    except ValueError as exc:
        raise ValueError(f"`SANDBOX_LOGIN_LIMITS` must be like account=5/300,address=20/300 but has {part!r}") from exc
    if n < 1 or w <= 0:
        raise ValueError(f"`SANDBOX_LOGIN_LIMITS` needs at least 1 attempt in a positive window but has {part!r}")
    return n, w


class LoginThrottle:
    """Failed sign-ins counted per account and per client address in sliding windows."""

    def __init__(self, per_account: tuple[int, float] = (5, 300.0), per_address: tuple[int, float] = (20, 300.0),
                 clock=time.monotonic) -> None:
        self.limits = {"account": per_account, "address": per_address}
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, spec: str) -> LoginThrottle:
        """``"account=5/300,address=20/300"`` (failed attempts / seconds)."""
        limits = {"account": (5, 300.0), "address": (20, 300.0)}
        for part in (spec or "").split(","):
            if part.strip():
                key, sep, rate = part.strip().partition("=")
                if not sep or key not in limits:
                    raise ValueError(f"`SANDBOX_LOGIN_LIMITS` must be like account=5/300,address=20/300 but has "
                                     f"{part!r}")
                limits[key] = _rate(rate, part)
        return cls(limits["account"], limits["address"])

    def _wait(self, kind: str, key: str, now: float) -> int:
        """Seconds until ``key`` may try again (0: now)."""
        limit, window = self.limits[kind]
        hits = self._failures[(kind, key)]
        while hits and now - hits[0] >= window:
            hits.popleft()
        return math.ceil(window - (now - hits[0])) if len(hits) >= limit else 0

    def check(self, account: str, address: str) -> None:
        """Refuse, with the wait, when the account or the address used up its failed attempts."""
        now, account = self.clock(), normalize_handle(account)
        with self._lock:
            if wait := self._wait("account", account, now):
                raise SandboxError(f"too many failed sign-ins for @{account}: try again in {wait} s")
            if wait := self._wait("address", address, now):
                raise SandboxError(f"too many failed sign-ins from your address: try again in {wait} s")

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._failures[("account", normalize_handle(account))].append(now)
            self._failures[("address", address)].append(now)

    def succeeded(self, account: str) -> None:
        """The right password clears the account's count (the address keeps its own)."""
        with self._lock:
            self._failures.pop(("account", normalize_handle(account)), None)
