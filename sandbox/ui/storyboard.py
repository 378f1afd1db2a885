"""Storyboard tab and the `/storyboard` and `/storyboard_reshoot` API: shots → one video → draft → publish."""

from __future__ import annotations

import gradio as gr

from sandbox.context import Sandbox
from sandbox.social.posts import REMIX_POLICIES
from sandbox.social.text import escape
from sandbox.storyboard.shots import parse_shots
from sandbox.ui import security
from sandbox.ui.cameo import usable_choices
from sandbox.ui.common import (
    CancelSwitch,
    PreviewBoard,
    acting_user,
    clear_on_persona_switch,
    details_markdown,
    running_job,
    sound_wanted,
    user_errors,
    wire_live_preview,
)
from sandbox.ui.create import make_publish, with_button_busy
from sandbox.ui.shell import Shell

EXAMPLE_SHOTS = [["a red circle moving right on a blue background", 1.0],
                 ["a red circle moving down on a blue background", 1.0],
                 ["a red circle moving left on a blue background", 1.0]]


def shot_rows(shots) -> list:
    """The shots table as rows (a DataFrame, a list of rows, or the API's {"headers", "data"})."""
    if shots is None:
        return []
    if isinstance(shots, dict):
        return shots.get("data") or []
    if hasattr(shots, "values") and hasattr(shots, "columns"):
        return shots.values.tolist()
    return list(shots)


