"""Generation as a sequence of small named steps: check → load → run → encode → store."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sandbox.errors import GenerationCancelled, ModelUnavailable, SandboxError
from sandbox.generation.fairness import FairGate, job_cost
from sandbox.generation.preview import PreviewSink
from sandbox.generation.ratelimit import RateLimiter
from sandbox.generation.request import GenerationRequest, check_inputs, resolve_defaults
from sandbox.generation.video import encode_mp4, to_uint8, upscale_for_display
from sandbox.generation.workers import LocalWorkers, WorkerResult, Workers
from sandbox.generation.zerogpu import gpu_duration, gpu_task
from sandbox.hooks import Fingerprinter, InvisibleMark, MarkFrames, Signer, TextCheck
from sandbox.models.cards import ModelSpec
from sandbox.models.loader import LoadedPipeline, ModelLoader
from sandbox.store.db import Database
from sandbox.store.media import MediaStore
from sandbox.store.references import release_media
from sandbox.store.schema import Draft

if TYPE_CHECKING:
    from sandbox.sound.media import Soundtrack
    from sandbox.sound.remix import SoundMaker
    from sandbox.sound.service import SoundService

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
    sound: dict | None = None  # {"model", "seconds", "sample_rate", "source"}; None: silent

    def to_dict(self) -> dict:
        return {"draft_id": self.draft_id, "seed": self.seed, "model": self.model,
                "model_revision": self.model_revision, "request": self.request, "timings": self.timings,
                "sound": self.sound}


def run_pipeline(loaded: LoadedPipeline, request: GenerationRequest, progress: Progress = _no_progress,
                 preview: PreviewSink | None = None, sound_out: list | None = None, **conditioning) -> np.ndarray:
    """Call the diffusers pipeline; returns (T, H, W, 3) uint8 frames. Calls are serialized per pipeline.
    ``preview``: receives a picture of the predicted result every few steps (``sandbox.generation.preview``);
    ``sound_out``: a joint audio+video pipeline's sound (``output.audio``) is appended to it."""
    import torch

    from sandbox.generation.preview import LatentPreview, supported

    steps = int(request.steps)
    live = LatentPreview(loaded.pipe, preview) if preview is not None and supported(loaded.pipe) else None

    def on_step_end(_pipe, step: int, _timestep, callback_kwargs: dict) -> dict:
        if live is not None:
            live.step(step, callback_kwargs["latents"])
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
    if sound_out is not None and getattr(out, "audio", None) is not None:
        sound_out.append(out.audio)
    return to_uint8(out.frames)


