"""Rows of the tables `make test` prints (reliability, cameo attacks), carried from the test that records them to
the process that prints them. With pytest-xdist the tests run in worker processes and the terminal summary is
written by the controller, so a row travels in its test report (``user_properties``), as xdist carries reports.

>>> note("demo", "row", 1, 2); drain()
[('demo', 'row', 1, 2)]
>>> drain()
[]
"""

from __future__ import annotations

import threading
from typing import Any

PROPERTY = "sandbox_table_rows"
_pending: list[tuple[str, Any, int, int]] = []
_lock = threading.Lock()


def note(table: str, key: Any, good: int, tried: int) -> None:
    """A row of ``table`` (its module's name) recorded by the running test: ``good`` of ``tried``."""
    with _lock:
        _pending.append((table, key, int(good), int(tried)))


def drain() -> list[tuple[str, Any, int, int]]:
    """The rows recorded since the last call (the conftest hook puts them in the current test's report)."""
    with _lock:
        rows = list(_pending)
        _pending.clear()
    return rows
