"""Verify tab: Content Credentials and "was this made here?" for any uploaded video."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from sandbox.context import Sandbox
from sandbox.ui.common import acting_user, clear_on_persona_switch, is_upload, user_errors
from sandbox.ui.shell import Shell


def make_verify(sb: Sandbox):
    @user_errors
    def verify(user: str = "", video: str | None = None, request: gr.Request = None) -> tuple[str, dict]:
        """Check a video: Content Credentials (valid? altered? AI-made? remix chain) and whether it was made
        in this sandbox — by the invisible mark (its code, how many frames carry it) and the fingerprint (its
        distance), also after the credentials were stripped and the video cropped, scaled, mirrored or
        re-encoded; the mark decides between look-alikes. Returns a summary and the full report with
        `draft_id` / `post_id` of the match, the `mark` and `fingerprint` evidence and `match.agree`."""
        try:
            actor = acting_user(sb, user, request)
            if not video:
                raise gr.Error("upload a video to verify")
            report = sb.provenance.verify(actor.id, video)
            return report["summary"].replace("\n", "  \n"), report  # one line per finding in Markdown
        finally:
            if video and is_upload(video):  # checked or refused, an upload is not kept
                Path(video).unlink(missing_ok=True)

    return verify


def build(shell: Shell) -> None:
    """The Verify tab: upload any video, read its credentials and whether it was made here."""
    with gr.Tab("Verify", id="verify"):
        gr.Markdown("Upload any video: see whether it carries valid **Content Credentials**, what they claim "
                    "(AI-made, model, creator, remix chain), and whether it was made in this sandbox — by the "
                    "**invisible mark** hidden in every frame and by the video's **fingerprint**, also after the "
                    "credentials were stripped and the video cropped, scaled, mirrored or re-encoded.")
        with gr.Row():
            video = gr.File(label="Video or sound", file_types=["video", "audio"], type="filepath")
            with gr.Column():
                summary = gr.Markdown()
                report = gr.JSON(label="Full report", open=False)
        verify_btn = gr.Button("Verify", variant="primary")
    verify_btn.click(make_verify(shell.sb), [shell.user, video], [summary, report], api_name="verify")
    # another persona: the previous persona's file and result are not theirs
    clear_on_persona_switch(shell.user, [video, summary, report], [None, "", None])
