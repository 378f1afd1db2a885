"""My jobs: the owner sees each job's place in line and progress, cancels one (waiting or running) and moves a
waiting one among their own; nobody else can see, cancel or move them; the fair gate admits in the new order."""

from __future__ import annotations

import threading
import time

import pytest

from sandbox.errors import GenerationCancelled, NotFound, SandboxError
from sandbox.generation.fairness import FairGate
from sandbox.generation.jobs import JobRegistry
from sandbox.generation.service import cancellable


class Line:
    """A gate with one slot held by zed's running job, and helpers to queue jobs behind it in a known order."""

    def __init__(self) -> None:
        self.gate = FairGate(slots=1, budget=None)
        self.jobs = JobRegistry(self.gate)
        self.admitted: list[str] = []
        self.errors: list[BaseException] = []
        self.threads: list[threading.Thread] = []
        self.release = threading.Event()
        self.blocker = self.queue("zed", "the job that holds the slot", hold=True)

    def queue(self, user: str, prompt: str, hold: bool = False):
        ready, box = threading.Event(), {}

        def work() -> None:
            try:
                with self.jobs.track(user, "video", prompt) as job:
                    box["job"] = job
                    ready.set()
                    with self.gate.admit(user, 1.0, job.cancelled, job.id):
                        self.admitted.append(prompt)
                        if hold:
                            self.release.wait(10)
            except BaseException as exc:
                self.errors.append(exc)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        self.threads.append(thread)
        ready.wait(5)
        wanted = 0 if hold else 1
        deadline = time.monotonic() + 5
        while sum(t.job_id == box["job"].id for t in self.gate.line()) != wanted and time.monotonic() < deadline:
            time.sleep(0.01)  # in line (or running) before the next one arrives: arrival order is known
        return box["job"]

    def finish(self) -> None:
        self.release.set()
        for thread in self.threads:
            thread.join(10)


@pytest.fixture
def line():
    line = Line()
    yield line
    line.finish()


def test_another_user_cannot_see_cancel_or_move_my_jobs(line):
    a1, a2 = line.queue("ana", "ana 1"), line.queue("ana", "ana 2")
    assert line.jobs.jobs_of("ben") == []
    missing = "no job 'j_nothing' of yours"
    with pytest.raises(NotFound, match=missing):
        line.jobs.cancel("ben", "j_nothing")
    with pytest.raises(NotFound, match=f"no job '{a1.id}' of yours"):  # the same words: nothing says it exists
        line.jobs.cancel("ben", a1.id)
    with pytest.raises(NotFound, match=f"no job '{a2.id}' of yours"):
        line.jobs.move("ben", a2.id, -1)
    with pytest.raises(NotFound, match=f"no job '{line.blocker.id}' of yours"):
        line.jobs.cancel("ana", line.blocker.id)
    assert not a1.cancelled() and not line.blocker.cancelled()
    assert [j["job_id"] for j in line.jobs.jobs_of("ana")] == [a1.id, a2.id], "ben changed nothing"
    line.finish()
    assert line.admitted == ["the job that holds the slot", "ana 1", "ana 2"]


def test_my_jobs_show_place_in_line_progress_and_state(line):
    a1, a2 = line.queue("ana", "ana 1"), line.queue("ana", "ana 2")
    b1 = line.queue("ben", "ben 1")
    rows = line.jobs.jobs_of("ana")
    assert [(r["prompt"], r["state"], r["position"]) for r in rows] == [("ana 1", "waiting", 1),
                                                                        ("ana 2", "waiting", 3)]
    assert [(r["state"], r["position"]) for r in line.jobs.jobs_of("ben")] == [("waiting", 2)]  # round robin
    line.blocker.report(0.25, "denoising step 2/8")
    zed = line.jobs.jobs_of("zed")[0]
    assert (zed["state"], zed["position"], zed["progress"], zed["step"]) == ("running", 0, 0.25,
                                                                            "denoising step 2/8")
    line.finish()
    assert {r["state"] for r in line.jobs.jobs_of("ana")} == {"done"}
    assert [j.ended for j in (a1, a2, b1)] == ["done"] * 3


def test_moving_a_waiting_job_up_changes_which_of_mine_runs_next_but_not_the_others_turns(line):
    line.queue("ana", "ana 1")
    line.queue("ana", "ana 2")
    a3 = line.queue("ana", "ana 3")
    line.queue("ben", "ben 1")
    line.jobs.move("ana", a3.id, -1)
    line.jobs.move("ana", a3.id, -1)
    assert [r["prompt"] for r in line.jobs.jobs_of("ana")] == ["ana 3", "ana 1", "ana 2"]
    with pytest.raises(SandboxError, match="already first of your 3 waiting jobs"):
        line.jobs.move("ana", a3.id, -1)
    with pytest.raises(SandboxError, match="must be up or down"):
        line.jobs.move("ana", a3.id, 2)
    line.finish()
    assert not line.errors
    assert line.admitted == ["the job that holds the slot", "ana 3", "ben 1", "ana 1", "ana 2"]


def test_cancel_reaches_a_waiting_job_and_a_running_one(line):
    a1, a2 = line.queue("ana", "ana 1"), line.queue("ana", "ana 2")
    line.jobs.cancel("ana", a1.id)
    deadline = time.monotonic() + 5
    while a1.ended != "cancelled" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert a1.ended == "cancelled", "it left the line"
    assert next((r["job_id"], r["position"]) for r in line.jobs.jobs_of("ana")) == (a2.id, 1)
    # a running job stops at its next step: its progress is the job's cancellable progress
    jobs = JobRegistry(None)
    with pytest.raises(GenerationCancelled), jobs.track("ana", "video", "running one") as running:
        report = cancellable(running.watching(lambda _f, _d: None), running.cancel)
        report(0.1, "denoising step 1/10")
        jobs.cancel("ana", running.id)
        report(0.2, "denoising step 2/10")
    assert running.ended == "cancelled" and running.progress == 0.1
    with pytest.raises(SandboxError, match="already ended"):
        jobs.cancel("ana", running.id)
    line.finish()
    assert line.admitted == ["the job that holds the slot", "ana 2"]


def test_only_the_latest_finished_jobs_are_kept():
    jobs = JobRegistry(None, keep_finished=2)
    for i in range(4):
        with jobs.track("ana", "video", f"job {i}"):
            pass
    assert [r["prompt"] for r in jobs.jobs_of("ana")] == ["job 3", "job 2"]
