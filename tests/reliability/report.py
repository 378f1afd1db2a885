"""The reliability table `make test` prints at the end: what was tried, and how much of it survived.

Tests call ``record(area, what, survived, tried)``; the row travels in the test's report (tests/tables.py) and
``tests/conftest.py`` adds it with ``merge`` where the summary is printed, then prints the table and writes it to
test-artifacts/reliability.md.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

_rows: OrderedDict[tuple[str, str], list[int]] = OrderedDict()
_lock = threading.Lock()


def record(area: str, what: str, survived: int, tried: int) -> None:
    from tests.tables import note

    note("reliability", (area, what), survived, tried)


def merge(key: tuple[str, str], survived: int, tried: int) -> None:
    area, what = key
    with _lock:
        row = _rows.setdefault((area, what), [0, 0])
        row[0] += int(survived)
        row[1] += int(tried)


def table() -> str:
    if not _rows:
        return ""
    lines = ["| area | tried | survived |", "|---|---|---|"]
    for (area, what), (ok, n) in _rows.items():
        lines.append(f"| {area} | {what} | {ok}/{n} {'✅' if ok == n else '❌'} |")
    return "\n".join(lines)
