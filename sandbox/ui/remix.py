"""Remix tab and the `/remix` and `/lineage` API."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from sandbox.context import Sandbox
from sandbox.remix.conditioning import MODES
from sandbox.remix.render import lineage_figure, lineage_markdown
from sandbox.social.posts import REMIX_POLICIES
from sandbox.social.text import escape
from sandbox.ui import security
from sandbox.ui.cameo import usable_choices
from sandbox.ui.common import (
    CancelSwitch,
    acting_user,
    clear_on_persona_switch,
    details_markdown,
    running_job,
    sound_wanted,
    user_errors,
)
from sandbox.ui.shell import Shell

MODE_CHOICES = [("restyle — same motion, new look", "restyle"), ("extend — continue where it ends", "extend"),
                ("recast — put a cameo in place of the subject", "recast")]
assert [v for _, v in MODE_CHOICES] == list(MODES)


def make_remix(sb: Sandbox, cancel: CancelSwitch | None = None):
    cancel = cancel or CancelSwitch()

    @user_errors
    def remix(user: str = "", post_id: str = "", prompt: str = "", mode: str = "restyle", keep: float = 0.5,
              seed: int = -1, cameos: list[str] | None = None, sound: bool = True, sound_prompt: str = "",
              request: gr.Request = None,
              progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[str, dict]:
        """Remix a post into a draft of yours. mode: restyle | extend | recast (recast needs `cameos`); keep: 0–1,
        how much of the original to keep. The draft's parent is the original. Returns the MP4 and its details."""
        actor = acting_user(sb, user, request)
        with running_job(sb, cancel, request, actor.id, "remix",
                         f"{mode or 'restyle'} {post_id}: {prompt or ''}".strip(), progress) as job:
            result = sb.remixes.remix(
                actor.id, (post_id or "").strip(), prompt or "", mode or "restyle",
                0.5 if keep is None else float(keep), int(seed) if seed is not None else -1, list(cameos or []),
                progress=job.progress, sound=sound_wanted(sound), sound_prompt=sound_prompt or "",
                cancelled=job.cancelled, job_id=job.id)
        return str(result.video_path), result.to_dict()

    return remix


def make_lineage(sb: Sandbox):
    @user_errors
    def lineage(user: str = "", post_id: str = "", request: gr.Request = None) -> dict:
        """The remix tree of a post: `ancestors` (original first) and nested `descendants`; removed posts stay
        in the chain marked `removed`."""
        return sb.remixes.lineage(acting_user(sb, user, request).id, (post_id or "").strip())

    return lineage


def make_open(sb: Sandbox):
    """Show the original, who made it, and its lineage (picture and list)."""
    lineage = make_lineage(sb)

    def open_original(user: str, post_id: str, request: gr.Request = None):
        if not (post_id or "").strip():
            return None, "_Pick a post: press 🔁 remix on a feed card, or paste a post id._", None, ""
        tree = lineage(user, post_id, request)
        post = tree["post"]
        if post["removed"]:
            raise gr.Error(f"post {post_id} was removed: it can no longer be remixed")
        info = (f"**Original by @{escape(post['creator'])}** · `{post['post_id']}`  \n"
                f"{escape(post['caption']) or '<i>no caption</i>'}")
        return post["video"], info, lineage_figure(tree), lineage_markdown(tree)

    return open_original


def make_publish_remix(sb: Sandbox):
    @user_errors
    def publish_remix(user: str, details: dict | None, caption: str, remix_policy: str,
                      request: gr.Request = None) -> None:
        if not details or not details.get("draft_id"):
            raise gr.Error("make a remix first, then publish it")
        actor = acting_user(sb, user, request)
        post = sb.posts.publish(actor.id, details["draft_id"], caption, remix_policy)
        gr.Info(f"Published {post['post_id']} — it shows as a remix, with credit to the original")

    return publish_remix


@dataclass
class RemixTab:
    post: gr.Textbox  # the post being remixed: the feed's 🔁 button fills it


def build(shell: Shell) -> RemixTab:
    """The Remix tab: the original playing, mode, how much to keep, cameo, the remix, its lineage."""
    sb, user = shell.sb, shell.user
    with gr.Tab("Remix", id="remix"):
        with gr.Row():
            with gr.Column():
                post = gr.Textbox(label="Post to remix", placeholder="p_… — or press 🔁 remix on a feed card")
                original = gr.Video(label="Original", autoplay=True, loop=True, interactive=False)
                original_md = gr.Markdown()
            with gr.Column():
                prompt = gr.Textbox(label="What should change?", lines=2, max_length=sb.config.max_prompt_chars,
                                    placeholder="e.g. a blue circle moving right on a black background")
                mode = gr.Radio(MODE_CHOICES, value="restyle", label="Mode")
                keep = gr.Slider(0, 1, value=0.5, step=0.05, label="How much of the original to keep")
                with gr.Row():
                    sound = gr.Checkbox(True, label="Sound", scale=1,
                                        info="restyle keeps the original's sound, extend continues it")
                    sound_prompt = gr.Textbox("", label="New sound", scale=3,
                                              placeholder="describe a new sound instead of keeping the original's")
                with gr.Row():
                    cameos = gr.Dropdown([], value=[], multiselect=True, max_choices=2, allow_custom_value=True,
                                         label="Cameo (recast)", scale=2)
                    seed = gr.Number(-1, label="Seed", precision=0, scale=1)
                with gr.Row():
                    remix_btn = gr.Button("Remix", variant="primary", scale=3)
                    cancel_btn = gr.Button("Cancel", variant="stop", scale=1)
                video = gr.Video(label="Your remix", autoplay=True, loop=True, interactive=False)
                summary = gr.Markdown()
                with gr.Accordion("Details (JSON)", open=False):
                    details = gr.JSON(show_label=False)
                with gr.Row():
                    caption = gr.Textbox(label="Caption", max_length=300, scale=3)
                    own_policy = gr.Radio(list(REMIX_POLICIES), value="everyone", label="Who may remix yours",
                                          scale=2)
                publish_btn = gr.Button("Publish remix")
        gr.Markdown("### Lineage — where this video comes from and what it became")
        with gr.Row():
            lineage_plot = gr.Plot(show_label=False)
            lineage_md = gr.Markdown()

    open_original = make_open(sb)
    shown = [original, original_md, lineage_plot, lineage_md]
    post.change(open_original, [user, post], shown, api_visibility="private")
    gr.on(shell.on_persona(), usable_choices(sb), [user], cameos, api_visibility="private", trigger_mode="always_last")
    clear_on_persona_switch(user, [video, details, summary], [None, None, ""])
    switch = CancelSwitch()
    remix_event = remix_btn.click(
        make_remix(sb, switch), [user, post, prompt, mode, keep, seed, cameos, sound, sound_prompt], [video, details],
        api_name="remix", concurrency_limit=security.GENERATION_WORKERS,  # the fair gate orders
        concurrency_id="generation")
    remix_event.success(lambda d: details_markdown(sb, d), details, summary, api_visibility="private")
    cancel_btn.click(switch.cancel, None, None, cancels=[remix_event], api_visibility="private")
    publish_btn.click(make_publish_remix(sb), [user, details, caption, own_policy], None,
                      api_visibility="private").then(open_original, [user, post], shown, api_visibility="private")
    return RemixTab(post=post)
