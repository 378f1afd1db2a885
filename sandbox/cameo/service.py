"""Cameo lifecycle: create (verify a clip), owner settings, use in generation, the usage ledger, take-downs.

Consent is decided in :mod:`sandbox.cameo.consent`; this module calls it at every point where a cameo is
put into a video: before generation, before the draft is saved, and at publish.

>>> challenge = sb.cameos.issue_challenge(ana.id)  # doctest: +SKIP
>>> challenge["text"]  # doctest: +SKIP
'Turn your head left, then right; blink; then say: 4 7 1 9'
>>> cameo = sb.cameos.create(ana.id, "me.mp4", challenge["challenge_id"])  # doctest: +SKIP
>>> rex = sb.cameos.create_character(ben.id, "rex", "dog.mp4")  # cast as @ben.rex  # doctest: +SKIP
>>> sb.cameos.settings(ana.id, policy="mutuals", approved=["ben"])  # doctest: +SKIP
>>> sb.cameos.generate(ben.id, GenerationRequest(prompt="@ana surfing a wave"))  # doctest: +SKIP
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sandbox.cameo.challenge import Challenge, random_challenge
from sandbox.cameo.characters import CharacterConfig, verify_character_clip
from sandbox.cameo.consent import POLICIES, check_use, use_refusal
from sandbox.cameo.faces import SAME_PERSON_DISTANCE, distance, likeness
from sandbox.cameo.verification import Check, VerificationConfig, verify_clip
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
from sandbox.store.schema import Cameo, CameoAccess, CameoChallenge, CameoUse, Draft, Fingerprint, Post, User, utcnow

# @ana (a person's cameo) or @ben.rex (ben's character "rex")
MENTION = re.compile(r"(?<![\w@])@([a-z0-9_]{3,20}(?:\.[a-z0-9_]{2,20})?)\b", re.IGNORECASE)
CHARACTER_NAME = re.compile(r"^[a-z0-9_]{2,20}$")


@dataclass
class CameoConfig:
    """Cameo rules (env: SANDBOX_CAMEO_KEEP_UPLOADS, SANDBOX_CAMEO_MAX_MB)."""

    verification: VerificationConfig = field(default_factory=VerificationConfig)
    characters: CharacterConfig = field(default_factory=CharacterConfig)
    keep_uploads: bool = False  # keep the raw clip (private) after verification
    max_per_video: int = 2  # cameos and characters together
    max_characters: int = 5  # per owner
    # A new cameo whose face descriptor is this close to another owner's (or its mirror image) is refused.
    # dlib's own same-person threshold; measured: copies of a cameo's face (mirrored, rotated, zoomed,
    # tinted, cropped) come within 0.1–0.35, the two different people we have are 0.70 apart
    # (benchmarks/bench_cameo.py prints both).
    unique_face_distance: float = SAME_PERSON_DISTANCE
    challenge_seconds: int = 600  # a challenge must come back with its clip within this time
    max_instructions_chars: int = 200

    def __post_init__(self) -> None:
        if not 1 <= self.max_per_video <= 4:
            raise ValueError(f"`max_per_video` must be between 1 and 4 but is {self.max_per_video}")
        if not 0 < self.unique_face_distance <= 1.5:
            raise ValueError(f"`unique_face_distance` must be in (0, 1.5] (dlib's scale) but is "
                             f"{self.unique_face_distance}")
        if self.challenge_seconds < 30:
            raise ValueError(f"`challenge_seconds` must be at least 30 (time to record) but is "
                             f"{self.challenge_seconds}")


def live_cameo(s: Session, owner_id: str) -> Cameo | None:
    """The owner's verified cameo of themselves (not a character)."""
    return s.scalar(select(Cameo).where(Cameo.owner_id == owner_id, Cameo.status == "verified",
                                        Cameo.kind == "person"))


def cameo_handle(cameo: Cameo, owner: User) -> str:
    """``ana`` for a person's cameo, ``ben.rex`` for a character."""
    return f"{owner.handle}.{cameo.name}" if cameo.kind == "character" else owner.handle


