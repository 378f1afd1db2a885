"""Remix tab callbacks and the `/remix` and `/lineage` API."""

from __future__ import annotations

import gradio as gr

from sandbox.context import Sandbox
from sandbox.remix.conditioning import MODES
from sandbox.remix.render import lineage_figure, lineage_markdown
from sandbox.social.text import escape
from sandbox.ui.common import acting_user, progress_adapter, user_errors

MODE_CHOICES = [("restyle — same motion, new look", "restyle"), ("extend — continue where it ends", "extend"),
                ("recast — put a cameo in place of the subject", "recast")]
assert [v for _, v in MODE_CHOICES] == list(MODES)


def make_remix(sb: Sandbox):
    @user_errors
    def remix(user: str = "", post_id: str = "", prompt: str = "", mode: str = "restyle", keep: float = 0.5,
              seed: int = -1, cameos: list[str] | None = None, request: gr.Request = None,
              progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[str, dict]:
        """Remix a post into a draft of yours. mode: restyle | extend | recast (recast needs `cameos`); keep: 0–1,
        how much of the original to keep. The draft's parent is the original. Returns the MP4 and its details."""
        actor = acting_user(sb, user, request)
        result = sb.remixes.remix(actor.id, (post_id or "").strip(), prompt or "", mode or "restyle",
                                  0.5 if keep is None else float(keep), int(seed) if seed is not None else -1,
                                  list(cameos or []), progress=progress_adapter(progress))
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
