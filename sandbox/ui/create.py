"""Create tab: prompt → video → draft → publish, and the helpers that keep the form consistent with the model."""

from __future__ import annotations

import re
import secrets

import gradio as gr

from sandbox.context import Sandbox
from sandbox.generation.request import MAX_SEED, GenerationRequest
from sandbox.models.cards import ASPECTS
from sandbox.social.posts import REMIX_POLICIES
from sandbox.social.text import escape
from sandbox.ui import security
from sandbox.ui.cameo import usable_choices as cameo_choices_for
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
from sandbox.ui.shell import Shell


def model_choices(sb: Sandbox) -> list[tuple[str, str]]:
    choices = []
    for spec in sb.registry:
        a = sb.loader.availability(spec)
        choices.append((spec.display_name if a.available else f"{spec.label} (unavailable here)", spec.id))
    return choices


def form_for_model(sb: Sandbox, model_id: str, aspect: str, resolution: str | None):
    """Frame slider, resolution presets (untrained ones marked experimental), size, steps, guidance and example
    prompts that fit the chosen model."""
    spec = sb.registry.get(model_id)
    res = resolution if resolution in spec.resolutions else spec.default_resolution
    width, height = spec.size.for_aspect(spec.resolutions[res], aspect)
    return (
        gr.Slider(minimum=spec.frames.choices()[0], maximum=spec.frames.max, step=spec.frames.multiple_of,
                  value=spec.frames.default, info=spec.frames_note()),
        gr.Dropdown(choices=spec.resolution_choices(), value=res),
        width, height, spec.steps, spec.guidance,
        f"**{spec.display_name}** · {spec.fps} fps · {spec.license} licence · `{spec.repo_id}`",
        gr.Radio(choices=["quality", *spec.presets], value="quality"),
        gr.Dataset(samples=[[e] for e in spec.examples]),
    )


def preset_values(sb: Sandbox, model_id: str, preset: str) -> tuple[int, float]:
    """Steps and guidance of a model card preset ("quality" = the card's defaults)."""
    spec = sb.registry.get(model_id)
    values = spec.presets.get(preset, {})
    return int(values.get("steps", spec.steps)), float(values.get("guidance", spec.guidance))


def size_for(sb: Sandbox, model_id: str, aspect: str, resolution: str) -> tuple[int, int]:
    spec = sb.registry.get(model_id)
    return spec.size.for_aspect(spec.resolutions.get(resolution, spec.resolutions[spec.default_resolution]), aspect)