class CameoService:
    def __init__(self, db: Database, media: MediaStore, private: MediaStore, generation: GenerationService,
                 config: CameoConfig | None = None, *, check_text: TextCheck | None = None,
                 on_change: OnChange | None = None,
                 challenge_source: Callable[[], Challenge] = random_challenge) -> None:
        """``check_text`` moderates the owner's instructions; ``on_change`` is told when take-downs remove
        posts (the feed drops its caches); ``challenge_source`` makes the liveness challenges (tests pass a
        fixed one for their pre-made clips)."""
        self.db = db
        self.challenge_source = challenge_source  # tests pass a fixed one for their pre-made clips
        self.media = media  # videos (served to whoever may see them)
        self.private = private  # reference crops and kept uploads: never served by URL
        self.generation = generation
        self.config = config or CameoConfig()
        self.check_text = check_text
        self.on_change = on_change

    # ------------------------------------------------------------------ create
    def issue_challenge(self, owner_id: str) -> dict:
        """A new challenge for the owner to perform on camera; it must come back (by id) with the clip."""
        challenge = self.challenge_source()
        expires = utcnow() + timedelta(seconds=self.config.challenge_seconds)
        with self.db.session() as s:
            row = CameoChallenge(user_id=owner_id, text=challenge.text, expires_at=expires)
            s.add(row)
            s.flush()
            return {"challenge_id": row.id, "text": row.text, "expires_at": expires.isoformat(timespec="seconds")}

    def pending_challenge(self, owner_id: str, challenge_id: str) -> Challenge:
        """The owner's issued, unused, unexpired challenge (for the sample-clip button); nothing is used up."""
        with self.db.session() as s:
            row = s.get(CameoChallenge, (challenge_id or "").strip())
            if row is None or row.user_id != owner_id or row.used or row.expires_at < utcnow():
                raise SandboxError("`challenge` is not one of your open challenges: ask for a new one")
            return Challenge.parse(row.text)

    def redeem_challenge(self, owner_id: str, challenge_id: str) -> Challenge:
        """The challenge this clip answers: issued to this owner, not expired, not used before (used now)."""
        challenge_id = (challenge_id or "").strip()
        if not challenge_id:
            raise SandboxError("`challenge` is missing: ask for a challenge, perform it on camera, and send its "
                               "id with the clip")
        with self.db.session() as s:
            row = s.get(CameoChallenge, challenge_id)
            if row is None or row.user_id != owner_id:
                raise SandboxError(f"`challenge` {challenge_id[:40]!r} was not issued to you: ask for a new one")
            if row.used:
                raise SandboxError("`challenge` was already used: each challenge is good for one clip — ask for a "
                                   "new one and record again")
            if row.expires_at < utcnow():
                raise SandboxError("`challenge` has expired: ask for a new one and record again")
            row.used = True
            return Challenge.parse(row.text)

    def create(self, owner_id: str, video: Path | str, challenge: str = "", delete_upload: bool = False) -> dict:
        """Verify the clip at ``video`` against the challenge with id ``challenge`` and, if it passes, make it
        the owner's cameo (policy: only me). ``delete_upload``: the caller owns the file (an upload) and wants
        it gone afterwards — the raw clip is not kept unless ``keep_uploads``. A rejected clip stores only the
        reasons."""
        video = Path(video or "")
        try:
            with self.db.session() as s:
                existing = live_cameo(s, owner_id)
                if existing is not None:
                    raise SandboxError(f"you already have a verified cameo ({existing.id}): delete it first to "
                                       "record a new one")
            asked = self.redeem_challenge(owner_id, challenge)
            report = verify_clip(video, asked, self.config.verification)
            if report.passed:
                report.checks.append(self.check_unique_face(owner_id, [report.descriptor, report.mirrored]))
            kept = self.keep_upload(video)
        finally:
            if delete_upload and video.is_file():
                video.unlink(missing_ok=True)  # the raw clip is not kept (a private copy is, if configured)
        return self.store(owner_id, "person", "", report, {"v": report.descriptor, "mirrored": report.mirrored},
                          kept, asked.text)

    def create_character(self, owner_id: str, name: str, video: Path | str, delete_upload: bool = False) -> dict:
        """A pet or an object as a character, cast as ``@owner.name``, with its owner's consent settings."""
        name = (name or "").strip().lower().lstrip("@")
        video = Path(video or "")
        try:
            if not CHARACTER_NAME.match(name):
                raise SandboxError(f"`name` must be 2–20 letters, digits or _ but is {name[:40]!r}")
            with self.db.session() as s:
                mine = s.scalars(select(Cameo).where(Cameo.owner_id == owner_id, Cameo.kind == "character",
                                                     Cameo.status == "verified")).all()
                if any(c.name == name for c in mine):
                    raise SandboxError(f"`name`: you already have a character called {name!r}")
                if len(mine) >= self.config.max_characters:
                    raise SandboxError(f"you have {len(mine)} characters, the most allowed: delete one first")
            report = verify_character_clip(video, self.config.characters)
            kept = self.keep_upload(video)
        finally:
            if delete_upload and video.is_file():
                video.unlink(missing_ok=True)
        return self.store(owner_id, "character", name, report, {}, kept, "")

    def keep_upload(self, video: Path) -> str | None:
        if not self.config.keep_uploads:
            return None
        return self.private.write(video.suffix or ".mp4", lambda p: shutil.copyfile(video, p))

    def store(self, owner_id: str, kind: str, name: str, report, descriptor: dict, kept: str | None,
              challenge: str) -> dict:
        shas = [self.private.put_bytes(png_bytes(c), ".png") for c in report.crops] if report.passed else []
        status = "verified" if report.passed else "rejected"
        try:
            with self.db.session() as s:
                s.execute(delete(Cameo).where(Cameo.owner_id == owner_id, Cameo.status == "rejected",
                                              Cameo.kind == kind, Cameo.name == name))
                cameo = Cameo(owner_id=owner_id, kind=kind, name=name, status=status,
                              checks={**report.to_dict(), "kept_upload": kept}, reference_shas={"ids": shas},
                              descriptor=descriptor if report.passed else {}, challenge=challenge[:200])
                s.add(cameo)
                s.flush()
                cameo_id = cameo.id
                handle = cameo_handle(cameo, s.get(User, owner_id))
        except Exception:
            for sha in shas:
                self.private.delete(sha, ".png")
            raise
        return {"cameo_id": cameo_id, "handle": handle, "kind": kind, "status": status,
                "checks": report.to_dict()["checks"], "report": report.markdown()}

    def check_unique_face(self, owner_id: str, descriptors: list[list[float]]) -> Check:
        """One face, one cameo: a face close to someone else's cameo — or to its mirror image — is refused."""
        with self.db.session() as s:
            rows = s.execute(select(Cameo.descriptor, User.handle).join(User, User.id == Cameo.owner_id)
                             .where(Cameo.status == "verified", Cameo.kind == "person",
                                    Cameo.owner_id != owner_id)).all()
        mine = [d for d in descriptors if d]
        closest, who = float("inf"), ""
        for other, handle in rows:
            theirs = [other.get(k) for k in ("v", "mirrored") if other.get(k)]
            for a in mine:
                for b in theirs:
                    if (d := distance(a, b)) < closest:
                        closest, who = d, handle
        if closest < self.config.unique_face_distance:
            return Check("unique face", False, f"this face already belongs to @{who}'s cameo (distance "
                         f"{closest:.2f} < {self.config.unique_face_distance:g}) — you can only make a cameo of "
                         "yourself")
        nearest = f"nearest other cameo {closest:.2f} apart" if rows else "no other cameo yet"
        return Check("unique face", True, f"no other cameo shows this face ({nearest})")

    # ------------------------------------------------------------------ owner settings
    @staticmethod
    def owned(s: Session, owner_id: str, cameo: str = "", live: bool = True) -> Cameo | None:
        """The owner's cameo named by ``cameo``: "" = their own (person) cameo; else a character by name,
        ``@owner.name`` or id. ``live``: verified only; else the newest not deleted."""
        ref = (cameo or "").strip().lstrip("@").lower()
        query = select(Cameo).where(Cameo.owner_id == owner_id)
        if not ref:
            query = query.where(Cameo.kind == "person")
        elif ref.startswith("c_"):
            query = query.where(Cameo.id == ref)
        else:
            query = query.where(Cameo.kind == "character", Cameo.name == ref.rsplit(".", 1)[-1])
        query = query.where(Cameo.status == "verified") if live else query.where(Cameo.status != "deleted")
        return s.scalar(query.order_by(Cameo.created_at.desc()))

    @staticmethod
    def what(cameo: str) -> str:
        return f"character {cameo!r}" if cameo else "verified cameo"

    def mine(self, owner_id: str, cameo: str = "") -> dict | None:
        """The owner's cameo (or character ``cameo``) with its settings and reference crops (paths in the
        private store)."""
        with self.db.session() as s:
            row = self.owned(s, owner_id, cameo, live=False)
            if row is None:
                return None
            access = s.execute(select(User.handle, CameoAccess.status).join(User, User.id == CameoAccess.user_id)
                               .where(CameoAccess.cameo_id == row.id)).all()
            return {"cameo_id": row.id, "kind": row.kind, "handle": cameo_handle(row, s.get(User, owner_id)),
                    "status": row.status, "policy": row.policy,
                    "approved": sorted(h for h, st in access if st == "approved"),
                    "revoked": sorted(h for h, st in access if st == "revoked"),
                    "instructions": row.instructions, "paused": row.paused,
                    "checks": row.checks.get("checks", []),
                    "references": [str(self.private.path(sha, ".png")) for sha in row.reference_shas.get("ids", [])]}

    def characters(self, owner_id: str) -> list[dict]:
        """The owner's characters (pets and objects), verified or not."""
        with self.db.session() as s:
            names = s.scalars(select(Cameo.name).where(Cameo.owner_id == owner_id, Cameo.kind == "character",
                                                       Cameo.status != "deleted").order_by(Cameo.name)).all()
        return [self.mine(owner_id, name) for name in names]

    def settings(self, owner_id: str, policy: str | None = None, approved: list[str] | None = None,
                 instructions: str | None = None, paused: bool | None = None, cameo: str = "") -> dict:
        """Change who may use the cameo (or character ``cameo``), the approved list (replaces it), the
        instructions added to every prompt that uses it, and pause. ``None`` leaves a setting as it is."""
        if policy is not None and policy not in POLICIES:
            raise SandboxError(f"`policy` must be one of {POLICIES} but is {policy!r}")
        if instructions is not None:
            instructions = clean_text("instructions", instructions, required=False,
                                      max_chars=self.config.max_instructions_chars)
            if instructions and self.check_text is not None:
                self.check_text("instructions", instructions, owner_id)
        with self.db.session() as s:
            row = self.owned(s, owner_id, cameo)
            if row is None:
                raise NotFound(f"you have no {self.what(cameo)}: create one in the Cameo tab first")
            if approved is not None:
                self._set_approved(s, row, owner_id, approved)
            if policy is not None:
                row.policy = policy
            if instructions is not None:
                row.instructions = instructions
            if paused is not None:
                row.paused = bool(paused)
        return self.mine(owner_id, cameo)

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
                             .where(Cameo.status == "verified").order_by(User.handle, Cameo.name)).all()
            out = [{"cameo_id": c.id, "handle": cameo_handle(c, u), "kind": c.kind,
                    "display_name": f"{u.display_name}'s {c.name}" if c.kind == "character" else u.display_name,
                    "mine": u.id == actor_id}
                   for c, u in rows if use_refusal(s, c, actor_id) is None]
        return sorted(out, key=lambda d: not d["mine"])

    def resolve(self, s: Session, actor_id: str, refs: list[str], prompt: str = "") -> list[Cameo]:
        """Cameos named by id or @handle, plus @handles in the prompt; each checked for consent."""
        wanted = [r.strip() for r in refs if r and r.strip()] + [f"@{m}" for m in MENTION.findall(prompt or "")]
        cameos: dict[str, Cameo] = {}
        for ref in wanted:
            if ref.startswith("@") and "." in ref:
                owner_handle, name = ref.split(".", 1)
                owner = user_by_handle(s, owner_handle)
                cameo = self.owned(s, owner.id, name)
                if cameo is None:
                    raise NotFound(f"@{owner.handle} has no character {name!r}: pick one you may use")
            elif ref.startswith("@"):
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
            raise SandboxError(f"`cameos`: at most {self.config.max_per_video} cameos or characters per video "
                               f"but got {len(cameos)}")
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
            labels = {c.id: f"{owners[c.id].display_name}'s {c.name}" if c.kind == "character"
                      else owners[c.id].display_name for c in chosen}
            instructions = [(labels[c.id], c.instructions) for c in chosen if c.instructions]
            faces = {c.id: [c.descriptor[k] for k in ("v", "mirrored") if c.descriptor.get(k)]
                     for c in chosen if c.kind == "person"}
        if not chosen:
            return self.generation.generate(actor_id, request, progress, cancelled=cancelled, **conditioning)
        spec = self.generation.loader.spec_for(request.model)
        if "r2v" not in spec.tasks:
            raise SandboxError(f"`model` {spec.label} cannot cast cameos: pick a model that takes reference images "
                               "(Wan VACE or the tiny offline model)")
        request = replace(request, cameo_ids=tuple(c.id for c in chosen))
        allowed = frozenset(n for c in chosen if c.kind == "person"
                            for n in (owners[c.id].display_name.casefold(), owners[c.id].handle))
        conditioning.setdefault("reference_images", self.reference_images(chosen))
        # the owners' instructions reach the pipeline only: the draft, the post and the feed keep the prompt
        # as its author wrote it
        result = self.generation.generate(actor_id, request, progress, allowed_figures=allowed,
                                          private_prompt=private_instructions(instructions), cancelled=cancelled,
                                          **conditioning)
        carried = {cid: likeness(result.video_path, d) for cid, d in faces.items()}
        self.record_draft_uses(actor_id, result.draft_id, list(request.cameo_ids), carried)
        return result

    def record_draft_uses(self, actor_id: str, draft_id: str, cameo_ids: list[str],
                          carried: dict[str, dict] | None = None) -> None:
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
                                   media_sha256=draft.media_sha256, likeness=(carried or {}).get(cameo.id, {})))
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
            measured = s.scalar(select(CameoUse.likeness).where(CameoUse.cameo_id == cameo_id,
                                                                CameoUse.media_sha256 == post.media_sha256))
            s.add(CameoUse(cameo_id=cameo_id, user_id=post.user_id, kind="post", draft_id=post.draft_id,
                           post_id=post.id, media_sha256=post.media_sha256, likeness=measured or {}))
            notify(s, cameo.owner_id, "cameo", post.user_id, post.id, "published a post with your cameo")

    # ------------------------------------------------------------------ owner controls
    def uses(self, owner_id: str, include_removed: bool = False) -> list[dict]:
        """Every draft and post, by anyone, that uses the owner's cameo or characters (newest first), with a
        preview and how much of the owner's face the video carries (``likeness``)."""
        with self.db.session() as s:
            owner = s.get(User, owner_id)
            query = (select(CameoUse, User.handle, Cameo).join(Cameo, Cameo.id == CameoUse.cameo_id)
                     .join(User, User.id == CameoUse.user_id).where(Cameo.owner_id == owner_id)
                     .order_by(CameoUse.created_at.desc()))
            if not include_removed:
                query = query.where(CameoUse.removed == "")
            return [{"use_id": u.id, "kind": u.kind, "creator": handle, "draft_id": u.draft_id, "post_id": u.post_id,
                     "cameo": cameo_handle(c, owner) if owner else c.id,
                     "created_at": u.created_at.isoformat(timespec="seconds"), "removed": u.removed,
                     "likeness": likeness_text(u.likeness, c.kind),
                     "video": None if u.removed else str(self.media.path(u.media_sha256))}
                    for u, handle, c in s.execute(query).all()]

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

    def revoke(self, owner_id: str, handle: str, cameo: str = "") -> dict:
        """Refuse @handle from now on, whatever the policy, and take down their videos with the cameo (or
        character ``cameo``)."""
        ref = cameo
        with self.db.session() as s:
            cameo = self.owned(s, owner_id, ref)
            if cameo is None:
                raise NotFound(f"you have no {self.what(ref)} to revoke access to")
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

    def delete(self, owner_id: str, cameo: str = "") -> dict:
        """Delete the cameo (or character ``cameo``): drafts using it are deleted, posts taken down, references
        erased, future use refused."""
        ref = cameo
        with self.db.session() as s:
            cameo = self.owned(s, owner_id, ref, live=False)
            if cameo is None:
                raise NotFound(f"you have no {'character ' + repr(ref) if ref else 'cameo'} to delete")
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


def likeness_text(measured: dict, kind: str) -> str:
    """One line for "Used in": how close the faces in the video are to the cameo's face."""
    if kind == "character":
        return "not measured (a character has no face descriptor)"
    if not measured:
        return "not measured"
    if not measured.get("face"):
        return "no face found in the video"
    d = measured["distance"]
    verdict = "looks like you" if d < SAME_PERSON_DISTANCE else "does not look like you"
    return f"face distance {d:.2f} ({verdict}; below {SAME_PERSON_DISTANCE:g} = the same person)"


def png_bytes(rgb: np.ndarray) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()
