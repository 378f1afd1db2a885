"""Cameo tab and the cameo API (``/cameo_*``). Consent lives in ``sandbox.cameo.consent``; these
functions only name the acting user and shape the answer."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from sandbox.cameo.consent import POLICIES
from sandbox.cameo.verification import AUDIO_CHECK_NOTE, new_challenge
from sandbox.context import Sandbox
from sandbox.social.text import escape
from sandbox.ui import security
from sandbox.ui.common import acting_user, is_upload, plural, user_errors
from sandbox.ui.shell import Shell

POLICY_CHOICES = [("only me", "only_me"), ("people I approve", "approved"),
                  ("my friends (mutuals) and people I approve", "mutuals"), ("everyone", "everyone")]
assert [v for _, v in POLICY_CHOICES] == list(POLICIES)

INTRO = ("Record yourself once and become a **cameo** that friends may cast into their videos — only as far as "
         "you allow. The clip must show **one live face** that moves as the challenge asks; the raw clip is "
         f"deleted after the check, only a few face crops are kept (privately). {AUDIO_CHECK_NOTE}")


def api_functions(sb: Sandbox) -> dict[str, Callable]:
    """``{api_name: function}`` for the cameo JSON API (creation is the `/cameo_create` UI event)."""

    def cameo_mine(user: str = "", request: gr.Request = None) -> dict | None:
        """Your cameo: status, policy, approved and revoked handles, instructions, paused, verification checks."""
        return sb.cameos.mine(acting_user(sb, user, request).id)

    def cameo_settings(user: str = "", policy: str = "only_me", approved: list[str] | None = None,
                       instructions: str = "", paused: bool = False, request: gr.Request = None) -> dict:
        """Who may use your cameo (policy: only_me | approved | mutuals | everyone), the approved handles,
        instructions added to every prompt that uses it, and pause."""
        return sb.cameos.settings(acting_user(sb, user, request).id, policy, list(approved or []),
                                  instructions or "", bool(paused))

    def cameo_usable(user: str = "", request: gr.Request = None) -> list[dict]:
        """Cameos `user` may cast right now (cameo_id, handle, display_name, mine)."""
        return sb.cameos.usable(acting_user(sb, user, request).id)

    def cameo_uses(user: str = "", request: gr.Request = None) -> list[dict]:
        """Every draft and post, by anyone, that uses your cameo, with creator, time and a preview."""
        return sb.cameos.uses(acting_user(sb, user, request).id)

    def cameo_delete_use(user: str = "", use_id: str = "", request: gr.Request = None) -> dict:
        """Take down one video that uses your cameo (its draft, its posts and the file)."""
        return sb.cameos.delete_use(acting_user(sb, user, request).id, (use_id or "").strip())

    def cameo_revoke(user: str = "", handle: str = "", request: gr.Request = None) -> dict:
        """Refuse @handle from now on and take down their videos with your cameo."""
        return sb.cameos.revoke(acting_user(sb, user, request).id, handle or "")

    def cameo_delete(user: str = "", request: gr.Request = None) -> dict:
        """Delete your cameo: drafts using it are deleted, posts taken down, future use refused."""
        return sb.cameos.delete(acting_user(sb, user, request).id)

    fns = [cameo_mine, cameo_settings, cameo_usable, cameo_uses, cameo_delete_use, cameo_revoke, cameo_delete]
    return {fn.__name__: user_errors(fn) for fn in fns}


def make_create(sb: Sandbox):
    @user_errors
    def create_cameo(user: str = "", video: str | None = None, challenge: str = "",
                     request: gr.Request = None, progress: gr.Progress = gr.Progress()) -> tuple[str, dict]:
        """Verify a 3–15 s clip of yourself and make it your cameo. Returns one line per check and the details
        (cameo_id, status, checks). The upload is deleted after the check."""
        actor = acting_user(sb, user, request)
        if not video:
            raise gr.Error("record a clip with the webcam or upload one first (3–15 s, your face only)")
        progress(0.2, desc="checking the clip")
        try:
            result = sb.cameos.create(actor.id, video, challenge or "", delete_upload=is_upload(video))
        finally:
            if is_upload(video):  # refused before the check (e.g. a cameo exists already): not kept either
                Path(video).unlink(missing_ok=True)
        head = ("### ✅ Your cameo is ready — it is private (only you) until you share it below"
                if result["status"] == "verified" else "### ❌ Not accepted — fix the lines marked ❌ and record again")
        return f"{head}\n{result['report']}", result

    return create_cameo


def sample_clip(kind: str = "live") -> str:
    """A sample clip (public-domain NASA portrait moving over a room) for demos without a webcam."""
    from sandbox.cameo.samples import write_sample_clip

    folder = Path(tempfile.mkdtemp(prefix="sandbox-sample-"))
    return str(write_sample_clip(kind, folder / f"sample-{kind}.mp4"))


def challenge_markdown() -> str:
    return f"**Before you record:** {new_challenge()}"


def make_panel(sb: Sandbox):
    """Everything the owner side of the Cameo tab shows, in one call."""

    @user_errors
    def cameo_panel(user: str, request: gr.Request = None):
        actor = acting_user(sb, user, request)
        mine = sb.cameos.mine(actor.id)
        uses = sb.cameos.uses(actor.id) if mine and mine["status"] == "verified" else []
        if mine is None:
            status = "_No cameo yet: record a clip on the left._"
        elif mine["status"] == "rejected":
            status = "Your last clip was **not accepted**:\n" + "\n".join(
                f"- ❌ {escape(c['name'])}: {escape(c['detail'])}" for c in mine["checks"] if not c["passed"])
        else:
            revoked = f" · revoked: {', '.join('@' + h for h in mine['revoked'])}" if mine["revoked"] else ""
            status = (f"**Cameo `{mine['cameo_id']}`** · {'⏸️ paused' if mine['paused'] else '▶️ active'} · "
                      f"used in **{plural(len(uses), 'video')}**{revoked}")
        refs = security.inline_images((mine or {}).get("references", []), "reference (private)")
        gallery = [(u["video"], f"{u['kind']} by @{u['creator']} · {u['created_at']}") for u in uses]
        picks = [(f"{u['kind']} by @{u['creator']} · {u['created_at']} · {u['use_id']}", u["use_id"]) for u in uses]
        verified = bool(mine and mine["status"] == "verified")
        return (status, refs,
                gr.Radio(value=(mine or {}).get("policy", "only_me"), interactive=verified),
                gr.Dropdown(value=(mine or {}).get("approved", []), choices=sb.identity.persona_handles(),
                            interactive=verified),
                gr.Textbox(value=(mine or {}).get("instructions", ""), interactive=verified),
                gr.Checkbox(value=bool((mine or {}).get("paused")), interactive=verified),
                gallery or None, gr.Dropdown(choices=picks, value=None))

    return cameo_panel


def make_save_settings(sb: Sandbox):
    @user_errors
    def save_cameo_settings(user: str, policy: str, approved: list[str], instructions: str, paused: bool,
                            request: gr.Request = None) -> None:
        sb.cameos.settings(acting_user(sb, user, request).id, policy, list(approved or []), instructions or "",
                           bool(paused))
        gr.Info("Cameo settings saved: they apply to the next generation and every publish from now on")

    return save_cameo_settings


def make_owner_action(sb: Sandbox, action: str):
    """Delete one use, revoke one user, or delete the cameo — each says what was removed."""

    @user_errors
    def owner_action(user: str, arg: str = "", request: gr.Request = None) -> None:
        actor = acting_user(sb, user, request)
        if action == "delete_use":
            if not arg:
                raise gr.Error("pick a video from “Used in” first")
            done = sb.cameos.delete_use(actor.id, arg)
            gr.Info(f"Removed: {plural(done['removed'], 'video')} — gone from every feed and folder")
        elif action == "revoke":
            if not (arg or "").strip():
                raise gr.Error("type the handle to revoke, e.g. ben")
            done = sb.cameos.revoke(actor.id, arg)
            gr.Info(f"@{done['revoked']} can no longer use your cameo; {plural(done['removed'], 'video')} removed")
        else:
            done = sb.cameos.delete(actor.id)
            gr.Info(f"Cameo deleted; {plural(done['removed'], 'video')} that used it removed")

    owner_action.__name__ = f"cameo_{action}_ui"
    return owner_action


def usable_choices(sb: Sandbox):
    @user_errors
    def cameo_choices(user: str, request: gr.Request = None):
        usable = sb.cameos.usable(acting_user(sb, user, request).id)
        choices = [(f"@{c['handle']}" + (" (you)" if c["mine"] else f" — {c['display_name']}"), c["cameo_id"])
                   for c in usable]
        return gr.Dropdown(choices=choices, value=[], info=f"{plural(len(choices), 'cameo')} you may cast · at most 2"
                           if choices else "no cameos shared with you yet — ask a friend, or make your own")

    return cameo_choices


def build(shell: Shell) -> None:
    """The Cameo tab: record and verify a clip, who may use my cameo, where it is used, take-downs."""
    sb, user = shell.sb, shell.user
    with gr.Tab("Cameo", id="cameo") as tab:
        gr.Markdown(INTRO)
        with gr.Row():
            with gr.Column():
                challenge = gr.Markdown(challenge_markdown())
                clip = gr.Video(sources=["webcam", "upload"], label="Your clip (3–15 s, only you)",
                                include_audio=True)
                with gr.Row():
                    new_challenge_btn = gr.Button("🔁 new challenge", size="sm")
                    sample_btn = gr.Button("🧑‍🚀 use a sample clip", size="sm")
                create_btn = gr.Button("Verify and create my cameo", variant="primary")
                report = gr.Markdown()
                details = gr.JSON(label="Details", open=False, visible=False)
            with gr.Column():
                gr.Markdown("### My cameo")
                status = gr.Markdown()
                # inline pictures, never a file URL: Gradio would copy a gallery's images into its public cache
                references = gr.HTML(label="Reference crops (private, never served)")
                policy = gr.Radio(POLICY_CHOICES, value="only_me", label="Who may use it")
                approved = gr.Dropdown(shell.personas, value=[], multiselect=True, allow_custom_value=True,
                                       label="People I approve")
                instructions = gr.Textbox(label="Instructions added to every prompt with my cameo", max_length=200,
                                          placeholder="e.g. always wearing a hat · nothing political")
                paused = gr.Checkbox(label="Pause: nobody else may use it for now")
                save_btn = gr.Button("Save settings")
                with gr.Accordion("Revoke someone, or delete my cameo", open=False):
                    with gr.Row():
                        revoke_handle = gr.Textbox(label="Handle to revoke", placeholder="ben", scale=3)
                        revoke_btn = gr.Button("Revoke", variant="stop", scale=0)
                    delete_cameo_btn = gr.Button("Delete my cameo and every video that uses it", variant="stop")
        gr.Markdown("### Used in — every draft and post, by anyone, that shows my cameo")
        uses_gallery = gr.Gallery(show_label=False, columns=5, height=220, object_fit="cover")
        with gr.Row():
            use_pick = gr.Dropdown([], label="Video to remove", scale=4)
            delete_use_btn = gr.Button("Delete this video everywhere", variant="stop", scale=1)

    panel = make_panel(sb)
    panel_outputs = [status, references, policy, approved, instructions, paused, uses_gallery, use_pick]
    gr.on([tab.select, user.change], panel, [user], panel_outputs, api_visibility="private", trigger_mode="always_last")
    # another persona: the previous persona's clip and verification result are not theirs
    user.change(lambda: (None, "", None), None, [clip, report, details], api_visibility="private")
    new_challenge_btn.click(challenge_markdown, None, challenge, api_visibility="private")
    sample_btn.click(sample_clip, None, clip, api_visibility="private")
    create_btn.click(make_create(sb), [user, clip, challenge], [report, details],
                     api_name="cameo_create").then(panel, [user], panel_outputs, api_visibility="private")
    save_btn.click(make_save_settings(sb), [user, policy, approved, instructions, paused], None,
                   api_visibility="private").then(panel, [user], panel_outputs, api_visibility="private")
    for btn, action, arg in ((delete_use_btn, "delete_use", use_pick), (revoke_btn, "revoke", revoke_handle),
                             (delete_cameo_btn, "delete", None)):
        btn.click(make_owner_action(sb, action), [user, arg] if arg else [user], None,
                  api_visibility="private").then(panel, [user], panel_outputs, api_visibility="private")
