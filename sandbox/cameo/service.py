"""Cameo lifecycle: create (verify a clip), owner settings, use in generation, the usage ledger, take-downs.

Consent is decided in :mod:`sandbox.cameo.consent`; this module calls it at every point where a cameo is
put into a video: before generation, before the draft is saved, and at publish.

>>> cameo = sb.cameos.create(ana.id, "me.mp4")  # doctest: +SKIP
>>> sb.cameos.settings(ana.id, policy="mutuals", approved=["ben"])  # doctest: +SKIP
>>> sb.cameos.generate(ben.id, GenerationRequest(prompt="@ana surfing a wave"))  # doctest: +SKIP
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sandbox.cameo.consent import POLICIES, check_use, use_refusal
from sandbox.cameo.verification import Check, VerificationConfig, similarity, verify_clip
from sandbox.errors import NotFound, PermissionDenied, SandboxError
from sandbox.generation.request import GenerationRequest
from sandbox.generation.service import GenerationResult, GenerationService, Progress, _no_progress
from sandbox.hooks import OnChange, TextCheck
from sandbox.social.graph import user_by_handle
from sandbox.social.posts import notify
from sandbox.social.text import clean_text
from sandbox.store.db import Database
from sandbox.store.media import MediaStore
from sandbox.store.references import release_media
from sandbox.store.schema import Cameo, CameoAccess, CameoUse, Draft, Fingerprint, Post, User

MENTION = re.compile(r"(?<![\w@])@([a-z0-9_]{3,20})\b", re.IGNORECASE)


@dataclass
class CameoConfig:
    """Cameo rules (env: SANDBOX_CAMEO_KEEP_UPLOADS, SANDBOX_CAMEO_MAX_MB)."""

    verification: VerificationConfig = field(default_factory=VerificationConfig)
    keep_uploads: bool = False  # keep the raw clip (private) after verification
    max_per_video: int = 2
    duplicate_similarity: float = 0.9  # a new cameo this close to another owner's face is refused
    max_instructions_chars: int = 200

    def __post_init__(self) -> None:
        if not 1 <= self.max_per_video <= 4:
            raise ValueError(f"`max_per_video` must be between 1 and 4 but is {self.max_per_video}")
        if not 0 < self.duplicate_similarity <= 1:
            raise ValueError(f"`duplicate_similarity` must be in (0, 1] but is {self.duplicate_similarity}")


def live_cameo(s: Session, owner_id: str) -> Cameo | None:
    return s.scalar(select(Cameo).where(Cameo.owner_id == owner_id, Cameo.status == "verified"))


class CameoService:
    def __init__(self, db: Database, media: MediaStore, private: MediaStore, generation: GenerationService,
                 config: CameoConfig | None = None, *, check_text: TextCheck | None = None,
                 on_change: OnChange | None = None) -> None:
        """``check_text`` moderates the owner's instructions; ``on_change`` is told when take-downs remove
        posts (the feed drops its caches)."""
        self.db = db
        self.media = media  # videos (served to whoever may see them)
        self.private = private  # reference crops and kept uploads: never served by URL
        self.generation = generation
        self.config = config or CameoConfig()
        self.check_text = check_text
        self.on_change = on_change

    # ------------------------------------------------------------------ create
    def create(self, owner_id: str, video: Path | str, challenge: str = "", delete_upload: bool = False) -> dict:
        """Verify the clip at ``video`` and, if it passes, make it the owner's cameo (policy: only me).
        ``delete_upload``: the caller owns the file (an upload) and wants it gone afterwards — the raw clip is
        not kept unless ``keep_uploads``. A rejected clip stores only the reasons."""
        with self.db.session() as s:
            existing = live_cameo(s, owner_id)
            if existing is not None:
                raise SandboxError(f"you already have a verified cameo ({existing.id}): delete it first to "
                                   "record a new one")
        video = Path(video or "")
        try:
            report = verify_clip(video, self.config.verification)
            if report.passed:
                report.checks.append(self.check_unique_face(owner_id, report.descriptor))
            kept = self.private.write(video.suffix or ".mp4", lambda p: shutil.copyfile(video, p)) \
                if self.config.keep_uploads else None
        finally:
            if delete_upload and video.is_file():
                video.unlink(missing_ok=True)  # the raw clip is not kept (a private copy is, if configured)
        shas = [self.private.put_bytes(png_bytes(c), ".png") for c in report.crops] if report.passed else []
        try:
            with self.db.session() as s:
                s.execute(delete(Cameo).where(Cameo.owner_id == owner_id, Cameo.status == "rejected"))
                cameo = Cameo(owner_id=owner_id, status="verified" if report.passed else "rejected",
                              checks={**report.to_dict(), "kept_upload": kept}, reference_shas={"ids": shas},
                              descriptor={"v": report.descriptor}, challenge=(challenge or "")[:200])
                s.add(cameo)
                s.flush()
                cameo_id = cameo.id
        except Exception:
            for sha in shas:
                self.private.delete(sha, ".png")
            raise
        return {"cameo_id": cameo_id, "status": "verified" if report.passed else "rejected",
                "checks": report.to_dict()["checks"], "report": report.markdown()}

    def check_unique_face(self, owner_id: str, descriptor: list[float]) -> Check:
        """One face, one cameo: a face that already has someone else's cameo is refused (impersonation)."""
        with self.db.session() as s:
            rows = s.execute(select(Cameo.descriptor, User.handle).join(User, User.id == Cameo.owner_id)
                             .where(Cameo.status == "verified", Cameo.owner_id != owner_id)).all()
        for other, handle in rows:
            if other.get("v") and similarity(descriptor, other["v"]) >= self.config.duplicate_similarity:
                return Check("unique face", False, f"this face already belongs to @{handle}'s cameo — you can "
                             "only make a cameo of yourself")
        return Check("unique face", True, "no other cameo shows this face")

    # ------------------------------------------------------------------ owner settings
    def mine(self, owner_id: str) -> dict | None:
        """The owner's cameo with its settings and reference crops (paths in the private store)."""
        with self.db.session() as s:
            cameo = s.scalar(select(Cameo).where(Cameo.owner_id == owner_id, Cameo.status != "deleted")
                             .order_by(Cameo.created_at.desc()))
            if cameo is None:
                return None
            access = s.execute(select(User.handle, CameoAccess.status).join(User, User.id == CameoAccess.user_id)
                               .where(CameoAccess.cameo_id == cameo.id)).all()
            return {"cameo_id": cameo.id, "status": cameo.status, "policy": cameo.policy,
                    "approved": sorted(h for h, st in access if st == "approved"),
                    "revoked": sorted(h for h, st in access if st == "revoked"),
                    "instructions": cameo.instructions, "paused": cameo.paused,
                    "checks": cameo.checks.get("checks", []),
                    "references": [str(self.private.path(sha, ".png")) for sha in cameo.reference_shas.get("ids", [])]}

    def settings(self, owner_id: str, policy: str | None = None, approved: list[str] | None = None,
                 instructions: str | None = None, paused: bool | None = None) -> dict:
        """Change who may use the cameo, the approved list (replaces it), the instructions added to every
        prompt that uses it, and pause. ``None`` leaves a setting as it is."""
        if policy is not None and policy not in POLICIES:
            raise SandboxError(f"`policy` must be one of {POLICIES} but is {policy!r}")
        if instructions is not None:
            instructions = clean_text("instructions", instructions, required=False,
                                      max_chars=self.config.max_instructions_chars)
            if instructions and self.check_text is not None:
                self.check_text("instructions", instructions, owner_id)
        with self.db.session() as s:
            cameo = live_cameo(s, owner_id)
            if cameo is None:
                raise NotFound("you have no verified cameo: create one in the Cameo tab first")
            if approved is not None:
                self._set_approved(s, cameo, owner_id, approved)
            if policy is not None:
                cameo.policy = policy
            if instructions is not None:
                cameo.instructions = instructions
            if paused is not None:
                cameo.paused = bool(paused)
        return self.mine(owner_id)

    @staticmethod
    def _set_approved(s: Session, cameo: Cameo, owner_id: str, handles: list[str]) -> None:
        users = {user_by_handle(s, h).id for h in handles if h and h.strip()} - {owner_id}
        rows = {a.user_id: a for a in s.scalars(select(CameoAccess).where(CameoAccess.cameo_id == cameo.id))}
        for user_id, row in rows.items():
            if row.status == "approved" and user_id not in users:
                s.delete(row)
        for user_id in users:
            if user_id in rows:
                rows[user_id].status = "approved"  # approving again lifts a revocation
            else:
                s.add(CameoAccess(cameo_id=cameo.id, user_id=user_id, status="approved"))

    # ------------------------------------------------------------------ using cameos
    def usable(self, actor_id: str) -> list[dict]:
        """Cameos ``actor_id`` may use right now (their own first)."""
        with self.db.session() as s:
            rows = s.execute(select(Cameo, User).join(User, User.id == Cameo.owner_id)
                             .where(Cameo.status == "verified").order_by(User.handle)).all()
            out = [{"cameo_id": c.id, "handle": u.handle, "display_name": u.display_name, "mine": u.id == actor_id}
                   for c, u in rows if use_refusal(s, c, actor_id) is None]
        return sorted(out, key=lambda d: not d["mine"])

    def resolve(self, s: Session, actor_id: str, refs: list[str], prompt: str = "") -> list[Cameo]:
        """Cameos named by id or @handle, plus @handles in the prompt; each checked for consent."""
        wanted = [r.strip() for r in refs if r and r.strip()] + [f"@{m}" for m in MENTION.findall(prompt or "")]
        cameos: dict[str, Cameo] = {}
        for ref in wanted:
            if ref.startswith("@"):
                owner = user_by_handle(s, ref)
                cameo = live_cameo(s, owner.id)
                if cameo is None:
                    raise NotFound(f"@{owner.handle} has no verified cameo: remove the @ or pick a cameo you may use")
            else:
                cameo = s.get(Cameo, ref)
                if cameo is None:
                    raise NotFound(f"no cameo {ref!r}: pick one from the cameos you may use")
            check_use(s, cameo, actor_id)
            cameos[cameo.id] = cameo
        if len(cameos) > self.config.max_per_video:
            raise SandboxError(f"`cameos`: at most {self.config.max_per_video} cameos per video but got "
                               f"{len(cameos)}")
        return list(cameos.values())

    def reference_images(self, cameos: list[Cameo]) -> list:
        """The best reference crop of each cameo, as PIL images for VACE ``reference_images``."""
        from PIL import Image

        return [Image.open(self.private.path(c.reference_shas["ids"][0], ".png")).convert("RGB") for c in cameos]

    def generate(self, actor_id: str, request: GenerationRequest, cameos: list[str] | None = None,
                 progress: Progress = _no_progress, cancelled: Callable[[], bool] | None = None,
                 **conditioning) -> GenerationResult:
        """Generate with up to two cameos (ids or @handles, also @handles in the prompt). Without any, this is
        plain generation. Consent is checked before the pipeline runs and again before the draft is kept."""
        with self.db.session() as s:
            chosen = self.resolve(s, actor_id, list(cameos or []), request.prompt)
            owners = {c.id: s.get(User, c.owner_id) for c in chosen}
            instructions = [(owners[c.id].display_name, c.instructions) for c in chosen if c.instructions]
        if not chosen:
            return self.generation.generate(actor_id, request, progress, cancelled=cancelled, **conditioning)
        spec = self.generation.loader.spec_for(request.model)
        if "r2v" not in spec.tasks:
            raise SandboxError(f"`model` {spec.label} cannot cast cameos: pick a model that takes reference images "
                               "(Wan VACE or the tiny offline model)")
        request = replace(request, cameo_ids=tuple(c.id for c in chosen))
        allowed = frozenset(n for u in owners.values() for n in (u.display_name.casefold(), u.handle))
        conditioning.setdefault("reference_images", self.reference_images(chosen))
        # the owners' instructions reach the pipeline only: the draft, the post and the feed keep the prompt
        # as its author wrote it
        result = self.generation.generate(actor_id, request, progress, allowed_figures=allowed,
                                          private_prompt=private_instructions(instructions), cancelled=cancelled,
                                          **conditioning)
        self.record_draft_uses(actor_id, result.draft_id, list(request.cameo_ids))
        return result

    def record_draft_uses(self, actor_id: str, draft_id: str, cameo_ids: list[str]) -> None:
        """Ledger the new draft; if consent was withdrawn while it was generating, discard it instead."""
        try:
            with self.db.session() as s:
                draft = s.get(Draft, draft_id)
                for cameo_id in cameo_ids:
                    cameo = s.get(Cameo, cameo_id)
                    if cameo is None:
                        raise PermissionDenied("a cameo in this video was deleted while it was generating")
                    check_use(s, cameo, actor_id)
                    s.add(CameoUse(cameo_id=cameo.id, user_id=actor_id, kind="draft", draft_id=draft.id,
                                   media_sha256=draft.media_sha256))
                    notify(s, cameo.owner_id, "cameo", actor_id, None, "made a draft with your cameo")
        except PermissionDenied:
            self._discard_draft(draft_id)
            raise

    def _discard_draft(self, draft_id: str) -> None:
        with self.db.session() as s:
            draft = s.get(Draft, draft_id)
            sha = draft.media_sha256
            s.delete(draft)
        release_media(self.db, self.media, sha)

    # ------------------------------------------------------------------ publish (hooks in PostService)
    def check_publish(self, s: Session, actor: User, draft: Draft, _caption: str) -> None:
        """Consent again at publish: the owner may have changed it since the draft was made."""
        for cameo_id in (draft.request or {}).get("cameo_ids") or []:
            cameo = s.get(Cameo, cameo_id)
            if cameo is None:
                raise PermissionDenied("this draft shows a cameo that was deleted: it cannot be published")
            check_use(s, cameo, actor.id)

    def record_post_uses(self, s: Session, post: Post) -> None:
        for cameo_id in (post.cameo_ids or {}).get("ids") or []:
            cameo = s.get(Cameo, cameo_id)
            s.add(CameoUse(cameo_id=cameo_id, user_id=post.user_id, kind="post", draft_id=post.draft_id,
                           post_id=post.id, media_sha256=post.media_sha256))
            notify(s, cameo.owner_id, "cameo", post.user_id, post.id, "published a post with your cameo")

    # ------------------------------------------------------------------ owner controls
    def uses(self, owner_id: str, include_removed: bool = False) -> list[dict]:
        """Every draft and post, by anyone, that uses the owner's cameo (newest first), with a preview."""
        with self.db.session() as s:
            query = (select(CameoUse, User.handle).join(Cameo, Cameo.id == CameoUse.cameo_id)
                     .join(User, User.id == CameoUse.user_id).where(Cameo.owner_id == owner_id)
                     .order_by(CameoUse.created_at.desc()))
            if not include_removed:
                query = query.where(CameoUse.removed == "")
            return [{"use_id": u.id, "kind": u.kind, "creator": handle, "draft_id": u.draft_id, "post_id": u.post_id,
                     "created_at": u.created_at.isoformat(timespec="seconds"), "removed": u.removed,
                     "video": None if u.removed else str(self.media.path(u.media_sha256))}
                    for u, handle in s.execute(query).all()]

    def delete_use(self, owner_id: str, use_id: str) -> dict:
        """Take down one video that uses the owner's cameo: its file, its draft and every post of it."""
        with self.db.session() as s:
            use = s.get(CameoUse, use_id or "")
            cameo = s.get(Cameo, use.cameo_id) if use else None
            if use is None or cameo is None or cameo.owner_id != owner_id:
                raise NotFound(f"no use {use_id!r} of your cameo: pick one from “Used in”")
            sha = use.media_sha256
        removed = self.take_down([sha], owner_id, "removed by the cameo's owner")
        return {"use_id": use_id, "removed": removed}

    def revoke(self, owner_id: str, handle: str) -> dict:
        """Refuse @handle from now on, whatever the policy, and take down their videos with the cameo."""
        with self.db.session() as s:
            cameo = live_cameo(s, owner_id)
            if cameo is None:
                raise NotFound("you have no verified cameo to revoke access to")
            user = user_by_handle(s, handle)
            if user.id == owner_id:
                raise SandboxError("`handle` is you: you cannot revoke your own access")
            row = s.scalar(select(CameoAccess).where(CameoAccess.cameo_id == cameo.id,
                                                     CameoAccess.user_id == user.id))
            if row is None:
                s.add(CameoAccess(cameo_id=cameo.id, user_id=user.id, status="revoked"))
            else:
                row.status = "revoked"
            shas = set(s.scalars(select(CameoUse.media_sha256).where(
                CameoUse.cameo_id == cameo.id, CameoUse.user_id == user.id, CameoUse.removed == "")))
        removed = self.take_down(sorted(shas), owner_id, "the cameo's owner revoked access")
        return {"revoked": user.handle, "removed": removed}

    def delete(self, owner_id: str) -> dict:
        """Delete the cameo: drafts using it are deleted, posts taken down, references erased, future use
        refused."""
        with self.db.session() as s:
            cameo = s.scalar(select(Cameo).where(Cameo.owner_id == owner_id, Cameo.status != "deleted"))
            if cameo is None:
                raise NotFound("you have no cameo to delete")
            cameo.status = "deleted"
            refs, cameo.reference_shas, cameo.descriptor = cameo.reference_shas.get("ids", []), {"ids": []}, {}
            s.execute(delete(CameoAccess).where(CameoAccess.cameo_id == cameo.id))
            shas = set(s.scalars(select(CameoUse.media_sha256).where(CameoUse.cameo_id == cameo.id,
                                                                     CameoUse.removed == "")))
            cameo_id = cameo.id
        for sha in refs:
            self.private.delete(sha, ".png")
        removed = self.take_down(sorted(shas), owner_id, "the cameo was deleted")
        return {"cameo_id": cameo_id, "deleted": True, "removed": removed}

    def take_down(self, shas: list[str], by_id: str, reason: str) -> int:
        """Remove videos everywhere: drafts deleted, posts marked deleted (gone from feeds and profiles),
        ledger rows marked, fingerprints dropped, creators told; then the files. Returns videos removed."""
        for sha in shas:
            with self.db.session() as s:
                creators = set(s.scalars(select(Draft.user_id).where(Draft.media_sha256 == sha)))
                posts = s.scalars(select(Post).where(Post.media_sha256 == sha, Post.deleted.is_(False))).all()
                for post in posts:
                    post.deleted = True
                    creators.add(post.user_id)
                s.execute(delete(Draft).where(Draft.media_sha256 == sha))
                s.execute(update(CameoUse).where(CameoUse.media_sha256 == sha, CameoUse.removed == "")
                          .values(removed=reason))
                s.execute(delete(Fingerprint).where(Fingerprint.media_sha256 == sha))
                for creator in creators:
                    notify(s, creator, "cameo", by_id, None, f"a video of yours was removed: {reason}")
            release_media(self.db, self.media, sha)
        if shas and self.on_change is not None:
            self.on_change()
        return len(shas)


def private_instructions(instructions: list[tuple[str, str]]) -> str:
    """Cameo owners' instructions as the pipeline reads them, e.g. ``(Ana: always wearing a hat)``.

    >>> private_instructions([("Ana", "always wearing a hat")])
    '(Ana: always wearing a hat)'
    """
    return f"({'; '.join(f'{name}: {text}' for name, text in instructions)})" if instructions else ""


def png_bytes(rgb: np.ndarray) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()
