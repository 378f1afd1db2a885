"""What provenance adds to every video (mark, credentials) and the answer to "is this video real, and whose is it?"."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict
from pathlib import Path

import numpy as np
from sqlalchemy import select

from sandbox.errors import SandboxError
from sandbox.provenance.credentials import ContentCredentials
from sandbox.provenance.fingerprint import BITS, MATCH_FRACTION, distance, video_fingerprint
from sandbox.provenance.watermark import WatermarkConfig, apply_watermark
from sandbox.store.db import Database
from sandbox.store.schema import Draft, Fingerprint, Post, User

log = logging.getLogger("sandbox.provenance")
MAX_VERIFY_BYTES = 200 * 2**20
AMBIGUITY_BITS = 3.0  # the best match must beat the runner-up by this much to be named


class ProvenanceService:
    """Marks and signs what the sandbox makes (``mark``, ``sign``, given to generation by the context) and
    answers "is this video real, and whose is it?" (``verify``)."""

    def __init__(self, db: Database, credentials: ContentCredentials,
                 watermark: WatermarkConfig | None = None) -> None:
        self.db = db
        self.credentials = credentials
        self.watermark = watermark or WatermarkConfig()

    def mark(self, frames: np.ndarray, claims: dict) -> np.ndarray:
        """The visible "AI · sandbox · @creator" watermark on every frame."""
        return apply_watermark(frames, claims["creator"].lstrip("@"), self.watermark)

    def sign(self, src: Path, dest: Path, claims: dict, parent: Path | None = None,
             components: list[Path] | None = None) -> None:
        self.credentials.sign(src, dest, {k: v for k, v in claims.items() if v is not None}, parent, components)

    # ------------------------------------------------------------------ verify
    def verify(self, viewer_id: str, path: Path) -> dict:
        """Credentials (valid? altered? AI-made? claims, remix chain) and the original in this sandbox."""
        path = Path(path)
        if not path.is_file():
            raise SandboxError("`video` is missing: upload a video file")
        if path.stat().st_size > MAX_VERIFY_BYTES:
            raise SandboxError(f"`video` must be at most {MAX_VERIFY_BYTES // 2**20} MB "
                               f"but is {path.stat().st_size // 2**20} MB")
        report = self.credentials.read(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        try:
            fingerprint = video_fingerprint(path)
        except Exception as exc:
            if not report.has_manifest:
                # the decoder's own words (ffmpeg's build configuration and all) go to the log, not to people
                log.warning("verify: %s is not a readable video: %s", path.name, exc)
                raise SandboxError("this is not a video we can read — upload an MP4 or WebM file") from None
            fingerprint = None
        match = self.lookup(viewer_id, fingerprint, digest)
        summary = self.summary(report, match)
        return {"summary": summary, "credentials": asdict(report), "match": match,
                "draft_id": (match or {}).get("draft_id"), "post_id": (match or {}).get("post_id")}

    def lookup(self, viewer_id: str, fingerprint: list[str] | None, sha256: str | None = None) -> dict | None:
        """The video made here that this file is: the very file (same bytes), else the perceptually closest
        one if it is close enough and clearly closer than any other. Drafts stay private: their id is shown
        only to their creator; posts are public."""
        with self.db.session() as s:
            exact = sha256 if sha256 and s.get(Fingerprint, sha256) is not None else None
            if exact:
                best, runner_up = (0.0, exact), None
            elif fingerprint:
                ranked = sorted((distance(fingerprint, hashes["frames"]), sha) for sha, hashes in
                                s.execute(select(Fingerprint.media_sha256, Fingerprint.hashes)).all())
                best = ranked[0] if ranked else None
                runner_up = ranked[1] if len(ranked) > 1 else None
            else:
                return None
            if best is None or best[0] > MATCH_FRACTION * BITS:
                return None
            d, sha = best
            if runner_up is not None and runner_up[0] - d < AMBIGUITY_BITS:
                return {"distance_bits": round(d, 2), "ambiguous": True, "creator": None, "post_id": None,
                        "draft_id": None, "private_draft": False}
            post = s.execute(select(Post, User.handle).join(User, User.id == Post.user_id)
                             .where(Post.media_sha256 == sha, Post.deleted.is_(False))).first()
            draft = s.execute(select(Draft, User.handle).join(User, User.id == Draft.user_id)
                              .where(Draft.media_sha256 == sha).order_by(Draft.created_at)).first()
            if post is None and draft is None:
                return None
            creator = (post or draft)[1]
            return {"distance_bits": round(d, 2), "ambiguous": False, "exact": exact is not None,
                    "creator": creator, "post_id": post[0].id if post else None,
                    "draft_id": draft[0].id if draft and draft[0].user_id == viewer_id else None,
                    "private_draft": post is None and draft is not None and draft[0].user_id != viewer_id}

    @staticmethod
    def summary(report, match: dict | None) -> str:
        lines = []
        if not report.has_manifest:
            lines.append("⚠️ No Content Credentials: this file does not say where it came from.")
        elif report.altered or not report.valid:
            lines.append("❌ Content Credentials are present but the file was altered after signing.")
        else:
            who = "this sandbox" if report.signed_here else "an unknown signer"
            lines.append(f"✅ Valid Content Credentials, signed by {who}.")
        if report.ai_generated:
            c = report.claims
            lines.append(f"🤖 AI-made: generated by {c.get('model', '?')} for {c.get('creator', '?')}.")
        if report.shots:  # a storyboard: one ingredient per shot
            lines.append(f"🎬 Made of {len(report.shots)} shots, each listed in the credentials.")
        for parent in report.parents:
            lines.append(f"🔁 Remix of a video by {parent['claims'].get('creator', '?')} ({parent['relationship']}).")
        if match and match["ambiguous"]:
            lines.append("🔎 Looks like several videos made here; none is a clear match.")
        elif match:
            where = f"post {match['post_id']}" if match["post_id"] else (
                f"your draft {match['draft_id']}" if match["draft_id"] else "an unpublished draft")
            how = ("the very same file" if match.get("exact") else
                   f"perceptual hash, {match['distance_bits']} of {BITS} bits apart")
            lines.append(f"🔎 Matches {where} by @{match['creator']} ({how}).")
        else:
            lines.append("🔎 No matching video was made in this sandbox.")
        return "\n".join(lines)
