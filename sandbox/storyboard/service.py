"""Storyboards: shots made in order, each continuing the previous one's last frames, stitched into ONE draft.

Steps: ``check`` (shots against the card's limits, every prompt through moderation, cameo consent — all before
anything runs, so a refusal stores nothing) → ``start_image`` (an upload or a frame of a post you may remix;
a face in it that is someone's cameo is a use of that cameo) → ``shoot`` each shot (VACE video + mask: the
first from the image, the others from the previous shot's end, as remix "extend" does) → ``stitch`` → one
draft, signed with each shot as a ``componentOf`` ingredient. ``reshoot`` regenerates one shot between its two
kept ends and leaves the other shots' frames as they were.

>>> board = sb.storyboards.create(ana.id, [Shot("a red circle moving right on a blue background", 1.0),
...                                        Shot("a red circle moving up on a blue background", 1.0)])  # doctest: +SKIP
>>> [s["prompt"] for s in board.request["storyboard"]["shots"]]  # doctest: +SKIP
['a red circle moving right on a blue background', 'a red circle moving up on a blue background']
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sqlalchemy import select

from sandbox.cameo.consent import check_use
from sandbox.cameo.service import CameoService
from sandbox.errors import NotFound, SandboxError
from sandbox.generation.preview import PreviewSink
from sandbox.generation.request import GenerationRequest
from sandbox.generation.service import GenerationResult, GenerationService, Progress, _no_progress
from sandbox.generation.video import read_frames, upscale_for_display
from sandbox.generation.workers import WorkerResult
from sandbox.models.cards import ModelSpec
from sandbox.remix.conditioning import RemixConditioning
from sandbox.remix.service import RemixService
from sandbox.sound.media import Soundtrack
from sandbox.store.db import Database
from sandbox.store.media import MediaStore
from sandbox.store.schema import Cameo, Draft, User
from sandbox.storyboard.conditioning import (
    bridge_conditioning,
    carried_frames,
    continue_conditioning,
    first_frame_conditioning,
)
from sandbox.storyboard.image import StartImage, cameos_in_image, load_image
from sandbox.storyboard.shots import (
    OVERLAP_FRAMES,
    Shot,
    StoryboardLimits,
    check_shots,
    parse_shots,
    shot_frames,
    style_prompt,
)
from sandbox.storyboard.sound import join_sound, resampled, splice_sound

WORKING_COPY = ".npz"  # the storyboard's frames before the watermark, kept privately for re-shoots


@dataclass
class PlannedShot:
    """A shot checked and ready to generate: its request and where its frames go in the stitched video."""

    shot: Shot
    request: GenerationRequest
    begin: int = 0  # index in the stitched video of this shot's first generated frame
    carried: int = 0  # how many of its first frames repeat frames already there (not new)
    overlap: int = 0  # how many frames after those are cross-faded with the previous shot's last frames

    @property
    def frames(self) -> int:
        return int(self.request.num_frames)

    def record(self, index: int) -> dict:
        return {"index": index, "prompt": self.shot.prompt, "seconds": self.shot.seconds,
                "seed": int(self.request.seed), "frames": self.frames, "begin": self.begin, "carried": self.carried,
                "overlap": self.overlap,
                "prompt_sha256": hashlib.sha256(self.request.prompt.encode()).hexdigest()}


class StoryboardService:
    def __init__(self, db: Database, media: MediaStore, private: MediaStore, generation: GenerationService,
                 cameos: CameoService, remixes: RemixService) -> None:
        self.db = db
        self.media = media
        self.private = private  # working copies: never served by URL
        self.generation = generation
        self.cameos = cameos
        self.remixes = remixes
        self._in_flight: set[str] = set()  # working copies written whose draft is not saved yet
        self._in_flight_lock = threading.Lock()

    def limits(self, model: str | None = None) -> StoryboardLimits:
        return StoryboardLimits.for_card(self.generation.loader.spec_for(model))

    # ------------------------------------------------------------------ steps
    def start_image(self, s, actor_id: str, image: Path | str | None, image_post_id: str | None,
                    size: tuple[int, int]) -> StartImage | None:
        """The first frame: an uploaded image, or the last frame of a post the actor may remix (which makes
        the storyboard a remix of that post, with its cameos)."""
        if image_post_id:
            if image:
                raise SandboxError("give either `image` or `image_post_id`, not both")
            original = self.remixes.load_original(s, actor_id, image_post_id)
            frame = read_frames(original.path)[-1]
            return replace(load_image(frame, size), parent=original.path, parent_post_id=original.post_id,
                           cameo_ids=list(original.cameo_ids))
        if image:
            return load_image(image, size)
        return None

    def cast(self, s, actor_id: str, refs: list[str], shots: list[Shot], start: StartImage | None) -> list[Cameo]:
        """Cameos named, @mentioned in any shot, carried by the post the image comes from, or whose face is in
        the image — each one checked for consent (a face in the image is a use of that cameo)."""
        chosen = {c.id: c for c in self.cameos.resolve(s, actor_id, refs, " ".join(x.prompt for x in shots))}
        if start is not None:
            found = cameos_in_image(s, start)
            for cameo in [*(s.get(Cameo, c) for c in start.cameo_ids), *found]:
                if cameo is None:
                    raise SandboxError("the post this image comes from shows a cameo that was deleted")
                check_use(s, cameo, actor_id)
                chosen.setdefault(cameo.id, cameo)
        if len(chosen) > self.cameos.config.max_per_video:
            raise SandboxError(f"`cameos`: at most {self.cameos.config.max_per_video} cameos per video but the "
                               f"storyboard has {len(chosen)}")
        return list(chosen.values())

    def plan(self, actor_id: str, shots: list[Shot], style: str, base: GenerationRequest,
             start: StartImage | None, allowed: frozenset[str]) -> list[PlannedShot]:
        """Each shot's request (validated by the card, prompts moderated) and its place in the stitched video."""
        spec = self.generation.loader.spec_for(base.model)
        planned, end = [], 0
        for i, shot in enumerate(shots):
            if i == 0:
                carried = 1 if start is not None else 0  # the image is frame 0
                n = shot_frames(shot.seconds, spec.fps, carried, spec.frames)
            else:  # how many frames are carried depends on the length, which depends on them: settle it twice
                n = shot_frames(shot.seconds, spec.fps, carried_frames(
                    shot_frames(shot.seconds, spec.fps, 0, spec.frames)), spec.frames)
                carried = carried_frames(n)
            overlap = 0 if i == 0 else max(0, min(OVERLAP_FRAMES, n - carried - 1, end - carried))
            seed = shot.seed if shot.seed >= 0 else (base.seed + i if base.seed >= 0 else -1)
            request = replace(base, prompt=style_prompt(shot, style), seed=seed, num_frames=n)
            request, _ = self.generation.prepare_request(request)
            self.generation.check_text(actor_id, request, allowed)
            begin = end - carried - overlap if i else 0
            planned.append(PlannedShot(shot, request, begin=begin, carried=carried, overlap=overlap))
            end = begin + n
        return planned

    def shoot(self, actor_id: str, spec: ModelSpec, plan: PlannedShot, cond: RemixConditioning | None,
              references: list, progress: Progress, preview: PreviewSink | None = None,
              cancelled: Callable[[], bool] | None = None, job_id: str = "") -> WorkerResult:
        kwargs = cond.pipeline_kwargs() if cond is not None else {}
        if references:
            kwargs["reference_images"] = references
        return self.generation.run(actor_id, spec, plan.request, progress, cancelled, job_id, preview=preview,
                                   **kwargs)

    def shot_sound(self, plan: PlannedShot, spec: ModelSpec, ran: WorkerResult) -> Soundtrack:
        """One shot's sound, exactly as long as its frames: the joint pipeline's own, else the card's sound model
        on the shot's prompt (the sound stage of sandbox.generation, which fits it to the frames)."""
        return self.generation.make_sound(replace(plan.request, sound=True), spec, len(ran.frames),
                                          [ran.audio] if ran.audio is not None else [], ran.sample_rate)

    def sign_and_save(self, actor_id: str, plans: list[PlannedShot], stitched: np.ndarray, summary: GenerationRequest,
                      spec, start: StartImage | None, timings: dict,
                      sound: Soundtrack | None = None) -> GenerationResult:
        """Working copy, then one draft: watermark, MP4 (with ``sound``), C2PA with a ``componentOf`` ingredient
        per shot."""
        t0 = time.perf_counter()
        if sound is not None:
            sound = sound.fitted(len(stitched) / spec.fps)
        working = self.private.put_bytes(npz_bytes(stitched, sound), WORKING_COPY)
        with self._in_flight_lock:
            self._in_flight.add(working)
        try:
            shots = [p.record(i + 1) for i, p in enumerate(plans)]
            request = replace(summary, num_frames=len(stitched),  # the whole video's (each shot's are in `shots`)
                              sound=sound is not None,
                              storyboard={**summary.storyboard, "shots": shots, "working_copy": working})
            claims = {**self.generation.claims(actor_id, request, spec), **self.generation.sound_claims(sound)}
            claims["shots"] = [{k: v for k, v in s.items() if k != "prompt"} for s in shots]  # hashes, not words
            with tempfile.TemporaryDirectory(prefix="sandbox-shots-") as folder:
                tmp = Path(folder)
                components = [self.shot_clip(actor_id, stitched, p, i + 1, spec, tmp) for i, p in enumerate(plans)]
                sha, frames = self.generation.finish(stitched, claims, spec.fps, start.parent if start else None,
                                                     sound, components=components)
            fingerprint = self.generation.fingerprint(frames) if self.generation.fingerprint else None
            audio_fingerprint = self.generation.audio_fingerprint(sha, sound)
            timings["encode_s"] = round(time.perf_counter() - t0, 4)
            try:
                draft_id = self.generation.save_draft(actor_id, request, spec, sha, timings, fingerprint,
                                                      audio_fingerprint)
            except Exception:
                self.private.delete(working, WORKING_COPY)
                raise
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(working)
        if request.cameo_ids:
            self.cameos.record_draft_uses(actor_id, draft_id, list(request.cameo_ids))
        return GenerationResult(draft_id, self.media.path(sha), int(request.seed), spec.repo_id, spec.revision,
                                request.to_dict(), timings, self.generation.sound_details(sound))

    def release_orphaned_working_copies(self, _deleted: Path | None = None) -> int:
        """A storyboard's private working copy lives only as long as a draft names it. Called when any media
        file is deleted (every take-down ends there, after the rows are gone): removes the copies no draft
        names any more, except those of storyboards still being saved. Returns how many were removed."""
        named = named_working_copies(self.db)
        with self._in_flight_lock:
            keep = named | self._in_flight
            orphans = [p.stem for p in self.private.root.rglob(f"*{WORKING_COPY}") if p.stem not in keep]
            for sha in orphans:
                self.private.delete(sha, WORKING_COPY)
        return len(orphans)

    def shot_clip(self, actor_id: str, stitched: np.ndarray, plan: PlannedShot, index: int, spec,
                  folder: Path) -> Path:
        """One shot as its own small signed MP4 (an ingredient of the whole): its claims say which shot."""
        from sandbox.generation.video import encode_mp4

        frames = upscale_for_display(stitched[plan.begin + plan.carried if index > 1 else 0:
                                              plan.begin + plan.frames])
        raw, signed = folder / f"shot-{index}.raw.mp4", folder / f"shot-{index}.mp4"
        encode_mp4(frames, raw, spec.fps)
        if self.generation.sign is None:
            return raw
        claims = {**self.generation.claims(actor_id, plan.request, spec), "shot": index}
        self.generation.sign(raw, signed, claims, None)
        return signed

    # ------------------------------------------------------------------ the whole thing
    def create(self, actor_id: str, shots: list, style: str = "", cameos: list[str] | None = None,
               image: Path | str | None = None, image_post_id: str | None = None, seed: int = -1,
               negative_prompt: str = "", steps: int | None = None, model: str | None = None,
               sound: bool | None = None, progress: Progress = _no_progress, preview: PreviewSink | None = None,
               cancelled: Callable[[], bool] | None = None, job_id: str = "") -> GenerationResult:
        """Make every shot in order, each continuing from the previous one, and keep ONE draft of them all.
        ``sound``: each shot's sound, joined like its frames (None: where the card has a sound source);
        ``cancelled()``: the caller gave up (a shot waiting for its turn leaves the line); ``job_id``: the tracked
        job (sandbox.generation.jobs) this storyboard is."""
        t0 = time.perf_counter()
        shots = parse_shots(shots)
        spec = self.generation.loader.spec_for(model)
        sound = bool(spec.sound) if sound is None else bool(sound)
        if sound:
            self.generation.check_sound_source(spec)
        check_shots(shots, style, StoryboardLimits.for_card(spec), self.generation.max_prompt_chars)
        if (len(shots) > 1 or image or image_post_id) and "v2v" not in spec.tasks:
            raise SandboxError(f"`model` {spec.label} cannot continue a video or start from an image: "
                               "pick a Wan VACE model")
        width, height = spec.size.for_aspect(spec.resolutions[spec.default_resolution], spec.default_aspect)
        with self.db.session() as s:
            start = self.start_image(s, actor_id, image, image_post_id, (width, height))
            chosen = self.cast(s, actor_id, list(cameos or []), shots, start)
            owners = [s.get(User, c.owner_id) for c in chosen]
            instructions = owner_instructions(chosen, owners)
        if chosen and "r2v" not in spec.tasks:
            raise SandboxError(f"`model` {spec.label} cannot cast cameos: pick a Wan VACE model")
        cast_style = "; ".join(filter(None, [(style or "").strip(), *instructions]))
        base = GenerationRequest(prompt=" / ".join(x.prompt.strip() for x in shots), negative_prompt=negative_prompt,
                                 seed=int(seed), width=width, height=height, steps=steps, model=spec.id,
                                 cameo_ids=tuple(c.id for c in chosen),
                                 parent_post_id=start.parent_post_id if start else None,
                                 storyboard={"style": style, "start_image": "post" if image_post_id else
                                             ("upload" if image else None)})
        summary, _ = self.generation.prepare_request(
            replace(base, prompt=base.prompt[:self.generation.max_prompt_chars]))
        base = replace(base, seed=summary.seed)
        allowed = frozenset(n for u in owners for n in (u.display_name.casefold(), u.handle))
        plans = self.plan(actor_id, shots, cast_style, base, start, allowed)
        if self.generation.rate_limiter is not None:
            self.generation.rate_limiter.check(actor_id)
        progress(0.0, f"loading {spec.label}")
        self.generation.workers.prepare(spec)  # where the shots run: this process or the Ray workers
        references = self.cameos.reference_images(chosen) if chosen else []
        t1 = time.perf_counter()
        stitched, audio, track = None, None, None
        for i, plan in enumerate(plans):
            shot_progress = scaled(progress, i, len(plans))
            if i == 0:
                cond = first_frame_conditioning(start.pixels, plan.frames) if start is not None else None
            else:
                cond = continue_conditioning(stitched[:len(stitched) - plan.overlap], plan.frames, plan.carried)
            ran = self.shoot(actor_id, spec, plan, cond, references, shot_progress, preview, cancelled, job_id)
            frames = ran.frames
            if i == 0:
                stitched = frames if start is None else np.concatenate([start.pixels[None], frames[1:]])
            else:
                stitched = join(stitched, frames, plan.carried, plan.overlap)
            if sound:
                track = self.shot_sound(plan, spec, ran)
                rate = track.sample_rate if audio is None else audio.sample_rate  # the first shot's
                samples = resampled(track.samples, track.sample_rate, rate)
                audio = replace(track, samples=samples) if audio is None else replace(audio, samples=join_sound(
                    audio.samples, samples, audio.sample_rate, spec.fps, plan.carried, plan.overlap))
        timings = {"load_s": round(t1 - t0, 4), "pipeline_s": round(time.perf_counter() - t1, 4)}
        if audio is not None:
            audio = replace(audio, prompt=summary.prompt)
        result = self.sign_and_save(actor_id, plans, stitched, summary, spec, start, timings, audio)
        result.timings["total_s"] = round(time.perf_counter() - t0, 4)
        return result

    def reshoot(self, actor_id: str, draft_id: str, shot: int, prompt: str | None = None, seed: int = -1,
                progress: Progress = _no_progress, preview: PreviewSink | None = None,
                cancelled: Callable[[], bool] | None = None, job_id: str = "") -> GenerationResult:
        """A new draft where shot ``shot`` (1-based) is made again — with a new prompt if given — between the
        previous shot's end and the next shot's beginning, which are kept; every other shot is unchanged."""
        t0 = time.perf_counter()
        with self.db.session() as s:
            draft = s.get(Draft, draft_id or "")
            if draft is None or draft.user_id != actor_id:
                raise NotFound(f"no draft {draft_id!r} of yours")
            request_dict = dict(draft.request or {})
            board = request_dict.get("storyboard")
            if not board or not board.get("working_copy"):
                raise SandboxError(f"draft {draft_id} is not a storyboard: re-shoot works on storyboard drafts")
            cameo_rows = [s.get(Cameo, c) for c in request_dict.get("cameo_ids") or []]
            for cameo in cameo_rows:  # consent is asked again: it may have been withdrawn since
                if cameo is None:
                    raise SandboxError("a cameo in this storyboard was deleted: it cannot be re-shot")
                check_use(s, cameo, actor_id)
            owners = [s.get(User, c.owner_id) for c in cameo_rows]
        shots = board["shots"]
        if not isinstance(shot, int) or not 1 <= shot <= len(shots):
            raise SandboxError(f"`shot` must be between 1 and {len(shots)} but is {shot!r}")
        try:
            stitched, audio = working_copy(self.private, board["working_copy"])
        except FileNotFoundError as exc:
            raise SandboxError(f"draft {draft_id}'s working copy is gone: make the storyboard again") from exc
        fields = GenerationRequest.__dataclass_fields__
        base = GenerationRequest(**{k: v for k, v in request_dict.items() if k in fields})
        base = replace(base, cameo_ids=tuple(base.cameo_ids or ()))
        spec = self.generation.loader.spec_for(base.model)
        old = shots[shot - 1]
        new_shot = Shot((prompt or "").strip() or old["prompt"], old["seconds"], int(seed))
        check_shots([new_shot], board.get("style", ""), StoryboardLimits.for_card(spec),
                    self.generation.max_prompt_chars)
        style = "; ".join(filter(None, [board.get("style", ""), *owner_instructions(cameo_rows, owners)]))
        allowed = frozenset(n for u in owners for n in (u.display_name.casefold(), u.handle))
        request = replace(base, prompt=style_prompt(new_shot, style), seed=int(seed), num_frames=old["frames"],
                          storyboard=None)
        request, _ = self.generation.prepare_request(request)
        self.generation.check_text(actor_id, request, allowed)
        if self.generation.rate_limiter is not None:
            self.generation.rate_limiter.check(actor_id)
        begin, n, carried, overlap = old["begin"], old["frames"], old["carried"], old.get("overlap", 0)
        after = shots[shot] if shot < len(shots) else None
        # kept: the frames it opens on and those cross-faded with the previous shot, and at its end what the next
        # shot opens on and is cross-faded with
        head_k = carried + overlap
        tail_k = after["carried"] + after.get("overlap", 0) if after else 0
        head = stitched[begin:begin + head_k] if head_k else None
        tail = stitched[begin + n - tail_k:begin + n] if tail_k else None
        plan = PlannedShot(new_shot, request, begin=begin, carried=carried, overlap=overlap)
        self.generation.workers.prepare(spec)  # where the shots run: this process or the Ray workers
        t1 = time.perf_counter()
        cond = bridge_conditioning(head, tail, n) if (head is not None or tail is not None) else None
        references = self.cameos.reference_images(cameo_rows) if cameo_rows else []
        ran = self.shoot(actor_id, spec, plan, cond, references, progress, preview, cancelled, job_id)
        frames = ran.frames
        stitched = stitched.copy()
        stitched[begin + head_k:begin + n - tail_k] = frames[head_k:n - tail_k]
        if audio is not None:  # the other shots' sound stays; the re-shot span gets its new shot's
            track = self.shot_sound(plan, spec, ran)
            samples = resampled(track.samples, track.sample_rate, audio.sample_rate)
            audio = replace(audio, samples=splice_sound(audio.samples, samples, audio.sample_rate, spec.fps,
                                                        begin, head_k, n - tail_k))
        timings = {"load_s": round(t1 - t0, 4), "pipeline_s": round(time.perf_counter() - t1, 4)}
        plans = []
        for i, s_ in enumerate(shots):
            if i == shot - 1:
                plans.append(plan)
                continue
            r = replace(base, prompt=style_prompt(Shot(s_["prompt"]), style), seed=s_["seed"],
                        num_frames=s_["frames"], storyboard=None)
            plans.append(PlannedShot(Shot(s_["prompt"], s_["seconds"], s_["seed"]), r, s_["begin"], s_["carried"],
                                     s_.get("overlap", 0)))
        summary = replace(base, prompt=" / ".join(p.shot.prompt for p in plans)[:self.generation.max_prompt_chars],
                          storyboard={"style": board.get("style", ""), "start_image": board.get("start_image"),
                                      "reshot": {"from_draft": draft_id, "shot": shot}})
        parent = None
        if base.parent_post_id:
            from sandbox.store.schema import Post

            with self.db.session() as s:
                post = s.get(Post, base.parent_post_id)
                parent = self.media.path(post.media_sha256) if post is not None and not post.deleted else None
        start = StartImage(stitched[0], parent=parent, parent_post_id=base.parent_post_id) if parent else None
        result = self.sign_and_save(actor_id, plans, stitched, summary, spec, start, timings, audio)
        result.timings["total_s"] = round(time.perf_counter() - t0, 4)
        return result


