"""Remixes and lineage. Steps: ``check_inputs`` → ``load_original`` (visible? remix allowed? whose cameos
does it show, and may this user use them?) → ``conditioning`` → generate (the original is the C2PA parent)
→ ledger the cameos it carries.

>>> result = sb.remixes.remix(ben.id, post_id, "make it snowy", mode="restyle", keep=0.6)  # doctest: +SKIP
>>> sb.remixes.lineage(ben.id, post_id)["descendants"]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.cameo.consent import check_use
from sandbox.cameo.service import CameoService, private_instructions
from sandbox.errors import NotFound, PermissionDenied, SandboxError
from sandbox.generation.request import GenerationRequest
from sandbox.generation.service import GenerationResult, GenerationService, Progress, _no_progress
from sandbox.generation.video import read_frames
from sandbox.models.cards import aspect_of
from sandbox.remix.conditioning import (
    MODES,
    extend_conditioning,
    join_extension,
    recast_conditioning,
    restyle_conditioning,
)
from sandbox.social.graph import blocked_ids
from sandbox.social.posts import may_remix
from sandbox.sound.remix import original_sound
from sandbox.store.db import Database
from sandbox.store.media import MediaStore
from sandbox.store.schema import Cameo, Draft, Post, User

MAX_LINEAGE = 200  # nodes drawn per tree


@dataclass
class Original:
    post_id: str
    creator: str
    path: Path
    cameo_ids: list[str]


def check_inputs(mode: str, keep: float, prompt: str) -> None:
    if mode not in MODES:
        raise SandboxError(f"`mode` must be one of {MODES} but is {mode!r}")
    if keep is None or not 0.0 <= float(keep) <= 1.0:
        raise SandboxError(f"`keep` must be between 0 and 1 (how much of the original to keep) but is {keep!r}")
    if not (prompt or "").strip():
        raise SandboxError("`prompt` is empty: say what to change, e.g. 'make it snowy'")


class RemixService:
    def __init__(self, db: Database, media: MediaStore, generation: GenerationService, cameos: CameoService,
                 claims_of: Callable[[Path], dict] | None = None) -> None:
        """``claims_of(path)``: a video's Content Credentials claims ({} when none can be trusted): which model
        made the original's sound, named when a remix keeps or continues it."""
        self.db = db
        self.media = media
        self.generation = generation
        self.cameos = cameos
        self.claims_of = claims_of

    # ------------------------------------------------------------------ steps
    def load_original(self, s: Session, actor_id: str, post_id: str) -> Original:
        post = s.get(Post, post_id or "")
        if post is None or post.user_id in blocked_ids(s, actor_id):
            raise NotFound(f"no post {post_id!r} to remix")
        if post.deleted:
            raise NotFound(f"post {post_id!r} was removed: it can no longer be remixed")
        creator = s.get(User, post.user_id)
        if not remix_allowed(s, actor_id, post):
            who = "nobody" if post.remix_policy == "nobody" else "only their friends"
            raise PermissionDenied(f"@{creator.handle} allows {who} to remix this post")
        cameo_ids = list((post.cameo_ids or {}).get("ids") or [])
        for cameo_id in cameo_ids:  # the remix shows these people too: their owners must allow this user
            cameo = s.get(Cameo, cameo_id)
            if cameo is None:
                raise PermissionDenied("this post shows a cameo that was deleted: it cannot be remixed")
            check_use(s, cameo, actor_id)
        return Original(post.id, creator.handle, self.media.path(post.media_sha256), cameo_ids)

    def conditioning(self, mode: str, frames: np.ndarray, num_frames: int, keep: float, references: list):
        if mode == "restyle":
            return restyle_conditioning(frames, num_frames, keep)
        if mode == "extend":
            return extend_conditioning(frames, num_frames, keep)
        if not references:
            raise SandboxError("`cameos`: recast needs a cameo to put into the video — pick one you may use")
        return recast_conditioning(frames, num_frames, keep, references)

    # ------------------------------------------------------------------ the whole thing
    def remix(self, actor_id: str, post_id: str, prompt: str, mode: str = "restyle", keep: float = 0.5,
              seed: int = -1, cameos: list[str] | None = None, steps: int | None = None,
              num_frames: int | None = None, model: str | None = None,
              progress: Progress = _no_progress, sound: bool | None = None,
              sound_prompt: str = "", cancelled: Callable[[], bool] | None = None,
              job_id: str = "") -> GenerationResult:
        """A draft of ``actor_id`` that remixes ``post_id``: its parent is the original. Sound
        (sandbox.sound.remix): a restyle keeps the original's, an extend continues it, unless ``sound_prompt``
        asks for a new one. ``job_id``: the tracked job (sandbox.generation.jobs) this is."""
        check_inputs(mode, keep, prompt)
        with self.db.session() as s:
            original = self.load_original(s, actor_id, post_id)
            # the same rule as /generate: a cameo picked or @mentioned in the prompt needs its owner's consent
            extra = self.cameos.resolve(s, actor_id, list(cameos or []), prompt)
            cameo_rows = [s.get(Cameo, c) for c in original.cameo_ids] + extra
            owners = [s.get(User, c.owner_id) for c in cameo_rows]
            owner_of = {c.id: u for c, u in zip(cameo_rows, owners, strict=True)}
            instructions = [(owner_of[c.id].display_name, c.instructions) for c in extra if c.instructions]
        spec = self.generation.loader.spec_for(model)
        frames = fit_to_model(read_frames(original.path), spec)
        h, w = frames.shape[1:3]
        if num_frames is None and mode != "extend" and spec.frames.check(len(frames)) is None:
            num_frames = len(frames)  # same length as the original when the model can make it
        request = GenerationRequest(prompt=prompt, seed=int(seed), num_frames=num_frames, width=w, height=h,
                                    steps=steps, model=model,
                                    cameo_ids=tuple(dict.fromkeys(c.id for c in cameo_rows)),
                                    parent_post_id=original.post_id, remix_mode=mode, remix_keep=float(keep),
                                    sound=sound, sound_prompt=sound_prompt)
        request, spec = self.generation.prepare_request(request)
        if "v2v" not in spec.tasks:
            raise SandboxError(f"`model` {spec.label} cannot remix videos: pick a Wan VACE model")
        cond = self.conditioning(mode, frames, int(request.num_frames), float(keep),
                                 self.cameos.reference_images(extra) if extra else [])
        postprocess = (lambda new: join_extension(frames, new, cond.keep_frames)) if mode == "extend" else None
        allowed = frozenset(n for u in owners for n in (u.display_name.casefold(), u.handle))
        soundtrack = original_sound(
            original.path, mode, request.sound_prompt, spec.fps, len(frames),
            lambda seconds: self.generation.make_sound(request, spec, round(seconds * spec.fps)),
            original_claims=self.claims_of(original.path) if self.claims_of else None)
        result = self.generation.generate(actor_id, request, progress, allowed_figures=allowed,
                                          parent=original.path, postprocess=postprocess, soundtrack=soundtrack,
                                          private_prompt=private_instructions(instructions), cancelled=cancelled,
                                          job_id=job_id, **cond.pipeline_kwargs())
        if request.cameo_ids:
            self.cameos.record_draft_uses(actor_id, result.draft_id, list(request.cameo_ids))
        return result

    # ------------------------------------------------------------------ publish
    def check_publish(self, s: Session, actor: User, draft: Draft, _caption: str) -> None:
        """A remix may be published while its original is live only if remixing is still allowed; once the
        original is removed, the remix stays publishable and shows "original removed"."""
        parent_id = (draft.request or {}).get("parent_post_id")
        parent = s.get(Post, parent_id) if parent_id else None
        if parent is not None and not parent.deleted and not remix_allowed(s, actor.id, parent):
            raise PermissionDenied("the original's creator no longer allows you to remix it")

    # ------------------------------------------------------------------ lineage
    def lineage(self, viewer_id: str, post_id: str) -> dict:
        """Ancestors (root first) and descendants (nested) of a post. Removed posts stay in the chain as
        "removed" so that it remains readable; posts of blocked users show as unavailable."""
        with self.db.session() as s:
            hidden = blocked_ids(s, viewer_id)
            post = s.get(Post, post_id or "")
            if post is None or post.user_id in hidden:
                raise NotFound(f"no post {post_id!r}")

            def node(p: Post) -> dict:
                if p.user_id in hidden:
                    return {"post_id": p.id, "creator": None, "caption": "", "removed": True, "unavailable": True}
                handle = s.scalar(select(User.handle).where(User.id == p.user_id))
                video = None if p.deleted else str(self.media.path(p.media_sha256))
                return {"post_id": p.id, "creator": handle, "caption": "" if p.deleted else p.caption,
                        "removed": bool(p.deleted), "video": video}

            ancestors, seen = [], {post.id}
            parent_id = post.parent_post_id
            while parent_id and parent_id not in seen and len(ancestors) < MAX_LINEAGE:
                seen.add(parent_id)
                parent = s.get(Post, parent_id)
                if parent is None:
                    ancestors.append({"post_id": parent_id, "creator": None, "caption": "", "removed": True})
                    break
                ancestors.append(node(parent))
                parent_id = parent.parent_post_id
            ancestors.reverse()

            count = [0]

            def children(p: Post) -> list[dict]:
                out = []
                for child in s.scalars(select(Post).where(Post.parent_post_id == p.id).order_by(Post.created_at)):
                    if child.id in seen or count[0] >= MAX_LINEAGE:
                        continue
                    seen.add(child.id)
                    count[0] += 1
                    out.append({**node(child), "remixes": children(child)})
                return out

            return {"post": node(post), "ancestors": ancestors, "descendants": children(post)}


def fit_to_model(frames: np.ndarray, spec) -> np.ndarray:
    """The original at the model's default size for its aspect (stored videos may be upscaled for display)."""
    import cv2

    h, w = frames.shape[1:3]
    tw, th = spec.size.for_aspect(spec.resolutions[spec.default_resolution], aspect_of(w, h))
    if (tw, th) == (w, h):
        return frames
    return np.stack([cv2.resize(f, (tw, th), interpolation=cv2.INTER_AREA) for f in frames])


def remix_allowed(s: Session, actor_id: str, post: Post) -> bool:
    """``may_remix`` for a post, asking the database about friendship only when the policy needs it."""
    from sandbox.social.graph import friend_ids

    is_friend = post.remix_policy == "friends" and actor_id in friend_ids(s, post.user_id)
    return may_remix(post.remix_policy, post.user_id == actor_id, is_friend)
