"""Reports tab (admins review reported posts) and the moderation API (``/report``, ``/reports``,
``/resolve_report``)."""

from __future__ import annotations

import gradio as gr

from sandbox.context import Sandbox
from sandbox.social.text import escape
from sandbox.ui.common import acting_user, plural, user_errors
from sandbox.ui.shell import Shell


def moderation_functions(sb: Sandbox) -> dict:
    def report(user: str = "", post_id: str = "", reason: str = "", request: gr.Request = None) -> dict:
        """Report a post: it disappears from your feed at once and goes to the admins' queue."""
        return sb.reports.report(acting_user(sb, user, request).id, post_id, reason)

    def reports(user: str = "", request: gr.Request = None) -> list[dict]:
        """Admins: the open reports."""
        return sb.reports.queue(acting_user(sb, user, request).id)

    def resolve_report(user: str = "", report_id: int = 0, action: str = "take_down",
                       request: gr.Request = None) -> dict:
        """Admins: take_down the reported post, or dismiss the report."""
        return sb.reports.resolve(acting_user(sb, user, request).id, int(report_id), action)

    return {fn.__name__: user_errors(fn) for fn in (report, reports, resolve_report)}


def make_reports_view(sb: Sandbox):
    """The open reports for an admin; for everyone else an empty queue and a plain note (no error toast on
    every persona switch)."""

    @user_errors
    def reports_view(user: str, request: gr.Request = None) -> tuple[list[dict], str]:
        actor = acting_user(sb, user, request)
        if not actor.is_admin:
            return [], "_Only admins review reports — switch to the persona **@mod**._"
        queue = sb.reports.queue(actor.id)
        return queue, f"**{plural(len(queue), 'open report')}**" if queue else "_No open reports._ ✨"

    return reports_view


def make_resolve(sb: Sandbox, action: str):
    @user_errors
    def resolve(user: str, report_id: int, request: gr.Request = None) -> None:
        sb.reports.resolve(acting_user(sb, user, request).id, int(report_id), action)
        gr.Info("Taken down: the post is gone from every feed" if action == "take_down" else
                "Dismissed: the post stays up")

    return resolve


def report_markdown(r: dict) -> str:
    return (f"**@{escape(r['creator'])}** · {escape(r['caption']) or '<i>no caption</i>'}  \n"
            f"<small>prompt: {escape(r['prompt'])}</small>  \n"
            f"🚩 reported by **@{escape(r['reported_by'])}** · {r['reported_at']}  \n"
            f"> {escape(r['reason'])}")


def build(shell: Shell) -> None:
    """The Reports tab: one row per open report — the video, what the reporter said, and the two actions."""
    sb, user = shell.sb, shell.user
    with gr.Tab("Reports", id="reports") as tab:
        gr.Markdown("Reported posts wait here for an admin (persona **@mod**). Anyone can report a post "
                    "from the Feed tab; it disappears from the reporter's feed at once.")
        note = gr.Markdown()
        queue = gr.State([])

        @gr.render(inputs=[queue])
        def report_rows(reports: list[dict]):
            for r in reports:
                with gr.Row(equal_height=False, elem_classes=["report-row"]):
                    gr.Video(r["video"], show_label=False, height=160, interactive=False, autoplay=False,
                             loop=True, scale=1)
                    with gr.Column(scale=3):
                        gr.Markdown(report_markdown(r))
                    with gr.Column(scale=1, min_width=140):
                        report_id = gr.State(r["report_id"])
                        take_down = gr.Button("Take down", variant="stop", size="sm")
                        dismiss = gr.Button("Dismiss", size="sm")
                for btn, action in ((take_down, "take_down"), (dismiss, "dismiss")):
                    btn.click(make_resolve(sb, action), [user, report_id], None, api_visibility="private").then(
                        view, [user], [queue, note], api_visibility="private")

    view = make_reports_view(sb)
    gr.on([tab.select, user.change], view, [user], [queue, note], api_visibility="private", trigger_mode="always_last")