def join(stitched: np.ndarray, frames: np.ndarray, carried: int, overlap: int) -> np.ndarray:
    """The next shot's ``frames`` after the video so far. Its first ``carried`` frames repeat frames already
    there (dropped); its next ``overlap`` frames show the same moments as the video's last ``overlap`` frames and
    are cross-faded with them, the new shot's weight rising 1/(k+1), 2/(k+1), …

    >>> video, shot = np.zeros((4, 1, 1, 3), np.uint8), np.full((5, 1, 1, 3), 90, np.uint8)
    >>> join(video, shot, carried=1, overlap=2)[:, 0, 0, 0].tolist()
    [0, 0, 30, 60, 90, 90]
    """
    if overlap == 0:
        return np.concatenate([stitched, frames[carried:]])
    weight = (np.arange(1, overlap + 1, dtype=np.float32) / (overlap + 1)).reshape(-1, 1, 1, 1)
    shared = stitched[-overlap:].astype(np.float32) * (1 - weight) + frames[carried:carried + overlap] * weight
    return np.concatenate([stitched[:-overlap], np.round(shared).astype(np.uint8), frames[carried + overlap:]])


def owner_instructions(cameos: list[Cameo], owners: list[User]) -> list[str]:
    """What each cameo's owner asks every video of them to show ("always wearing a hat")."""
    return [f"{u.display_name}: {c.instructions}" for c, u in zip(cameos, owners, strict=True) if c.instructions]


