"""The cameo attack table `make test` prints at the end (rows filled by tests/cameo/test_attacks.py)."""

from __future__ import annotations

import threading

from sandbox.cameo import attacks

_rows: dict[str, list[int]] = {}
_lock = threading.Lock()


def record(name: str, good: bool) -> None:
    """``good``: the attack was refused, or (for the genuine row) the genuine clip passed. The row travels in the
    test's report (tests/tables.py) to where the table is printed, which calls ``merge``."""
    from tests.tables import note

    note("attacks", name, int(good), 1)


def merge(name: str, good: int, tried: int) -> None:
    with _lock:
        row = _rows.setdefault(name, [0, 0])
        row[0] += good
        row[1] += tried


def table() -> str:
    return attacks.table(_rows)
