"""My jobs: each generation a person started, where it stands (waiting with its place in line, running with its
progress and latest preview, done, failed or cancelled), and the owner's controls: cancel one, move a waiting
one up or down among their own waiting jobs.

Everything here answers to the job's owner only: another user's id gets the same "no job … of yours" as a job
that does not exist (nothing tells them it is there). The place in line comes from the fair gate
(:class:`~sandbox.generation.fairness.FairGate`), which admits jobs round robin between users, so a reorder
changes which of the owner's jobs runs next, never when the owner's turn comes.

>>> from sandbox.generation.fairness import FairGate
>>> jobs = JobRegistry(FairGate(slots=1))
>>> with jobs.track("ana", "video", "a red circle") as job:
...     [(j["state"], j["prompt"]) for j in jobs.jobs_of("ana")], jobs.jobs_of("ben")
([('running', 'a red circle')], [])
>>> jobs.jobs_of("ana")[0]["state"]
'done'
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from sandbox.errors import GenerationCancelled, NotFound, SandboxError
from sandbox.generation.fairness import FairGate

KINDS = ("video", "storyboard", "reshoot", "remix")
FINISHED = ("done", "failed", "cancelled")
KEEP_FINISHED = 5  # finished jobs listed per person (with their last preview), newest first
Progress = Callable[[float, str], None]


@dataclass(eq=False)
class Job:
    """One generation of one person. ``cancel`` is the flag the run watches (between denoising steps, and
    while it waits for its turn)."""

    id: str
    user_id: str
    kind: str
    prompt: str
    cancel: threading.Event = field(default_factory=threading.Event)
    ended: str = ""  # "", or one of FINISHED
    progress: float = 0.0
    step: str = ""
    preview: np.ndarray | None = None
    created: float = field(default_factory=time.time)
    order: int = 0

    def report(self, fraction: float, desc: str) -> None:
        """Progress of the run: kept for the queue panel."""
        self.progress, self.step = float(fraction), desc

    def show(self, image: np.ndarray) -> None:
        """The latest live-preview picture (the queue panel's thumbnail)."""
        self.preview = image

    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def watching(self, progress: Progress) -> Progress:
        """``progress`` that the job also records."""
        def report(fraction: float, desc: str) -> None:
            self.report(fraction, desc)
            progress(fraction, desc)

        return report

    def showing(self, sink: Callable[[np.ndarray], None] | None) -> Callable[[np.ndarray], None]:
        """A preview sink that the job also keeps (its thumbnail)."""
        def show(image: np.ndarray) -> None:
            self.show(image)
            if sink is not None:
                sink(image)

        return show


class JobRegistry:
    """The jobs of every person, in memory (a restart ends every run anyway)."""

    def __init__(self, gate: FairGate | None = None, keep_finished: int = KEEP_FINISHED) -> None:
        if keep_finished < 0:
            raise ValueError(f"`keep_finished` must be 0 or more but is {keep_finished}")
        self.gate, self.keep_finished = gate, keep_finished
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._order = itertools.count()

    # ------------------------------------------------------------------ the run's side
    def start(self, user_id: str, kind: str, prompt: str, cancel: threading.Event | None = None) -> Job:
        if kind not in KINDS:
            raise ValueError(f"`kind` must be one of {KINDS} but is {kind!r}")
        job = Job(f"j_{secrets.token_hex(5)}", user_id, kind, prompt, cancel or threading.Event(),
                  order=next(self._order))
        with self._lock:
            self._jobs[job.id] = job
        return job

    def end(self, job: Job, state: str) -> None:
        if state not in FINISHED:
            raise ValueError(f"`state` must be one of {FINISHED} but is {state!r}")
        with self._lock:
            job.ended = state
            if state == "done":
                job.progress, job.step = 1.0, "finished: a draft is saved"
            finished = sorted((j for j in self._jobs.values() if j.user_id == job.user_id and j.ended),
                              key=lambda j: j.order, reverse=True)
            for old in finished[self.keep_finished:]:
                del self._jobs[old.id]

    @contextmanager
    def track(self, user_id: str, kind: str, prompt: str, cancel: threading.Event | None = None) -> Iterator[Job]:
        """A job for the body's run: done when it returns, cancelled when Cancel stopped it, failed otherwise."""
        job = self.start(user_id, kind, prompt, cancel)
        try:
            yield job
        except GenerationCancelled as exc:  # "cancelled at denoising step 3/100: nothing was saved"
            job.step = str(exc)[:300]
            self.end(job, "cancelled")
            raise
        except SandboxError as exc:  # a refusal (budget, prompt, consent…): its reason is the job's last word
            job.step = str(exc)[:300]
            self.end(job, "cancelled" if job.cancelled() and "cancelled" in str(exc) else "failed")
            raise
        except BaseException:
            job.step = "something went wrong on the server"
            self.end(job, "failed")
            raise
        self.end(job, "done")

    # ------------------------------------------------------------------ the owner's side
    def job_of(self, viewer_id: str, job_id: str) -> Job:
        """The viewer's own job ``job_id``; anyone else's, or none, is not found — alike."""
        with self._lock:
            job = self._jobs.get((job_id or "").strip())
        if job is None or job.user_id != viewer_id:
            raise NotFound(f"no job {job_id!r} of yours: pick one from My jobs")
        return job

    def state(self, job: Job) -> tuple[str, int]:
        """("waiting", place in line from 1) / ("running", 0) / (its end, 0)."""
        if job.ended:
            return job.ended, 0
        if self.gate is not None:
            for place, ticket in enumerate(self.gate.line(), start=1):
                if ticket.job_id == job.id:
                    return "waiting", place
        return "running", 0

    def jobs_of(self, viewer_id: str) -> list[dict]:
        """The viewer's jobs: unfinished ones first (waiting in line order, then running), then the finished
        ones, newest first. Each: ``job_id``, ``kind``, ``prompt``, ``state``, ``position`` (place in the whole
        line, 1 = next; 0 when not waiting), ``progress`` (0–1), ``step``, ``has_preview``."""
        with self._lock:
            mine = [j for j in self._jobs.values() if j.user_id == viewer_id]
        rows = []
        for job in mine:
            state, place = self.state(job)
            rows.append((job, {"job_id": job.id, "kind": job.kind, "prompt": job.prompt, "state": state,
                               "position": place, "progress": round(job.progress, 3), "step": job.step,
                               "has_preview": job.preview is not None}))
        rank = {"waiting": 0, "running": 1}
        rows.sort(key=lambda r: (rank.get(r[1]["state"], 2), r[1]["position"] if r[1]["state"] == "waiting"
                                 else -r[0].order))
        return [row for _, row in rows]

    def previews_of(self, viewer_id: str) -> list[tuple[np.ndarray, str]]:
        """(latest preview, caption) of the viewer's jobs that have one, in :meth:`jobs_of`'s order."""
        rows = self.jobs_of(viewer_id)
        with self._lock:
            pictures = {j.id: j.preview for j in self._jobs.values() if j.user_id == viewer_id}
        return [(pictures[r["job_id"]], f"{r['job_id']} · {r['state']}") for r in rows
                if pictures.get(r["job_id"]) is not None]

    def cancel(self, viewer_id: str, job_id: str) -> Job:
        """Stop the viewer's job: a waiting one leaves the line, a running one stops at its next denoising
        step; nothing of it is saved."""
        job = self.job_of(viewer_id, job_id)
        if job.ended:
            raise SandboxError(f"job {job.id} has already ended ({job.ended}): there is nothing to cancel")
        job.cancel.set()
        return job

    def move(self, viewer_id: str, job_id: str, offset: int) -> None:
        """Move the viewer's waiting job ``offset`` places among their own waiting jobs (-1: up, 1: down)."""
        job = self.job_of(viewer_id, job_id)
        if offset not in (-1, 1):
            raise SandboxError(f"`direction` must be up or down (one place) but is {offset!r}")
        if self.gate is None:
            raise SandboxError("jobs here run at once, without a queue: there is nothing to reorder")
        self.gate.move(viewer_id, job.id, offset)
