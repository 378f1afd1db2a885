"""Reports tab (admins review reported posts) and the moderation API (``/report``, ``/reports``,
``/resolve_report``)."""

from __future__ import annotations

import gradio as gr

from sandbox.context import Sandbox
from sandbox.ui.common import acting_user, user_errors
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
    """The Reports tab's table: the queue for admins, a plain note for everyone else (no error toast on
    every persona switch)."""

    @user_errors
    def reports_view(user: str, request: gr.Request = None):
        actor = acting_user(sb, user, request)
        if not actor.is_admin:
            return {"note": "only admins review reports — switch to the persona @mod"}
        return sb.reports.queue(actor.id)

    return reports_view


def build(shell: Shell) -> None:
    """The Reports tab: the open reports for an admin, and a way to resolve one."""
    sb, user = shell.sb, shell.user
    with gr.Tab("Reports", id="reports") as tab:
        gr.Markdown("Reported posts wait here for an admin (persona **@mod**). Anyone can report a post "
                    "from the Feed tab; it disappears from the reporter's feed at once.")
        table = gr.JSON(label="Open reports")
        with gr.Row():
            report_id = gr.Number(label="Report id", precision=0)
            action = gr.Radio(["take_down", "dismiss"], value="take_down", label="Action")
            resolve_btn = gr.Button("Apply")
    view = make_reports_view(sb)
    gr.on([tab.select, user.change], view, [user], table, api_visibility="private")
    resolve_btn.click(moderation_functions(sb)["resolve_report"], [user, report_id, action], None,
                      api_visibility="private").then(view, [user], table, api_visibility="private")