def scaled(progress: Progress, index: int, count: int) -> Progress:
    """Progress of shot ``index`` of ``count`` as a part of the whole storyboard's progress."""
    return lambda fraction, desc: progress((index + fraction) / count, f"shot {index + 1}/{count}: {desc}")


def named_working_copies(db: Database) -> set[str]:
    """The working copies that some storyboard draft still names."""
    with db.session() as s:
        requests = s.scalars(select(Draft.request)).all()
    return {r["storyboard"]["working_copy"] for r in requests
            if r and r.get("storyboard") and r["storyboard"].get("working_copy")}


def npz_bytes(frames: np.ndarray, sound: Soundtrack | None = None) -> bytes:
    """The working copy: frames before the watermark, and the sound before encoding (with its rate and maker)."""
    buf = io.BytesIO()
    if sound is None:
        np.savez_compressed(buf, frames=frames)
    else:
        np.savez_compressed(buf, frames=frames, audio=sound.samples.astype(np.float32),
                            audio_meta=np.array([str(sound.sample_rate), sound.model, sound.model_revision,
                                                 sound.prompt]))
    return buf.getvalue()


def working_copy(private: MediaStore, sha: str) -> tuple[np.ndarray, Soundtrack | None]:
    """The working copy's frames and sound (None: a silent storyboard)."""
    data = np.load(io.BytesIO(private.path(sha, WORKING_COPY).read_bytes()))
    if "audio" not in data:
        return data["frames"], None
    rate, model, revision, prompt = (str(x) for x in data["audio_meta"])
    return data["frames"], Soundtrack(data["audio"].astype(np.float64), int(rate), model, revision, prompt)


def working_frames(private: MediaStore, sha: str) -> np.ndarray:
    """The working copy's frames (before the watermark)."""
    return working_copy(private, sha)[0]
