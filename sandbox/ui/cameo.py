"""Cameo tab and the cameo API (``/cameo_*``). Consent lives in ``sandbox.cameo.consent``; these
functions only name the acting user and shape the answer."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from sandbox.cameo.challenge import Challenge
from sandbox.cameo.consent import POLICIES
from sandbox.context import Sandbox
from sandbox.errors import SandboxError
from sandbox.social.text import escape
from sandbox.ui import security
from sandbox.ui.common import acting_user, clear_on_persona_switch, is_upload, plural, user_errors
from sandbox.ui.shell import Shell

POLICY_CHOICES = [("only me", "only_me"), ("people I approve", "approved"),
                  ("my friends (mutuals) and people I approve", "mutuals"), ("everyone", "everyone")]
assert [v for _, v in POLICY_CHOICES] == list(POLICIES)

INTRO = ("Record yourself once and become a **cameo** that friends may cast into their videos — only as far as "
         "you allow. The clip must show **only you, doing the challenge below**: the head turns as asked, a blink, "
         "and the digits said out loud with your microphone on (each is checked). The raw clip is deleted after "
         "the check; only a few face crops and a face descriptor are kept (privately). Pets and objects can be "
         "**characters** (`@you.name`), below.")
ME = "my cameo"  # the subject picker's value for the person's own cameo


def api_functions(sb: Sandbox) -> dict[str, Callable]:
    """``{api_name: function}`` for the cameo JSON API (creation is the `/cameo_create` UI event)."""

    def cameo_challenge(user: str = "", request: gr.Request = None) -> dict:
        """A new liveness challenge (challenge_id, text, expires_at): perform `text` on camera, then send the clip
        with `challenge_id` to /cameo_create. Single use; expires after 10 minutes."""
        return sb.cameos.issue_challenge(acting_user(sb, user, request).id)

    def cameo_mine(user: str = "", cameo: str = "", request: gr.Request = None) -> dict | None:
        """Your cameo (or your character `cameo`, e.g. "rex"): status, policy, approved and revoked handles,
        instructions, paused, verification checks."""
        return sb.cameos.mine(acting_user(sb, user, request).id, cameo or "")

    def cameo_settings(user: str = "", policy: str = "only_me", approved: list[str] | None = None,
                       instructions: str = "", paused: bool = False, cameo: str = "",
                       request: gr.Request = None) -> dict:
        """Who may use your cameo or character `cameo` (policy: only_me | approved | mutuals | everyone), the
        approved handles, instructions added to every prompt that uses it, and pause."""
        return sb.cameos.settings(acting_user(sb, user, request).id, policy, list(approved or []),
                                  instructions or "", bool(paused), cameo=cameo or "")

    def cameo_characters(user: str = "", request: gr.Request = None) -> list[dict]:
        """Your characters (pets and objects): handle (@you.name), status, policy, checks."""
        return sb.cameos.characters(acting_user(sb, user, request).id)

    def cameo_usable(user: str = "", request: gr.Request = None) -> list[dict]:
        """Cameos `user` may cast right now (cameo_id, handle, display_name, mine)."""
        return sb.cameos.usable(acting_user(sb, user, request).id)

    def cameo_uses(user: str = "", request: gr.Request = None) -> list[dict]:
        """Every draft and post, by anyone, that uses your cameo, with creator, time and a preview."""
        return sb.cameos.uses(acting_user(sb, user, request).id)

    def cameo_delete_use(user: str = "", use_id: str = "", request: gr.Request = None) -> dict:
        """Take down one video that uses your cameo (its draft, its posts and the file)."""
        return sb.cameos.delete_use(acting_user(sb, user, request).id, (use_id or "").strip())

    def cameo_revoke(user: str = "", handle: str = "", cameo: str = "", request: gr.Request = None) -> dict:
        """Refuse @handle from now on and take down their videos with your cameo (or character `cameo`)."""
        return sb.cameos.revoke(acting_user(sb, user, request).id, handle or "", cameo=cameo or "")

    def cameo_delete(user: str = "", cameo: str = "", request: gr.Request = None) -> dict:
        """Delete your cameo (or character `cameo`): drafts using it are deleted, posts taken down, future use
        refused."""
        return sb.cameos.delete(acting_user(sb, user, request).id, cameo=cameo or "")

    fns = [cameo_challenge, cameo_mine, cameo_settings, cameo_characters, cameo_usable, cameo_uses,
           cameo_delete_use, cameo_revoke, cameo_delete]
    return {fn.__name__: user_errors(fn) for fn in fns}


def make_create(sb: Sandbox):
    @user_errors
    def create_cameo(user: str = "", video: str | None = None, challenge: str = "",
                     request: gr.Request = None, progress: gr.Progress = gr.Progress()) -> tuple[str, dict]:
        """Verify a 3–15 s clip of yourself performing the challenge with id `challenge` (from
        /cameo_challenge) and make it your cameo. Returns one line per check and the details (cameo_id, status,
        checks). The upload is deleted after the check."""
        actor = acting_user(sb, user, request)
        if not video:
            raise gr.Error("record a clip with the webcam or upload one first (3–15 s, your face only)")
        progress(0.2, desc="checking the clip: face, head turns, blink, digits, voice")
        try:
            result = sb.cameos.create(actor.id, video, challenge or "", delete_upload=is_upload(video))
        finally:
            if is_upload(video):  # refused before the check (e.g. a cameo exists already): not kept either
                Path(video).unlink(missing_ok=True)
        head = ("### ✅ Your cameo is ready — it is private (only you) until you share it below"
                if result["status"] == "verified" else
                "### ❌ Not accepted — fix the lines marked ❌ and record again with the new challenge")
        return f"{head}\n{result['report']}", result

    return create_cameo


def make_create_character(sb: Sandbox):
    @user_errors
    def create_character(user: str = "", name: str = "", video: str | None = None,
                         request: gr.Request = None) -> tuple[str, dict]:
        """Make a 3–10 s clip of your pet or an object a character, cast as @you.name (no people in the clip).
        Returns one line per check and the details (cameo_id, handle, status, checks)."""
        actor = acting_user(sb, user, request)
        if not video:
            raise gr.Error("upload a clip of your pet or object first (3–10 s, no people in it)")
        result = sb.cameos.create_character(actor.id, name or "", video, delete_upload=is_upload(video))
        head = (f"### ✅ @{result['handle']} is ready — private (only you) until you share it"
                if result["status"] == "verified" else "### ❌ Not accepted — fix the lines marked ❌")
        return f"{head}\n{result['report']}", result

    return create_character


def challenge_markdown(issued: dict) -> str:
    return (f"**Before you record:** {issued['text']}  \n_(challenge `{issued['challenge_id']}`, good for one "
            f"clip until {issued['expires_at']} UTC)_")


def make_sample_clip(sb: Sandbox):
    @user_errors
    def sample_clip(user: str, challenge_id: str, request: gr.Request = None) -> tuple[str, str, str]:
        """A sample clip for demos without a webcam: the public-domain NASA portrait, animated to perform the
        current challenge (turns, blinks, says the digits with a synthetic voice). Where the challenge on screen
        is not open (not yet shown — a click right after opening the tab — used, or expired), a new one is
        issued and shown with the clip, so the button always gives a clip that can be verified."""
        from sandbox.cameo.samples import write_sample_clip

        owner = acting_user(sb, user, request).id
        try:
            asked = sb.cameos.pending_challenge(owner, challenge_id or "")
            shown = gr.update(), challenge_id
        except SandboxError:
            issued = sb.cameos.issue_challenge(owner)
            asked = Challenge.parse(issued["text"])
            shown = challenge_markdown(issued), issued["challenge_id"]
        folder = Path(tempfile.mkdtemp(prefix="sandbox-sample-"))
        return str(write_sample_clip(asked, folder / "sample.mp4")), *shown

    return sample_clip


def make_challenge(sb: Sandbox):
    @user_errors
    def new_challenge(user: str, request: gr.Request = None) -> tuple[str, str]:
        issued = sb.cameos.issue_challenge(acting_user(sb, user, request).id)
        return challenge_markdown(issued), issued["challenge_id"]

    return new_challenge


def make_pick_use(sb: Sandbox):
    def pick_use(user: str, evt: gr.SelectData, request: gr.Request = None):
        """A click on a "Used in" video picks it for removal (the gallery lists the uses in ``uses()`` order)."""
        uses = sb.cameos.uses(acting_user(sb, user, request).id)
        index = evt.index if isinstance(evt.index, int) else None
        return uses[index]["use_id"] if index is not None and index < len(uses) else gr.update()

    return pick_use


def use_caption(u: dict) -> str:
    """One "Used in" line: what, by whom, when, which of my cameos, and how much of my face it carries."""
    return f"{u['kind']} by @{u['creator']} · @{u['cameo']} · {u['created_at']} · likeness: {u['likeness']}"


def make_panel(sb: Sandbox):
    """Everything the owner side of the Cameo tab shows, in one call (``subject``: "" = my cameo, else a
    character's name)."""

    @user_errors
    def cameo_panel(user: str, subject: str = "", picked: str = "", request: gr.Request = None):
        """``picked``: the use chosen for removal when this refresh was asked for. A refresh leaves the choice
        on screen alone (a click on "Used in" may have landed while it ran) unless that use is gone or not
        this person's (removed, or another persona)."""
        actor = acting_user(sb, user, request)
        characters = sb.cameos.characters(actor.id)
        names = {c["handle"].split(".", 1)[1] for c in characters}
        subject = subject if subject in names else ""
        mine = sb.cameos.mine(actor.id, subject)
        uses = sb.cameos.uses(actor.id)
        what = f"@{mine['handle']}" if mine and subject else "cameo"
        if mine is None:
            status = "_No cameo yet: record a clip on the left._"
        elif mine["status"] == "rejected":
            status = f"Your last {'character clip' if subject else 'clip'} was **not accepted**:\n" + "\n".join(
                f"- ❌ {escape(c['name'])}: {escape(c['detail'])}" for c in mine["checks"] if not c["passed"])
        else:
            used = [u for u in uses if u["cameo"] == mine["handle"]]
            revoked = f" · revoked: {', '.join('@' + h for h in mine['revoked'])}" if mine["revoked"] else ""
            status = (f"**{'Character' if subject else 'Cameo'} `@{mine['handle']}`** · "
                      f"{'⏸️ paused' if mine['paused'] else '▶️ active'} · used in **{plural(len(used), 'video')}**"
                      f"{revoked}")
        if characters:
            status += "\n\nCharacters: " + ", ".join(f"`@{c['handle']}` ({c['status']})" for c in characters)
        refs = security.inline_images((mine or {}).get("references", []), "reference (private)")
        gallery = [(u["video"], use_caption(u)) for u in uses]
        picks = [(f"{use_caption(u)} · {u['use_id']}", u["use_id"]) for u in uses]
        verified = bool(mine and mine["status"] == "verified")
        subjects = [(ME, "")] + [(f"@{c['handle']}", c["handle"].split(".", 1)[1]) for c in characters]
        return (status, refs,
                gr.Radio(value=(mine or {}).get("policy", "only_me"), interactive=verified),
                gr.Dropdown(value=(mine or {}).get("approved", []), choices=sb.identity.persona_handles(),
                            interactive=verified),
                gr.Textbox(value=(mine or {}).get("instructions", ""), interactive=verified,
                           label=f"Instructions added to every prompt with my {what}"),
                gr.Checkbox(value=bool((mine or {}).get("paused")), interactive=verified),
                gallery or None,
                gr.Dropdown(choices=picks) if not picked or picked in {u["use_id"] for u in uses}
                else gr.Dropdown(choices=picks, value=None),
                gr.Dropdown(choices=subjects, value=subject))

    return cameo_panel


def make_save_settings(sb: Sandbox):
    @user_errors
    def save_cameo_settings(user: str, policy: str, approved: list[str], instructions: str, paused: bool,
                            subject: str = "", request: gr.Request = None) -> None:
        sb.cameos.settings(acting_user(sb, user, request).id, policy, list(approved or []), instructions or "",
                           bool(paused), cameo=subject or "")
        gr.Info("Cameo settings saved: they apply to the next generation and every publish from now on")

    return save_cameo_settings


def make_owner_action(sb: Sandbox, action: str):
    """Delete one use, revoke one user, or delete the cameo — each says what was removed."""

    @user_errors
    def owner_action(user: str, subject: str = "", arg: str = "", request: gr.Request = None) -> None:
        actor = acting_user(sb, user, request)
        subject = subject or ""
        if action == "delete_use":
            if not arg:
                raise gr.Error("pick a video from “Used in” first")
            done = sb.cameos.delete_use(actor.id, arg)
            gr.Info(f"Removed: {plural(done['removed'], 'video')} — gone from every feed and folder")
        elif action == "revoke":
            if not (arg or "").strip():
                raise gr.Error("type the handle to revoke, e.g. ben")
            done = sb.cameos.revoke(actor.id, arg, cameo=subject)
            gr.Info(f"@{done['revoked']} can no longer use your {subject or 'cameo'}; "
                    f"{plural(done['removed'], 'video')} removed")
        else:
            done = sb.cameos.delete(actor.id, cameo=subject)
            gr.Info(f"{'Character ' + subject if subject else 'Cameo'} deleted; {plural(done['removed'], 'video')} "
                    "that used it removed")

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
                challenge = gr.Markdown("**Before you record:** _a challenge appears here_")
                challenge_id = gr.Textbox(visible=False)
                clip = gr.Video(sources=["webcam", "upload"], label="Your clip (3–15 s, only you)",
                                include_audio=True, elem_id="cameo-clip")
                with gr.Row():
                    new_challenge_btn = gr.Button("🔁 new challenge", size="sm")
                    sample_btn = gr.Button("🧑‍🚀 use a sample clip", size="sm")
                create_btn = gr.Button("Verify and create my cameo", variant="primary")
                report = gr.Markdown()
                details = gr.JSON(label="Details", open=False, visible=False)
                with gr.Accordion("🐾 Add a character: a pet or an object (@you.name)", open=False):
                    character_name = gr.Textbox(label="Name", placeholder="rex", max_length=20)
                    character_clip = gr.Video(sources=["upload", "webcam"], label="Clip (3–10 s, no people)")
                    character_btn = gr.Button("Verify and create the character")
                    character_report = gr.Markdown()
                    character_details = gr.JSON(visible=False)
            with gr.Column():
                gr.Markdown("### My cameo and characters")
                subject = gr.Dropdown([(ME, "")], value="", label="Settings for")
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
    panel_inputs = [user, subject, use_pick]
    panel_outputs = [status, references, policy, approved, instructions, paused, uses_gallery, use_pick, subject]
    fresh_challenge = make_challenge(sb)
    gr.on([tab.select, user.change], panel, panel_inputs, panel_outputs, api_visibility="private",
          trigger_mode="always_last")
    subject.input(panel, panel_inputs, panel_outputs, api_visibility="private")
    # a challenge is issued to the acting persona when the tab opens, on a switch, and on request
    gr.on([tab.select, user.change, new_challenge_btn.click], fresh_challenge, [user], [challenge, challenge_id],
          api_visibility="private", trigger_mode="always_last")
    # another persona: the previous persona's clip and verification result are not theirs
    clear_on_persona_switch(user, [clip, report, details], [None, "", None])
    sample_btn.click(make_sample_clip(sb), [user, challenge_id], [clip, challenge, challenge_id],
                     api_visibility="private")
    create_btn.click(make_create(sb), [user, clip, challenge_id], [report, details], api_name="cameo_create").then(
        panel, panel_inputs, panel_outputs, api_visibility="private").then(
        fresh_challenge, [user], [challenge, challenge_id], api_visibility="private")  # each is good for one clip
    character_btn.click(make_create_character(sb), [user, character_name, character_clip],
                        [character_report, character_details], api_name="cameo_character_create").then(
        panel, panel_inputs, panel_outputs, api_visibility="private")
    save_btn.click(make_save_settings(sb), [user, policy, approved, instructions, paused, subject], None,
                   api_visibility="private").then(panel, panel_inputs, panel_outputs, api_visibility="private")
    uses_gallery.select(make_pick_use(sb), [user], use_pick, api_visibility="private")
    for btn, action, arg in ((delete_use_btn, "delete_use", use_pick), (revoke_btn, "revoke", revoke_handle),
                             (delete_cameo_btn, "delete", None)):
        btn.click(make_owner_action(sb, action), [user, subject, arg] if arg else [user, subject], None,
                  api_visibility="private").then(panel, panel_inputs, panel_outputs, api_visibility="private")