def make_generate(sb: Sandbox, cancel: CancelSwitch | None = None, previews: PreviewBoard | None = None):
    cancel = cancel or CancelSwitch()
    previews = previews or PreviewBoard()

    @user_errors
    def generate(user: str, prompt: str, negative_prompt: str = "", seed: int = -1, num_frames: int = 17,
                 width: int = 112, height: int = 64, steps: int = 8, guidance: float = 3.0,
                 model: str = "tiny-wan-vace", preset: str = "quality", cameos: list[str] | None = None,
                 sound: bool = True, sound_prompt: str = "", request: gr.Request = None,
                 progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[str, dict]:
        """Generate a video from a prompt and save it as a draft of `user`. `cameos`: up to two cameo ids you
        may use (or write @handle in the prompt). `sound`: give it sound where the model has a sound source;
        `sound_prompt`: what it should sound like (default: the prompt). Returns the MP4 and its details."""
        actor = acting_user(sb, user, request)
        req = GenerationRequest(prompt=prompt or "", negative_prompt=negative_prompt or "",
                                seed=int(seed) if seed is not None else -1,
                                num_frames=int(num_frames) if num_frames is not None else None,
                                width=int(width) if width is not None else None,
                                height=int(height) if height is not None else None,
                                steps=int(steps) if steps is not None else None,
                                guidance=float(guidance) if guidance is not None else None, model=model or None,
                                preset=preset or None, sound=sound_wanted(sound),
                                sound_prompt=sound_prompt or "")
        with running_job(sb, cancel, request, actor.id, "video", req.prompt, progress, previews) as job:
            result = sb.cameos.generate(actor.id, req, list(cameos or []), job.progress, cancelled=job.cancelled,
                                        job_id=job.id, preview=job.preview)  # the Queue tab shows it, with preview
        return str(result.video_path), result.to_dict()

    return generate


def make_my_drafts(sb: Sandbox):
    @user_errors
    def my_drafts(user: str, request: gr.Request = None) -> list[tuple[str, str]]:
        """The acting user's drafts, newest first, as (video, caption) pairs."""
        actor = acting_user(sb, user, request)
        return [(d["video"], f"{d['draft_id']} · {d['prompt'][:60]}") for d in sb.generation.drafts_of(actor.id)]

    return my_drafts


def header_markdown(sb: Sandbox, user: str | None, model_id: str | None = None,
                    request: gr.Request | None = None) -> str:
    """"Acting as @ana · tiny offline model · cpu" — who acts and which model/placement generates."""
    try:
        actor = acting_user(sb, user, request)
        who = f"{actor.avatar} Acting as **@{escape(actor.handle)}** ({escape(actor.display_name)})"
    except Exception as exc:  # header must always render; it says what is wrong instead
        who = f"⚠️ {escape(str(exc))}"
    return f"{who} &nbsp;·&nbsp; 🎬 {sb.model_status(model_id)}"


def make_header(sb: Sandbox):
    def header(user: str | None, model_id: str | None, request: gr.Request = None) -> str:
        return header_markdown(sb, user, model_id, request)

    return header





def build(shell: Shell) -> None:
    """The Create tab: prompt and model form → video → draft → publish; my drafts."""
    sb, user = shell.sb, shell.user
    spec = sb.loader.default_model()
    d_width, d_height = spec.size.for_aspect(spec.resolutions[spec.default_resolution], spec.default_aspect)
    with gr.Tab("Create", id="create") as tab:
        with gr.Row():
            with gr.Column(scale=3):
                prompt = gr.Textbox(label="Prompt", lines=3, max_length=sb.config.max_prompt_chars,
                                    placeholder="Describe your video…")
                examples = gr.Examples([[e] for e in spec.examples], inputs=[prompt], label="Try one")
                cameo_pick = gr.Dropdown([], value=[], multiselect=True, max_choices=2, label="Cast cameos",
                                         allow_custom_value=True,
                                         info="people who let you cast them · or write @handle in the prompt")
                negative_prompt = gr.Textbox("", label="Negative prompt", placeholder="what to avoid")
                with gr.Row():
                    sound = gr.Checkbox(True, label="Sound", scale=1,
                                        info="a sound track where the model has a sound source")
                    sound_prompt = gr.Textbox("", label="Sound prompt", scale=3,
                                              placeholder="what it sounds like (default: the prompt)")
                with gr.Row():
                    model = gr.Dropdown(model_choices(sb), value=spec.id, label="Model", scale=2)
                    aspect = gr.Radio(list(ASPECTS), value=spec.default_aspect, label="Aspect")
                    resolution = gr.Dropdown(spec.resolution_choices(), value=spec.default_resolution,
                                             label="Resolution")
                model_info = gr.Markdown()
                preset = gr.Radio(["quality", *spec.presets], value="quality", label="Preset",
                                  info="fast: fewer steps, from the model card")
                with gr.Accordion("Advanced", open=False):
                    with gr.Row():
                        seed = gr.Number(-1, label="Seed", precision=0, info="-1 = random")
                        randomize = gr.Button("🎲 random seed", scale=0)
                    num_frames = gr.Slider(spec.frames.choices()[0], spec.frames.max, value=spec.frames.default,
                                           step=spec.frames.multiple_of, label="Frames", info=spec.frames_note())
                    with gr.Row():
                        width = gr.Number(d_width, label="Width", precision=0)
                        height = gr.Number(d_height, label="Height", precision=0)
                    with gr.Row():
                        steps = gr.Slider(1, 100, value=spec.steps, step=1, label="Steps")
                        guidance = gr.Slider(0, 20, value=spec.guidance, step=0.5, label="Guidance")
                with gr.Row():
                    generate_btn = gr.Button("Generate", variant="primary")
                    cancel_btn = gr.Button("Cancel", variant="stop")
            with gr.Column(scale=2):
                preview = gr.Image(label="Live preview (where the video is heading) — Cancel if it goes wrong",
                                   height=160, interactive=False, visible=False, elem_id="create-preview")
                video = gr.Video(label="Result", autoplay=True, loop=True, buttons=["download"], interactive=False)
                with gr.Group():
                    with gr.Row():
                        draft_id = gr.Textbox(label="Draft to publish", placeholder="d_… — or click one in My drafts",
                                          scale=1)
                        remix_policy = gr.Radio(list(REMIX_POLICIES), value="everyone", label="Who may remix",
                                                scale=2)
                    caption = gr.Textbox(label="Caption", max_length=300, placeholder="Say something about it")
                    publish_btn = gr.Button("Publish to the feed", variant="secondary")
                summary = gr.Markdown()
                with gr.Accordion("Details (JSON)", open=False):
                    details = gr.JSON(show_label=False)
        gr.Markdown("### My drafts <small>click one to publish it</small>")
        drafts = gr.Gallery(label="My drafts", columns=6, height=220, object_fit="cover", show_label=False)

    # the form follows the model card
    form = [num_frames, resolution, width, height, steps, guidance, model_info, preset, examples.dataset]
    gr.on([shell.demo.load, model.change], lambda m, a, r: form_for_model(sb, m, a, r), [model, aspect, resolution],
          form, api_visibility="private")
    gr.on([aspect.change, resolution.change], lambda m, a, r: size_for(sb, m, a, r), [model, aspect, resolution],
          [width, height], api_visibility="private")
    preset.input(lambda m, p: preset_values(sb, m, p), [model, preset], [steps, guidance], api_visibility="private")
    randomize.click(random_seed, None, seed, api_visibility="private")
    gr.on([*shell.on_persona(), model.change], make_header(sb), [user, model], shell.header,
          api_visibility="private", trigger_mode="always_last")
    gr.on([*shell.on_persona(), tab.select], cameo_choices_for(sb), [user], cameo_pick, api_visibility="private",
          trigger_mode="always_last")

    # generate → draft → publish
    switch, previews = CancelSwitch(), PreviewBoard()
    my_drafts = make_my_drafts(sb)
    gr.on(shell.on_persona(), my_drafts, [user], drafts, api_name="my_drafts", trigger_mode="always_last")
    generate_run = generate_btn.click(
        make_generate(sb, switch, previews),
        [user, prompt, negative_prompt, seed, num_frames, width, height, steps, guidance, model, preset, cameo_pick,
         sound, sound_prompt],
        [video, details], api_name="generate", concurrency_id="generation",
        concurrency_limit=security.GENERATION_WORKERS,  # they wait in the fair gate, which picks the order
    )
    generate_event = generate_run.success(my_drafts, [user], drafts, api_name="refresh_drafts",
                                          api_visibility="private")
    cancel_btn.click(switch.cancel, None, None, cancels=[generate_run, generate_event],
                     api_visibility="private")
    with tab:  # its timer inside the tab: a non-tab child of gr.Tabs shifts every later tab's button
        wire_live_preview(previews, preview, [generate_btn], [generate_run])  # also when it fails
    generate_event.success(lambda d: (d["draft_id"], details_markdown(sb, d)), details, [draft_id, summary],
                           api_visibility="private")
    drafts.select(pick_draft, None, draft_id, api_visibility="private")
    clear_on_persona_switch(user, [draft_id, video, details, summary], ["", None, None, ""])
    with_button_busy(publish_btn, "Publishing…", make_publish(sb), [user, draft_id, caption, remix_policy])


def with_button_busy(button: gr.Button, busy_label: str, fn, inputs: list) -> None:
    """Click → the button is disabled and says what it is doing until ``fn`` is done (a second click while
    it works does nothing), then it is back — also after an error."""
    label = button.value
    button.click(lambda: gr.Button(value=busy_label, interactive=False), None, button, api_visibility="private"
                 ).then(fn, inputs, None, api_visibility="private").then(
        lambda: gr.Button(value=label, interactive=True), None, button, api_visibility="private")


def pick_draft(evt: gr.SelectData) -> str:
    """The draft id of the clicked thumbnail in My drafts (its caption starts with it)."""
    found = re.search(r"\bd_[0-9a-z]+", str(evt.value))
    return found.group(0) if found else ""


def random_seed() -> int:
    return secrets.randbelow(MAX_SEED)


def make_publish(sb: Sandbox):
    @user_errors
    def publish_draft(user: str, draft_id: str, caption: str, remix_policy: str, request: gr.Request = None) -> None:
        actor = acting_user(sb, user, request)
        if not (draft_id or "").strip():
            raise gr.Error("pick a draft first: click one in My drafts (or generate one)")
        post = sb.posts.publish(actor.id, draft_id.strip(), caption, remix_policy)
        if post["already_published"]:
            gr.Info(f"This draft is already published as {post['post_id']} — one post per draft")
        else:
            gr.Info(f"Published {post['post_id']} — your friends will see it first in their feeds")

    return publish_draft
