"""Generation as a sequence of small named steps: check → load → run → encode → store."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from sandbox.errors import GenerationCancelled, ModelUnavailable, SandboxError
from sandbox.generation.fairness import FairGate, job_cost
from sandbox.generation.ratelimit import RateLimiter
from sandbox.generation.request import GenerationRequest, check_inputs, resolve_defaults
from sandbox.generation.video import encode_mp4, to_uint8, upscale_for_display
from sandbox.generation.zerogpu import gpu_duration, gpu_task
from sandbox.hooks import Fingerprinter, MarkFrames, Signer, TextCheck
from sandbox.models.cards import ModelSpec
from sandbox.models.loader import LoadedPipeline, ModelLoader
from sandbox.store.db import Database
from sandbox.store.media import MediaStore
from sandbox.store.references import release_media
from sandbox.store.schema import Draft

Progress = Callable[[float, str], None]


def _no_progress(_fraction: float, _desc: str) -> None:
    pass


def cancellable(progress: Progress, cancel: threading.Event) -> Progress:
    """Progress that stops the run once ``cancel`` is set. The pipeline reports after every denoising step
    (``callback_on_step_end``), so the run stops between two steps: the exception leaves the pipeline call,
    its lock is released for the next job, and no draft is saved.

    >>> stop = threading.Event(); report = cancellable(_no_progress, stop)
    >>> report(0.5, "step 1"); stop.set(); report(0.6, "step 2")
    Traceback (most recent call last):
    ...
    sandbox.errors.GenerationCancelled: cancelled at step 2: nothing was saved
    """

    def report(fraction: float, desc: str) -> None:
        if cancel.is_set():
            raise GenerationCancelled(f"cancelled at {desc}: nothing was saved")
        progress(fraction, desc)

    return report


@dataclass
class GenerationResult:
    draft_id: str
    video_path: Path
    seed: int
    model: str
    model_revision: str
    request: dict
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"draft_id": self.draft_id, "seed": self.seed, "model": self.model,
                "model_revision": self.model_revision, "request": self.request, "timings": self.timings}


def run_pipeline(loaded: LoadedPipeline, request: GenerationRequest, progress: Progress = _no_progress,
                 **conditioning) -> np.ndarray:
    """Call the diffusers pipeline; returns (T, H, W, 3) uint8 frames. Calls are serialized per pipeline."""
    import torch

    steps = int(request.steps)

    def on_step_end(_pipe, step: int, _timestep, callback_kwargs: dict) -> dict:
        progress((step + 1) / steps, f"denoising step {step + 1}/{steps}")
        return callback_kwargs

    with loaded.lock:
        out = loaded.pipe(
            prompt=request.prompt,
            negative_prompt=request.negative_prompt or None,
            height=int(request.height), width=int(request.width), num_frames=int(request.num_frames),
            num_inference_steps=steps, guidance_scale=float(request.guidance),
            generator=torch.Generator(device="cpu").manual_seed(int(request.seed)),
            output_type="np", callback_on_step_end=on_step_end, **conditioning,
        )
    return to_uint8(out.frames)


class GenerationService:
    """Turns a :class:`GenerationRequest` into a draft of the acting user.

    >>> service = sandbox.generation  # doctest: +SKIP
    >>> result = service.generate(user_id, GenerationRequest(prompt="a red circle moving right"))  # doctest: +SKIP
    >>> result.video_path.suffix  # doctest: +SKIP
    '.mp4'
    """

    def __init__(self, db: Database, media: MediaStore, loader: ModelLoader, *, max_prompt_chars: int = 500,
                 check_text: TextCheck | None = None, mark: MarkFrames | None = None, sign: Signer | None = None,
                 fingerprint: Fingerprinter | None = None, rate_limiter: RateLimiter | None = None,
                 gate: FairGate | None = None) -> None:
        """``check_text`` moderates prompts; ``mark`` burns the visible watermark into every frame; ``sign``
        writes Content Credentials into every MP4; ``fingerprint`` records perceptual hashes so Verify can
        find the original; ``rate_limiter`` caps generations per user; ``gate`` admits them in turn between
        users and holds each user's queued + running work to a budget. ``None``: that step is skipped."""
        self.db = db
        self.media = media
        self.loader = loader
        self.max_prompt_chars = max_prompt_chars
        self.check_prompt = check_text
        self.mark = mark
        self.sign = sign
        self.fingerprint = fingerprint
        self.rate_limiter = rate_limiter
        self.gate = gate
        self._run_on_gpu = gpu_task(run_pipeline, duration=lambda loaded, req, *a, **k: gpu_duration(
            int(req.num_frames), int(req.steps)))

    # --- steps ---
    def prepare_request(self, request: GenerationRequest) -> tuple[GenerationRequest, ModelSpec]:
        spec = self.loader.spec_for(request.model)
        availability = self.loader.availability(spec)
        if not availability.available:  # say this before complaining about sizes the model would take
            raise ModelUnavailable(availability.reason)
        check_inputs(request, spec, self.max_prompt_chars)
        if "t2v" not in spec.tasks:
            raise SandboxError(f"{spec.label} cannot generate from text; pick another `model`")
        resolved = resolve_defaults(request, spec)
        check_inputs(resolved, spec, self.max_prompt_chars)  # a width without a height meets the card's rule too
        return resolved, spec

    @staticmethod
    def relative_cost(request: GenerationRequest, spec: ModelSpec) -> float:
        """A resolved request's frames × pixels × steps, in units of the card's default video."""
        default = resolve_defaults(GenerationRequest(prompt="-", seed=0), spec)
        cost = job_cost(request.num_frames, request.width, request.height, request.steps)
        return cost / job_cost(default.num_frames, default.width, default.height, default.steps)

    def check_text(self, user_id: str, request: GenerationRequest,
                   allowed_figures: frozenset[str] = frozenset()) -> None:
        """Moderation of the prompts; ``allowed_figures``: names of people whose own cameo is used."""
        if self.check_prompt is None:
            return
        self.check_prompt("prompt", request.prompt, user_id, allowed_figures)
        if request.negative_prompt:
            self.check_prompt("negative_prompt", request.negative_prompt, user_id)

    def encode(self, frames: np.ndarray, fps: int, claims: dict | None = None, parent: Path | None = None) -> str:
        """Encode to MP4 (and sign it) in the media folder, atomically. Returns the content hash."""

        def write(tmp: Path) -> None:
            if self.sign is None:
                encode_mp4(frames, tmp, fps)
                return
            with self.media.temp_path(".mp4") as raw:
                encode_mp4(frames, raw, fps)
                self.sign(raw, tmp, claims or {}, parent)

        return self.media.write(".mp4", write)

    def finish(self, frames: np.ndarray, claims: dict, fps: int,
               parent: Path | None = None) -> tuple[str, np.ndarray]:
        """The watermark, then encode and sign: every video the sandbox writes goes through here. Returns
        the content hash and the frames as written."""
        frames = upscale_for_display(to_uint8(frames))
        if self.mark is not None:
            frames = self.mark(frames, claims)
        return self.encode(frames, fps, claims, parent), frames

    def claims(self, user_id: str, request: GenerationRequest, spec: ModelSpec) -> dict:
        """What the Content Credentials say about a new video."""
        from sandbox.store.schema import User

        with self.db.session() as s:
            creator = s.get(User, user_id)
            handle = creator.handle if creator else user_id
        return self.claims_for(handle, request, spec)

    @staticmethod
    def claims_for(handle: str, request: GenerationRequest, spec: ModelSpec) -> dict:
        import hashlib

        return {"model": spec.repo_id, "model_revision": spec.revision, "creator": f"@{handle}",
                "prompt_sha256": hashlib.sha256(request.prompt.encode()).hexdigest(), "seed": int(request.seed)}

    def save_draft(self, user_id: str, request: GenerationRequest, spec: ModelSpec, sha: str, timings: dict,
                   fingerprint: list[str] | None = None) -> str:
        from sandbox.store.schema import Fingerprint

        try:
            with self.db.session() as s:
                if fingerprint and s.get(Fingerprint, sha) is None:
                    s.add(Fingerprint(media_sha256=sha, hashes={"frames": fingerprint}))
                draft = Draft(user_id=user_id, media_sha256=sha, prompt=request.prompt,
                              negative_prompt=request.negative_prompt, request=request.to_dict(),
                              model_id=spec.repo_id, model_revision=spec.revision, seed=int(request.seed),
                              timings=timings)
                s.add(draft)
                s.flush()
                return draft.id
        except Exception:
            release_media(self.db, self.media, sha)  # no row → no file (unless another row shares it)
            raise

    # --- the whole thing ---
    def generate(self, user_id: str, request: GenerationRequest, progress: Progress = _no_progress,
                 allowed_figures: frozenset[str] = frozenset(), parent: Path | None = None,
                 postprocess: Callable[[np.ndarray], np.ndarray] | None = None, private_prompt: str = "",
                 cancelled: Callable[[], bool] | None = None, **conditioning) -> GenerationResult:
        """Check, wait for a turn, load, run, mark, encode, sign and save a draft. ``conditioning`` goes to the
        pipeline (VACE ``reference_images``, ``video``, ``mask``); ``parent``: the video this one remixes (a
        C2PA ingredient); ``postprocess``: frames → frames before the watermark (a remix that extends its
        original); ``private_prompt``: added to the prompt for the pipeline only (a cameo owner's
        instructions: never stored with the draft or shown); ``cancelled()``: the caller gave up waiting."""
        t0 = time.perf_counter()
        request, spec = self.prepare_request(request)
        self.check_text(user_id, request, allowed_figures)
        cost = self.relative_cost(request, spec)
        if self.gate is not None:
            self.gate.check_budget(user_id, cost)  # before the rate limit counts it
        if self.rate_limiter is not None:
            self.rate_limiter.check(user_id)
        turn = self.gate.admit(user_id, cost, cancelled) if self.gate is not None else nullcontext()
        with turn:
            t_turn = time.perf_counter()
            progress(0.0, f"loading {spec.label}")
            loaded = self.loader.load(spec, preset=request.preset)
            t1 = time.perf_counter()
            pipeline_request = replace(request, prompt=f"{request.prompt} {private_prompt}".strip())
            frames = self._run_on_gpu(loaded, pipeline_request, progress, **conditioning)
        if postprocess is not None:
            frames = postprocess(frames)
        t2 = time.perf_counter()
        claims = self.claims(user_id, request, spec)
        sha, frames = self.finish(frames, claims, spec.fps, parent)
        fingerprint = self.fingerprint(frames) if self.fingerprint else None
        t3 = time.perf_counter()
        timings = {"wait_s": round(t_turn - t0, 4), "load_s": round(t1 - t_turn, 4), "pipeline_s": round(t2 - t1, 4),
                   "encode_s": round(t3 - t2, 4)}
        try:
            progress(1.0, "saving the draft")  # the last moment a Cancel can still stop it
        except GenerationCancelled:
            release_media(self.db, self.media, sha)
            raise
        draft_id = self.save_draft(user_id, request, spec, sha, timings, fingerprint)
        timings["total_s"] = round(time.perf_counter() - t0, 4)
        return GenerationResult(draft_id, self.media.path(sha), int(request.seed), spec.repo_id, spec.revision,
                                request.to_dict(), timings)

    # --- reading drafts (private to their creator) ---
    def drafts_of(self, user_id: str, limit: int = 24) -> list[dict]:
        from sqlalchemy import select

        with self.db.session() as s:
            rows = s.scalars(select(Draft).where(Draft.user_id == user_id)
                             .order_by(Draft.created_at.desc()).limit(limit)).all()
            return [{"draft_id": d.id, "video": str(self.media.path(d.media_sha256)), "prompt": d.prompt,
                     "seed": d.seed, "model": d.model_id, "created_at": d.created_at.isoformat(timespec="seconds")}
                    for d in rows]