def make_storyboard(sb: Sandbox, cancel: CancelSwitch | None = None, previews: PreviewBoard | None = None):
    cancel = cancel or CancelSwitch()
    previews = previews or PreviewBoard()

    @user_errors
    def storyboard(user: str = "", shots: list | None = None, style: str = "", cameos: list[str] | None = None,
                   image: str | None = None, image_post_id: str = "", seed: int = -1, steps: int | None = None,
                   sound: bool = True, request: gr.Request = None,
                   progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[str, dict]:
        """Make a storyboard: `shots` rows of [prompt, seconds] made in order, each continuing the previous one,
        `style` added to every shot, up to two `cameos`; start from an `image` (file) or the last frame of a post
        you may remix (`image_post_id`); `sound`: each shot's sound, joined like the frames (where the model has a
        sound source). Returns the one MP4 and its details (`draft_id`, `storyboard.shots`, `sound`)."""
        actor = acting_user(sb, user, request)
        rows = parse_shots(shot_rows(shots))
        with running_job(sb, cancel, request, actor.id, "storyboard", " / ".join(r.prompt for r in rows), progress,
                         previews) as job:
            result = sb.storyboards.create(
                actor.id, rows, style or "", list(cameos or []), image or None,
                (image_post_id or "").strip() or None, int(seed) if seed is not None else -1,
                steps=int(steps) if steps else None, sound=sound_wanted(sound),
                progress=job.progress, preview=job.preview, cancelled=job.cancelled, job_id=job.id)
        return str(result.video_path), result.to_dict()

    return storyboard


def make_reshoot(sb: Sandbox, cancel: CancelSwitch | None = None, previews: PreviewBoard | None = None):
    cancel = cancel or CancelSwitch()
    previews = previews or PreviewBoard()

    @user_errors
    def storyboard_reshoot(user: str = "", draft_id: str = "", shot: int = 1, prompt: str = "", seed: int = -1,
                           request: gr.Request = None,
                           progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[str, dict]:
        """Make shot number `shot` of a storyboard draft again (with a new `prompt` if given); the other shots stay
        as they were. Returns a new draft."""
        actor = acting_user(sb, user, request)
        label = f"shot {shot} of {draft_id}: {prompt or 'same prompt'}"
        with running_job(sb, cancel, request, actor.id, "reshoot", label, progress, previews) as job:
            result = sb.storyboards.reshoot(
                actor.id, (draft_id or "").strip(), int(shot or 0), prompt or None,
                int(seed) if seed is not None else -1,
                progress=job.progress, preview=job.preview, cancelled=job.cancelled, job_id=job.id)
        return str(result.video_path), result.to_dict()

    return storyboard_reshoot


def limits_markdown(sb: Sandbox) -> str:
    spec = sb.loader.default_model()
    limits = sb.storyboards.limits(spec.id)
    low, high = limits.shot_seconds
    return (f"**{spec.display_name}**: up to {limits.max_shots} shots of {low:g}–{high:g} s, "
            f"{limits.total_seconds:g} s in all. Each shot opens on the previous shot's last frames.")


def build(shell: Shell) -> None:
    """The Storyboard tab: a table of shots, a style, cameos, an optional first image → one video → draft."""
    sb, user = shell.sb, shell.user
    with gr.Tab("Storyboard", id="storyboard") as tab:
        gr.Markdown(limits_markdown(sb))
        with gr.Row():
            with gr.Column(scale=3):
                shots = gr.Dataframe(EXAMPLE_SHOTS, headers=["prompt", "seconds"], datatype=["str", "number"],
                                     type="array", col_count=(2, "fixed"), label="Shots", interactive=True,
                                     elem_id="storyboard-shots")
                style = gr.Textbox("", label="Style (added to every shot)", placeholder="e.g. flat colours")
                cameo_pick = gr.Dropdown([], value=[], multiselect=True, max_choices=2, label="Cast cameos",
                                         allow_custom_value=True, info="the same people in every shot")
                with gr.Accordion("Start from an image", open=False):
                    image = gr.File(label="First frame (PNG, JPEG, WebP)", file_types=["image"], type="filepath")
                    image_post_id = gr.Textbox("", label="…or the last frame of a post you may remix",
                                               placeholder="p_…")
                with gr.Row():
                    seed = gr.Number(-1, label="Seed", precision=0, info="-1 = random")
                    steps = gr.Slider(1, 100, value=sb.loader.default_model().steps, step=1, label="Steps")
                    sound = gr.Checkbox(bool(sb.loader.default_model().sound), label="Sound",
                                        info="each shot's sound, cross-faded at the joins like the picture",
                                        interactive=bool(sb.loader.default_model().sound))
                with gr.Row():
                    make_btn = gr.Button("Make storyboard", variant="primary")
                    cancel_btn = gr.Button("Cancel storyboard", variant="stop")
            with gr.Column(scale=2):
                preview = gr.Image(label="Live preview (where the current shot is heading)", height=160,
                                   interactive=False, visible=False, elem_id="storyboard-preview")
                video = gr.Video(label="Storyboard", autoplay=True, loop=True, buttons=["download"],
                                 interactive=False, elem_id="storyboard-video")
                with gr.Group():
                    draft_id = gr.Textbox(label="Storyboard draft", placeholder="d_…", elem_id="storyboard-draft")
                    with gr.Row():
                        shot_no = gr.Number(1, label="Shot to make again", precision=0, minimum=1, scale=1)
                        reshoot_prompt = gr.Textbox("", label="New prompt for it (empty: same)", scale=3)
                    reshoot_btn = gr.Button("Re-shoot this shot")
                with gr.Group():
                    remix_policy = gr.Radio(list(REMIX_POLICIES), value="everyone", label="Who may remix")
                    caption = gr.Textbox(label="Storyboard caption", max_length=300)
                    publish_btn = gr.Button("Publish storyboard", variant="secondary")
                summary = gr.Markdown(elem_id="storyboard-summary")
                with gr.Accordion("Details (JSON)", open=False):
                    details = gr.JSON(show_label=False)

    gr.on([*shell.on_persona(), tab.select], usable_choices(sb), [user], cameo_pick, api_visibility="private")
    switch, previews = CancelSwitch(), PreviewBoard()
    event = make_btn.click(make_storyboard(sb, switch, previews),
                           [user, shots, style, cameo_pick, image, image_post_id, seed, steps, sound], [video, details],
                           api_name="storyboard",
                           concurrency_limit=security.GENERATION_WORKERS, concurrency_id="generation")
    reshoot = reshoot_btn.click(make_reshoot(sb, switch, previews), [user, draft_id, shot_no, reshoot_prompt, seed],
                                [video, details],
                                api_name="storyboard_reshoot", concurrency_limit=security.GENERATION_WORKERS,
                                concurrency_id="generation")
    cancel_btn.click(switch.cancel, None, None, cancels=[event, reshoot], api_visibility="private")
    with tab:  # its timer inside the tab: a non-tab child of gr.Tabs shifts every later tab's button
        wire_live_preview(previews, preview, [make_btn, reshoot_btn], [event, reshoot])
    for done in (event, reshoot):
        done.success(lambda d: (d["draft_id"], shots_markdown(sb, d)), details, [draft_id, summary],
                     api_visibility="private")
    clear_on_persona_switch(user, [draft_id, video, details, summary], ["", None, None, ""])
    with_button_busy(publish_btn, "Publishing…", make_publish(sb), [user, draft_id, caption, remix_policy])


def shots_markdown(sb: Sandbox, details: dict) -> str:
    """The generation sentence, then one line per shot: what it shows, how long, its seed."""
    board = (details.get("request") or {}).get("storyboard") or {}
    lines = [details_markdown(sb, details), ""]
    for shot in board.get("shots", []):
        lines.append(f"{shot['index']}. {escape(shot['prompt'])} — {shot['seconds']:g} s, seed {shot['seed']}")
    return "\n".join(lines)