class GenerationService:
    """Turns a :class:`GenerationRequest` into a draft of the acting user.

    >>> service = sandbox.generation  # doctest: +SKIP
    >>> result = service.generate(user_id, GenerationRequest(prompt="a red circle moving right"))  # doctest: +SKIP
    >>> result.video_path.suffix  # doctest: +SKIP
    '.mp4'
    """

    def __init__(self, db: Database, media: MediaStore, loader: ModelLoader, *, max_prompt_chars: int = 500,
                 check_text: TextCheck | None = None, mark: MarkFrames | None = None,
                 invisible_mark: InvisibleMark | None = None, sign: Signer | None = None,
                 fingerprint: Fingerprinter | None = None, rate_limiter: RateLimiter | None = None,
                 sound: SoundService | None = None, gate: FairGate | None = None,
                 workers: Workers | None = None) -> None:
        """``check_text`` moderates prompts; ``mark`` burns the visible watermark into every frame;
        ``invisible_mark`` hides a code that leads back to the draft in every frame (and records which file
        carries it); ``sign`` writes Content Credentials into every MP4; ``fingerprint`` records perceptual
        hashes so Verify can find the original; ``rate_limiter`` caps generations per user; ``sound`` makes
        the sound track (sandbox.sound.service); ``gate`` admits generations in turn between users and holds
        each user's queued + running work to a budget; ``workers`` run the pipeline (``None``: in this process,
        sandbox.generation.workers.LocalWorkers; a Ray cluster: RayWorkers). ``None``: that step is skipped."""
        self.db = db
        self.media = media
        self.loader = loader
        self.max_prompt_chars = max_prompt_chars
        self.check_prompt = check_text
        self.mark = mark
        self.invisible_mark = invisible_mark
        self.sign = sign
        self.fingerprint = fingerprint
        self.rate_limiter = rate_limiter
        self.sound = sound
        self.gate = gate
        self._run_on_gpu = gpu_task(run_pipeline, duration=lambda loaded, req, *a, **k: gpu_duration(
            int(req.num_frames), int(req.steps)))
        # late-bound: the in-process path calls whatever `_run_on_gpu` is now (tests replace it)
        self.workers = workers or LocalWorkers(loader, lambda *args, **kwargs: self._run_on_gpu(*args, **kwargs))

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
        if request.sound_prompt:
            self.check_prompt("sound_prompt", request.sound_prompt, user_id, allowed_figures)

    def run(self, user_id: str, spec: ModelSpec, request: GenerationRequest,
            progress: Progress = _no_progress, cancelled: Callable[[], bool] | None = None, job_id: str = "",
            **conditioning) -> WorkerResult:
        """Only the pipeline call of card ``spec`` — loaded by whoever runs it: this process, or the Ray
        workers — after waiting its turn in the fair gate like every generation: for services that make several
        clips into one video (storyboards) and save it themselves. Returns the frames (and a joint pipeline's
        sound). ``job_id``: the tracked job (sandbox.generation.jobs) the turn is for."""
        turn = (self.gate.admit(user_id, self.relative_cost(request, spec), cancelled, job_id)
                if self.gate is not None else nullcontext())
        preview = conditioning.pop("preview", None)
        with turn:
            return self.workers.run(spec, request, progress, preview=preview, conditioning=conditioning)

    def audio_fingerprint(self, sha: str, track: Soundtrack | None):
        """The stored file's audio fingerprint (what a ripped copy of its sound would carry); None when silent
        or fingerprints are off."""
        if track is None or not self.fingerprint:
            return None
        from sandbox.provenance.audio_fingerprint import file_fingerprint

        return file_fingerprint(self.media.path(sha))

    def encode(self, frames: np.ndarray, fps: int, claims: dict | None = None, parent: Path | None = None,
               soundtrack: Soundtrack | None = None, components: list[Path] | None = None) -> str:
        """Encode to MP4 (with its AAC sound track, if any; then sign it — the manifest covers picture and
        sound) in the media folder, atomically. Returns the content hash. ``components``: MP4s this one is
        made of (a storyboard's shots), C2PA ``componentOf`` ingredients."""

        def write(tmp: Path) -> None:
            with self.media.temp_path(".mp4") as raw, self.media.temp_path(".mp4") as with_sound:
                encode_mp4(frames, raw if soundtrack is not None or self.sign else tmp, fps)
                if soundtrack is not None:
                    from sandbox.sound.media import mux_audio

                    mux_audio(raw, soundtrack, with_sound if self.sign else tmp)
                if self.sign is not None:
                    extra = {"components": components} if components else {}
                    self.sign(with_sound if soundtrack is not None else raw, tmp, claims or {}, parent, **extra)

        return self.media.write(".mp4", write)

    def finish(self, frames: np.ndarray, claims: dict, fps: int, parent: Path | None = None,
               soundtrack: Soundtrack | None = None, components: list[Path] | None = None) -> tuple[str, np.ndarray]:
        """The visible watermark, the invisible mark, then encode (with the sound track) and sign: every
        video the sandbox writes goes through here. Returns the content hash and the frames as written."""
        frames = upscale_for_display(to_uint8(frames))
        if self.mark is not None:
            frames = self.mark(frames, claims)
        code = None
        if self.invisible_mark is not None:
            frames, code = self.invisible_mark.embed(frames)
        sha = self.encode(frames, fps, claims, parent, soundtrack, components)
        if code is not None:
            self.invisible_mark.record(code, sha)
        return sha, frames

    def check_sound_source(self, spec: ModelSpec) -> None:
        """Sound was asked of ``spec``: it must have a sound source. Callers that make many frames first (a
        storyboard) call it before they start, so the error comes before the wait."""
        if self.sound is None or not spec.sound:
            raise SandboxError(f"{spec.label} has no sound source; set `sound` off or pick another `model`")

    def make_sound(self, request: GenerationRequest, spec: ModelSpec, num_frames: int,
                   joint_audio: list | None = None, joint_rate: int | None = None) -> Soundtrack | None:
        """The sound stage (sandbox.sound.service): the joint pipeline's own sound, else the card's sound
        model on the sound prompt (default: the prompt) for exactly the video's duration; None when silent.
        ``joint_rate``: the joint sound's sample rate, as the worker that made it said (else asked here)."""
        if not request.sound:
            return None
        self.check_sound_source(spec)
        from sandbox.sound.cards import JOINT
        from sandbox.sound.service import joint_sample_rate, joint_track

        seconds = num_frames / spec.fps
        prompt = request.sound_prompt or request.prompt
        if spec.sound == JOINT:
            if not joint_audio:
                raise SandboxError(f"{spec.label} returned no sound although its card says `sound: joint`")
            rate = joint_rate or joint_sample_rate(self.loader.load(spec, preset=request.preset).pipe)
            return joint_track(joint_audio[0], rate, spec.repo_id, spec.revision, prompt).fitted(seconds)
        return self.sound.make(self.sound.registry.get(spec.sound), prompt, seconds, int(request.seed))

    @staticmethod
    def sound_details(track: Soundtrack | None, source: str = "generated",
                      original: SoundMaker | None = None) -> dict | None:
        """The details' ``sound``: its model, length and rate, how it was made; for a sound from a remix's
        original, the model that made the original's sound (``original_model``)."""
        if track is None:
            return None
        details = {"model": track.model, "model_revision": track.model_revision, "seconds": round(track.seconds, 4),
                   "sample_rate": track.sample_rate, "stored_sample_rate": 48000, "source": source}
        if original is not None:
            details.update(original_model=original.model, original_model_revision=original.revision)
        return details

    @staticmethod
    def sound_claims(track: Soundtrack | None, source: str = "generated", original: SoundMaker | None = None) -> dict:
        """What the Content Credentials say about a video's sound: the model that made it, how (``source``)
        and a hash of its prompt; for a sound kept or continued from a remix's original, also the model that
        made the original's sound (``sound_original_model``); nothing for a silent video.

        >>> from sandbox.sound.media import Soundtrack
        >>> from sandbox.sound.remix import SoundMaker
        >>> track = Soundtrack(np.zeros((1, 8)), 8, "sandbox-local/micro-sound", "r1")
        >>> claims = GenerationService.sound_claims(track, "kept from the original",
        ...                                         SoundMaker("sandbox-local/micro-sound", "r1"))
        >>> claims["sound"], claims["sound_original_model"], claims["sound_original_model_revision"]
        ('kept from the original', 'sandbox-local/micro-sound', 'r1')
        """
        if track is None:
            return {}
        claims = {"sound_model": track.model, "sound_model_revision": track.model_revision, "sound": source,
                  "sound_prompt_sha256": hashlib.sha256((track.prompt or "").encode()).hexdigest()}
        if original is not None:
            claims.update(sound_original_model=original.model, sound_original_model_revision=original.revision)
        return claims

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
                   fingerprint: dict | None = None, audio_fingerprint: list[int] | None = None) -> str:
        from sandbox.store.schema import Fingerprint

        try:
            with self.db.session() as s:
                if fingerprint and s.get(Fingerprint, sha) is None:
                    s.add(Fingerprint(media_sha256=sha, hashes={**fingerprint, **(
                        {"audio": audio_fingerprint} if audio_fingerprint else {})}))
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
                 postprocess: Callable[[np.ndarray], np.ndarray] | None = None,
                 soundtrack: Callable[[np.ndarray], Soundtrack | None] | None = None,
                 preview: PreviewSink | None = None, private_prompt: str = "",
                 cancelled: Callable[[], bool] | None = None, job_id: str = "",
                 **conditioning) -> GenerationResult:
        """Check, wait for a turn, load, run, make the sound, mark, encode, sign and save a draft.
        ``conditioning`` goes to the pipeline (VACE ``reference_images``, ``video``, ``mask``); ``parent``: the
        video this one remixes (a C2PA ingredient); ``postprocess``: frames → frames before the watermark (a
        remix that extends its original); ``soundtrack``: final frames → the sound to use instead of making one
        (a remix keeping its original's); ``preview``: receives a picture of where the run is heading every few
        steps (live preview); ``private_prompt``: added to the prompt for the pipeline only (a cameo owner's
        instructions: never stored with the draft or shown); ``cancelled()``: the caller gave up waiting;
        ``job_id``: the tracked job (sandbox.generation.jobs) this is, so its owner sees its place in line."""
        t0 = time.perf_counter()
        request, spec = self.prepare_request(request)
        self.check_text(user_id, request, allowed_figures)
        cost = self.relative_cost(request, spec)
        if self.gate is not None:
            self.gate.check_budget(user_id, cost)  # before the rate limit counts it
        if self.rate_limiter is not None:
            self.rate_limiter.check(user_id)
        turn = self.gate.admit(user_id, cost, cancelled, job_id) if self.gate is not None else nullcontext()
        with turn:  # the pipeline and the sound model: the work that waits its turn
            t_turn = time.perf_counter()
            progress(0.0, f"loading {spec.label}")
            pipeline_request = replace(request, prompt=f"{request.prompt} {private_prompt}".strip())
            ran = self.workers.run(spec, pipeline_request, progress, preview=preview, conditioning=conditioning)
            frames = ran.frames
            t1 = t_turn + ran.load_s
            if postprocess is not None:
                frames = postprocess(frames)
            t2 = time.perf_counter()
            source, original_sound = "generated", None
            track = soundtrack(frames) if soundtrack is not None and request.sound else None
            if track is not None:  # sandbox.sound.remix says how, and which model made the original's sound
                source = getattr(soundtrack, "source", "from the original")
                original_sound = getattr(soundtrack, "original", None)
            elif request.sound:
                track = self.make_sound(request, spec, len(frames), [ran.audio] if ran.audio is not None else [],
                                        ran.sample_rate)
            t_sound = time.perf_counter()
        claims = {**self.claims(user_id, request, spec), **self.sound_claims(track, source, original_sound)}
        sha, frames = self.finish(frames, claims, spec.fps, parent, track)
        fingerprint = self.fingerprint(frames) if self.fingerprint else None
        audio_fingerprint = self.audio_fingerprint(sha, track)
        t3 = time.perf_counter()
        timings = {"wait_s": round(t_turn - t0, 4), "load_s": round(t1 - t_turn, 4),
                   "pipeline_s": round(t2 - t1, 4), "sound_s": round(t_sound - t2, 4),
                   "encode_s": round(t3 - t_sound, 4)}
        if ran.worker != "local":  # which Ray worker made it, and what the trip there and back added
            timings.update(worker=ran.worker, hop_s=round(ran.hop_s, 4))
        try:
            progress(1.0, "saving the draft")  # the last moment a Cancel can still stop it
        except GenerationCancelled:
            release_media(self.db, self.media, sha)
            raise
        draft_id = self.save_draft(user_id, request, spec, sha, timings, fingerprint, audio_fingerprint)
        timings["total_s"] = round(time.perf_counter() - t0, 4)
        return GenerationResult(draft_id, self.media.path(sha), int(request.seed), spec.repo_id, spec.revision,
                                request.to_dict(), timings, self.sound_details(track, source, original_sound))

    # --- reading drafts (private to their creator) ---
    def drafts_of(self, user_id: str, limit: int = 24) -> list[dict]:
        from sqlalchemy import select

        with self.db.session() as s:
            rows = s.scalars(select(Draft).where(Draft.user_id == user_id)
                             .order_by(Draft.created_at.desc()).limit(limit)).all()
            return [{"draft_id": d.id, "video": str(self.media.path(d.media_sha256)), "prompt": d.prompt,
                     "seed": d.seed, "model": d.model_id, "created_at": d.created_at.isoformat(timespec="seconds")}
                    for d in rows]
