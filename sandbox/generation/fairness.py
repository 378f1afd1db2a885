"""Admission to the pipeline: a bounded number of jobs run at once, waiting jobs are admitted in turn between
users (one person's backlog does not starve another's small job), and each user's queued plus running work
is held to a cost budget.

Gradio's worker threads call :meth:`FairGate.admit` and wait inside it, so the order of work is decided here
and not by the order of arrival in Gradio's queue. A job whose caller gave up (``cancelled()`` turns true)
leaves the line without running. A person may reorder their own waiting jobs (:meth:`FairGate.move`): that
changes which of theirs goes next, never when their turn comes.

>>> gate = FairGate(slots=1, budget=2.0)
>>> with gate.admit("ana", cost=1.0):
...     gate.load("ana")
(0, 1, 1.0)
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sandbox.errors import SandboxError

POLL_S = 0.2  # how often a waiting job asks whether its caller gave up


def job_cost(num_frames: int, width: int, height: int, steps: int) -> int:
    """What a job costs the pipeline: frames × pixels × steps (its work grows with each).

    >>> job_cost(17, 64, 64, 20)
    1392640
    """
    return int(num_frames) * int(width) * int(height) * int(steps)


@dataclass(eq=False)
class Ticket:
    user_id: str
    cost: float
    order: int
    job_id: str = ""  # the job (sandbox.generation.jobs) this turn is for; "" when nobody tracks it
    admitted: bool = False
    arrived: float = field(default_factory=time.monotonic)


class FairGate:
    """At most ``slots`` jobs run at once; when a slot frees, the waiting user who was served longest ago goes
    next (round robin between users, first come first served within one user). ``budget`` bounds each
    user's queued + running cost (in units of the model's default video); ``None``: no budget.
    ``max_waiting``: when every slot is taken and this many jobs already wait, a new one is answered "busy, N jobs
    ahead" at once instead of joining the line; ``None``: no bound (Gradio's queue bounds it).

    >>> gate = FairGate(slots=1, max_waiting=0)
    >>> with gate.admit("ana", cost=1.0):
    ...     gate.admit("ben", cost=1.0).__enter__()
    Traceback (most recent call last):
    ...
    sandbox.errors.SandboxError: busy, 1 job ahead (1 generating, 0 waiting); try again in a minute
    """

    def __init__(self, slots: int = 1, budget: float | None = 4.0, max_waiting: int | None = None) -> None:
        if slots < 1:
            raise ValueError(f"`slots` must be at least 1 but is {slots}")
        if max_waiting is not None and max_waiting < 0:
            raise ValueError(f"`SANDBOX_WAITING_MAX` must be at least 0 (jobs waiting for a free worker) "
                             f"but is {max_waiting}")
        if budget is not None and budget <= 0:
            raise ValueError(f"`SANDBOX_COST_BUDGET` must be above 0 (default videos per user) but is {budget}")
        self.slots, self.budget, self.max_waiting = slots, budget, max_waiting
        self._cond = threading.Condition()
        self._waiting: list[Ticket] = []
        self._running: list[Ticket] = []
        self._last_served: dict[str, int] = {}
        self._order = itertools.count()

    # ------------------------------------------------------------------ questions
    def load(self, user_id: str) -> tuple[int, int, float]:
        """(waiting jobs, running jobs, their cost) of one user."""
        with self._cond:
            waiting = [t for t in self._waiting if t.user_id == user_id]
            running = [t for t in self._running if t.user_id == user_id]
            return len(waiting), len(running), sum(t.cost for t in waiting + running)

    # ------------------------------------------------------------------ steps
    def check_budget(self, user_id: str, cost: float) -> None:
        """Refuse a job that would take the user's queued + running work over the budget."""
        if self.budget is None:
            return
        waiting, running, queued_cost = self.load(user_id)
        if queued_cost + cost > self.budget + 1e-9:
            jobs = f"{waiting} job{'s' if waiting != 1 else ''} waiting and {running} running"
            raise SandboxError(
                f"you have {jobs} (≈ {queued_cost:.1f} default-size videos of work; this one is ≈ {cost:.1f}); the "
                f"limit here is {self.budget:g} per person at a time — wait for one to finish, or ask for fewer "
                "frames, a smaller size or fewer steps")

    def line(self) -> list[Ticket]:
        """The waiting tickets in the order they will be admitted if nobody else arrives (first: next)."""
        with self._cond:
            waiting, served = list(self._waiting), dict(self._last_served)
        turn = max(served.values(), default=0)
        order = []
        while waiting:
            ticket = pick_next(waiting, served)
            waiting.remove(ticket)
            order.append(ticket)
            turn += 1
            served[ticket.user_id] = turn
        return order

    def running(self) -> list[Ticket]:
        with self._cond:
            return list(self._running)

    def move(self, user_id: str, job_id: str, offset: int) -> None:
        """Move the waiting job ``job_id`` of ``user_id`` ``offset`` places among that user's own waiting jobs
        (negative: earlier). Other users' jobs keep their turns: the user's set of places in line is the same."""
        with self._cond:
            mine = sorted((t for t in self._waiting if t.user_id == user_id), key=lambda t: t.order)
            index = next((i for i, t in enumerate(mine) if t.job_id == job_id), None)
            if index is None:
                raise SandboxError(f"job {job_id} is not waiting (running or finished): only waiting jobs move")
            target = index + int(offset)
            if not 0 <= target < len(mine):
                where = "first" if target < 0 else "last"
                raise SandboxError(f"job {job_id} is already {where} of your {len(mine)} waiting job"
                                   f"{'s' if len(mine) != 1 else ''}")
            orders = [t.order for t in mine]
            mine.insert(target, mine.pop(index))
            for ticket, order in zip(mine, orders, strict=True):
                ticket.order = order
            self._cond.notify_all()

    def check_room(self) -> None:
        """Refuse a job that would wait beyond ``max_waiting`` (call with the lock held)."""
        if self.max_waiting is None or len(self._running) < self.slots or len(self._waiting) < self.max_waiting:
            return
        ahead = len(self._running) + len(self._waiting)
        raise SandboxError(f"busy, {ahead} job{'s' if ahead != 1 else ''} ahead ({len(self._running)} generating, "
                           f"{len(self._waiting)} waiting); try again in a minute")

    def _next(self) -> Ticket | None:
        if not self._waiting or len(self._running) >= self.slots:
            return None
        return pick_next(self._waiting, self._last_served)

    def _admit_waiting(self) -> None:
        while (ticket := self._next()) is not None:
            self._waiting.remove(ticket)
            self._running.append(ticket)
            ticket.admitted = True
            self._last_served[ticket.user_id] = next(self._order)
        self._cond.notify_all()

    @contextmanager
    def admit(self, user_id: str, cost: float, cancelled: Callable[[], bool] | None = None,
              job_id: str = "") -> Iterator[Ticket]:
        """Wait for a turn (refused at once over the budget), run the body, free the slot. If ``cancelled()``
        turns true while waiting, leave the line and raise. ``job_id``: the tracked job this turn is for."""
        with self._cond:
            self.check_budget(user_id, cost)
            self.check_room()
            ticket = Ticket(user_id, float(cost), next(self._order), job_id)
            self._waiting.append(ticket)
            self._admit_waiting()
        while True:
            with self._cond:
                if not ticket.admitted:
                    self._cond.wait(POLL_S)
                if ticket.admitted:
                    break
            if cancelled is not None and cancelled():  # asked outside the lock: it may ask the event loop
                with self._cond:
                    if not ticket.admitted:
                        self._waiting.remove(ticket)
                        self._cond.notify_all()
                        raise SandboxError("cancelled while waiting for a turn: nothing was generated")
                    break
        try:
            yield ticket
        finally:
            with self._cond:
                self._running.remove(ticket)
                self._admit_waiting()


def pick_next(waiting: list[Ticket], last_served: dict[str, int]) -> Ticket:
    """Round robin between users: the user served longest ago (never served: first) goes next, with that
    user's first waiting job (by ``order``); ties by arrival.

    >>> a1, a2, b1 = Ticket("ana", 1, 0), Ticket("ana", 1, 1), Ticket("ben", 1, 2)
    >>> pick_next([a1, a2, b1], {}).user_id, pick_next([a1, a2, b1], {"ana": 5}).user_id
    ('ana', 'ben')
    """
    first_of_user: dict[str, Ticket] = {}
    for ticket in sorted(waiting, key=lambda t: t.order):
        first_of_user.setdefault(ticket.user_id, ticket)
    return min(first_of_user.values(), key=lambda t: (last_served.get(t.user_id, -1), t.order))
