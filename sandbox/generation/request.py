"""The validated generation request."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, replace

from sandbox.errors import SandboxError
from sandbox.models.cards import ModelSpec

MAX_STEPS = 100
MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate. ``None`` fields take the model card's defaults; ``seed < 0`` picks a random seed.

    >>> GenerationRequest(prompt="a red circle moving right").prompt
    'a red circle moving right'
    """

    prompt: str
    negative_prompt: str = ""
    seed: int = -1
    num_frames: int | None = None
    width: int | None = None
    height: int | None = None
    steps: int | None = None
    guidance: float | None = None
    model: str | None = None
    preset: str | None = None  # a model card preset ("fast"); None or "quality": the card's defaults
    # --- set by the cameo and remix services, recorded with the draft ---
    cameo_ids: tuple[str, ...] = ()
    parent_post_id: str | None = None
    remix_mode: str | None = None  # restyle / extend / recast
    remix_keep: float | None = None  # how much of the original a restyle keeps
    # --- sound (sandbox.sound): None = on where the model card names a sound source ---
    sound: bool | None = None
    sound_prompt: str = ""  # empty: the video prompt
    storyboard: dict | None = None  # set by the storyboard service: style, shots, working copy

    def to_dict(self) -> dict:
        return asdict(self)


def resolve_defaults(request: GenerationRequest, spec: ModelSpec) -> GenerationRequest:
    """Fill every ``None`` from the card and draw a seed when ``seed < 0``."""
    width, height = spec.size.for_aspect(spec.resolutions[spec.default_resolution], spec.default_aspect)
    preset = spec.presets.get(request.preset or "", {})
    return replace(
        request,
        prompt=request.prompt.strip(),
        negative_prompt=(request.negative_prompt or "").strip(),
        seed=request.seed if request.seed is not None and request.seed >= 0 else secrets.randbelow(MAX_SEED),
        num_frames=request.num_frames if request.num_frames is not None else spec.frames.default,
        width=request.width if request.width is not None else width,
        height=request.height if request.height is not None else height,
        steps=request.steps if request.steps is not None else int(preset.get("steps", spec.steps)),
        guidance=request.guidance if request.guidance is not None else float(preset.get("guidance", spec.guidance)),
        model=spec.id,
        preset=request.preset if preset else None,
        sound=bool(spec.sound) if request.sound is None else bool(request.sound),
        sound_prompt=(request.sound_prompt or "").strip(),
    )


def check_inputs(request: GenerationRequest, spec: ModelSpec, max_prompt_chars: int = 500) -> None:
    """Refuse a request the model cannot serve, naming the argument and its bad value."""
    prompt = (request.prompt or "").strip()
    if not prompt:
        raise SandboxError("`prompt` is empty: describe the video you want, e.g. 'a red circle moving right'")
    if len(prompt) > max_prompt_chars:
        raise SandboxError(f"`prompt` must be at most {max_prompt_chars} characters but has {len(prompt)}")
    if len(request.negative_prompt or "") > max_prompt_chars:
        raise SandboxError(f"`negative_prompt` must be at most {max_prompt_chars} characters "
                           f"but has {len(request.negative_prompt)}")
    if request.seed is not None and request.seed > MAX_SEED:
        raise SandboxError(f"`seed` must be at most {MAX_SEED} (or -1 for random) but is {request.seed}")
    if request.num_frames is not None and (msg := spec.frames.check(int(request.num_frames))):
        raise SandboxError(f"{msg} for {spec.label}")
    if request.width is not None and request.height is not None and (
        msg := spec.size.check(int(request.width), int(request.height))
    ):
        raise SandboxError(f"{msg} for {spec.label}")
    if request.preset not in (None, "", "quality", *spec.presets):
        raise SandboxError(f"`preset` must be one of {['quality', *spec.presets]} for {spec.label} "
                           f"but is {request.preset!r}")
    if len(request.sound_prompt or "") > max_prompt_chars:
        raise SandboxError(f"`sound_prompt` must be at most {max_prompt_chars} characters "
                           f"but has {len(request.sound_prompt)}")
    if request.steps is not None and not 1 <= request.steps <= MAX_STEPS:
        raise SandboxError(f"`steps` must be between 1 and {MAX_STEPS} but is {request.steps}")
    if request.guidance is not None and not 0.0 <= request.guidance <= 20.0:
        raise SandboxError(f"`guidance` must be between 0 and 20 but is {request.guidance}")
