"""Create tab callbacks: prompt → video, plus the helpers that keep the form consistent with the model."""

from __future__ import annotations

import gradio as gr

from sandbox.context import Sandbox
from sandbox.generation.request import GenerationRequest
from sandbox.models.cards import ASPECTS
from sandbox.ui.common import acting_user, progress_adapter, user_errors

EXAMPLE_PROMPTS = [
    "a red circle moving right on a blue background",
    "a fox running in the snow at night",
    "a small robot dancing in the rain, city background",
    "a yellow star spinning slowly in the sky",
]


def model_choices(sb: Sandbox) -> list[tuple[str, str]]:
    choices = []
    for spec in sb.registry:
        a = sb.loader.availability(spec)
        choices.append((spec.display_name if a.available else f"{spec.label} (unavailable here)", spec.id))
    return choices


def form_for_model(sb: Sandbox, model_id: str, aspect: str, resolution: str | None):
    """Frame slider, resolution presets, size, steps and guidance that fit the chosen model."""
    spec = sb.registry.get(model_id)
    res = resolution if resolution in spec.resolutions else spec.default_resolution
    width, height = spec.size.for_aspect(spec.resolutions[res], aspect)
    return (
        gr.Slider(minimum=spec.frames.choices()[0], maximum=spec.frames.max, step=spec.frames.multiple_of,
                  value=spec.frames.default),
        gr.Dropdown(choices=list(spec.resolutions), value=res),
        width, height, spec.steps, spec.guidance,
        f"**{spec.display_name}** · {spec.fps} fps · {spec.license} licence · `{spec.repo_id}`",
        gr.Radio(choices=["quality", *spec.presets], value="quality"),
    )


def preset_values(sb: Sandbox, model_id: str, preset: str) -> tuple[int, float]:
    """Steps and guidance of a model card preset ("quality" = the card's defaults)."""
    spec = sb.registry.get(model_id)
    values = spec.presets.get(preset, {})
    return int(values.get("steps", spec.steps)), float(values.get("guidance", spec.guidance))


def size_for(sb: Sandbox, model_id: str, aspect: str, resolution: str) -> tuple[int, int]:
    spec = sb.registry.get(model_id)
    return spec.size.for_aspect(spec.resolutions.get(resolution, spec.resolutions[spec.default_resolution]), aspect)


def make_generate(sb: Sandbox):
    @user_errors
    def generate(user: str, prompt: str, negative_prompt: str = "", seed: int = -1, num_frames: int = 17,
                 width: int = 112, height: int = 64, steps: int = 8, guidance: float = 3.0,
                 model: str = "tiny-wan-vace", preset: str = "quality", cameos: list[str] | None = None,
                 request: gr.Request = None,
                 progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[str, dict]:
        """Generate a video from a prompt and save it as a draft of `user`. `cameos`: up to two cameo ids you
        may use (or write @handle in the prompt). Returns the MP4 and its details."""
        actor = acting_user(sb, user, request)
        req = GenerationRequest(prompt=prompt or "", negative_prompt=negative_prompt or "",
                                seed=int(seed) if seed is not None else -1,
                                num_frames=int(num_frames) if num_frames is not None else None,
                                width=int(width) if width is not None else None,
                                height=int(height) if height is not None else None,
                                steps=int(steps) if steps is not None else None,
                                guidance=float(guidance) if guidance is not None else None, model=model or None,
                                preset=preset or None)
        result = sb.cameos.generate(actor.id, req, list(cameos or []), progress_adapter(progress))
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
        who = f"{actor.avatar} Acting as **@{actor.handle}** ({actor.display_name})"
    except Exception as exc:  # header must always render; it says what is wrong instead
        who = f"⚠️ {exc}"
    return f"{who} &nbsp;·&nbsp; 🎬 {sb.model_status(model_id)}"


def make_header(sb: Sandbox):
    def header(user: str | None, model_id: str | None, request: gr.Request = None) -> str:
        return header_markdown(sb, user, model_id, request)

    return header


ASPECT_NAMES = list(ASPECTS)
