"""Verify tab and moderation (reports) callbacks."""

from __future__ import annotations

import gradio as gr

from sandbox.context import Sandbox
from sandbox.ui.common import acting_user, user_errors


def make_verify(sb: Sandbox):
    @user_errors
    def verify(user: str = "", video: str | None = None, request: gr.Request = None) -> tuple[str, dict]:
        """Check a video: Content Credentials (valid? altered? AI-made? remix chain) and whether it was made
        in this sandbox (perceptual hash, also after the credentials were stripped). Returns a summary and
        the full report with `draft_id` / `post_id` of the match."""
        actor = acting_user(sb, user, request)
        if not video:
            raise gr.Error("upload a video to verify")
        report = sb.provenance.verify(actor.id, video)
        return report["summary"].replace("\n", "  \n"), report  # one line per finding in Markdown

    return verify


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
