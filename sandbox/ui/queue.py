"""Queue tab and the `/my_jobs`, `/cancel_job` and `/move_job` API: my jobs — their place in line, progress and
latest preview — with cancel and reorder. Only the acting user's own jobs (``sandbox.generation.jobs``)."""

from __future__ import annotations

import gradio as gr

from sandbox.context import Sandbox
from sandbox.errors import SandboxError
from sandbox.ui.common import acting_user, user_errors
from sandbox.ui.shell import Shell

COLUMNS = ["job", "kind", "prompt", "state", "place in line", "progress / why it ended"]
DIRECTIONS = {"up": -1, "down": 1}
REFRESH_S = 1.0


def make_my_jobs(sb: Sandbox):
    @user_errors
    def my_jobs(user: str = "", request: gr.Request = None) -> list[dict]:
        """Your jobs: waiting ones in the order they will run, then the running one, then the last finished.
        Each: `job_id`, `kind`, `prompt`, `state` (waiting, running, done, failed, cancelled), `position` (place in
        the whole line, 1 = next; 0 when not waiting), `progress` (0–1), `step`, `has_preview`."""
        return sb.jobs.jobs_of(acting_user(sb, user, request).id)

    return my_jobs


def make_cancel_job(sb: Sandbox):
    @user_errors
    def cancel_job(user: str = "", job_id: str = "", request: gr.Request = None) -> list[dict]:
        """Cancel your job `job_id`: a waiting one leaves the line, a running one stops at its next step; nothing
        is saved. Returns your jobs."""
        actor = acting_user(sb, user, request)
        sb.jobs.cancel(actor.id, job_id)
        return sb.jobs.jobs_of(actor.id)

    return cancel_job


def make_move_job(sb: Sandbox):
    @user_errors
    def move_job(user: str = "", job_id: str = "", direction: str = "up", request: gr.Request = None) -> list[dict]:
        """Move your waiting job `job_id` one place `up` (sooner) or `down` among your own waiting jobs; other
        people's turns do not change. Returns your jobs."""
        actor = acting_user(sb, user, request)
        if direction not in DIRECTIONS:
            raise SandboxError(f"`direction` must be up or down but is {direction!r}")
        sb.jobs.move(actor.id, job_id, DIRECTIONS[direction])
        return sb.jobs.jobs_of(actor.id)

    return move_job


def api_functions(sb: Sandbox) -> dict:
    return {"my_jobs": make_my_jobs(sb), "cancel_job": make_cancel_job(sb), "move_job": make_move_job(sb)}


def table(rows: list[dict]) -> list[list]:
    """My jobs as the panel's rows.

    >>> table([{"job_id": "j_1", "kind": "video", "prompt": "a cat", "state": "waiting", "position": 2,
    ...         "progress": 0.0, "step": ""}])
    [['j_1', 'video', 'a cat', 'waiting', 2, '']]
    """
    return [[r["job_id"], r["kind"], r["prompt"][:80], r["state"], r["position"] or "",
             f"{r['progress']:.0%} {r['step']}".strip() if r["state"] == "running" else r["step"]] for r in rows]


def build(shell: Shell) -> None:
    """The Queue tab: my jobs (refreshed every second while the tab is open), their previews, cancel, reorder."""
    sb, user = shell.sb, shell.user
    with gr.Tab("Queue", id="queue") as tab:
        gr.Markdown("My jobs: where each waits in line, how far it has come, what it looks like so far. "
                    "Cancel one, or move a waiting one before or after your others (other people's turns stay).")
        jobs = gr.Dataframe(headers=COLUMNS, value=[], interactive=False, label="My jobs", elem_id="my-jobs")
        thumbnails = gr.Gallery(label="Latest previews", columns=6, height=160, object_fit="contain",
                                elem_id="my-job-previews")
        with gr.Row():
            job_id = gr.Textbox(label="Job", placeholder="j_… — or click a row", scale=2, elem_id="queue-job")
            cancel_btn = gr.Button("Cancel job", variant="stop", scale=1)
            up_btn = gr.Button("Move up", scale=1)
            down_btn = gr.Button("Move down", scale=1)
    cancel_job, move_job = make_cancel_job(sb), make_move_job(sb)

    @user_errors
    def panel(name: str, request: gr.Request = None):
        actor = acting_user(sb, name, request)
        return table(sb.jobs.jobs_of(actor.id)), sb.jobs.previews_of(actor.id)

    def cancel(name: str, job: str, request: gr.Request = None):
        return table(cancel_job(name, job, request))

    def move_up(name: str, job: str, request: gr.Request = None):
        return table(move_job(name, job, "up", request))

    def move_down(name: str, job: str, request: gr.Request = None):
        return table(move_job(name, job, "down", request))

    # the timer starts when the tab is first opened (no polling for people who never look at it)
    with tab:  # inside the tab: a non-tab child of gr.Tabs shifts every later tab's button
        timer = gr.Timer(REFRESH_S, active=False)
    refresh = {"fn": panel, "inputs": [user], "outputs": [jobs, thumbnails], "api_visibility": "private",
               "queue": False}
    timer.tick(**refresh)
    tab.select(lambda: gr.Timer(active=True), None, timer, api_visibility="private", queue=False).then(**refresh)
    gr.on(shell.on_persona(), **refresh)
    jobs.select(pick_job, None, job_id, api_visibility="private")
    for button, fn in ((cancel_btn, cancel), (up_btn, move_up), (down_btn, move_down)):
        button.click(fn, [user, job_id], jobs, api_visibility="private", queue=False)


def pick_job(evt: gr.SelectData) -> str:
    """The job id of the clicked row (its first cell)."""
    row = evt.row_value or []
    return str(row[0]) if row else ""
