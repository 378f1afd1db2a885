"""What provenance adds to every video (visible watermark, invisible mark, credentials) and the answer to "is
this video real, and whose is it?"."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import asdict
from pathlib import Path

import numpy as np
from sqlalchemy import select

from sandbox.errors import SandboxError
from sandbox.provenance.audio_fingerprint import AudioLookup
from sandbox.provenance.credentials import ContentCredentials
from sandbox.provenance.fingerprint import (
    AMBIGUITY_BITS,
    BITS,
    MATCH_BITS,
    FingerprintIndex,
    FingerprintMatch,
    query_hashes,
)
from sandbox.provenance.mark import CODE_BITS, MarkConfig, MarkReading, embed_mark, read_mark
from sandbox.provenance.watermark import WatermarkConfig, apply_watermark
from sandbox.sound.media import has_audio
from sandbox.store.db import Database
from sandbox.store.references import origin_of
from sandbox.store.schema import Fingerprint, Mark

log = logging.getLogger("sandbox.provenance")
MAX_VERIFY_BYTES = 200 * 2**20


class MarkTable:
    """The invisible mark as the generation step uses it: a code for the frames (derived from them, unique in
    the ``marks`` table), the mark written, and the code recorded against the file that carries it.

    >>> from sandbox.store.db import Database
    >>> table = MarkTable(Database("sqlite:///:memory:"))
    >>> frames = np.full((3, 256, 256, 3), 90, np.uint8)
    >>> marked, code = table.embed(frames)
    >>> table.embed(frames)[1] == code  # the same frames, the same code (and so the same file)
    True
    """

    def __init__(self, db: Database, config: MarkConfig | None = None) -> None:
        self.db = db
        self.config = config or MarkConfig()

    def code_for(self, frames: np.ndarray) -> int:
        digest = hashlib.sha256(np.ascontiguousarray(frames).tobytes()).hexdigest()
        with self.db.session() as s:
            for attempt in range(16):  # another video holding the code: derive the next one
                code = int.from_bytes(hashlib.sha256(f"{digest}:{attempt}".encode()).digest()[:CODE_BITS // 8])
                row = s.get(Mark, code)
                if row is None:
                    s.add(Mark(code=code, frames_sha256=digest))
                    return code
                if row.frames_sha256 == digest:
                    return code
        raise SandboxError("no free invisible-mark code after 16 tries; the marks table is corrupt")

    def embed(self, frames: np.ndarray) -> tuple[np.ndarray, int]:
        code = self.code_for(frames)
        return embed_mark(frames, code, self.config), code

    def record(self, code: int, media_sha256: str) -> None:
        with self.db.session() as s:
            row = s.get(Mark, code)
            if row is not None:
                row.media_sha256 = media_sha256

    def media_of(self, code: int) -> str | None:
        with self.db.session() as s:
            row = s.get(Mark, code)
            return row.media_sha256 if row else None


class ProvenanceService:
    """Marks and signs what the sandbox makes (``mark``, ``marks``, ``sign``, given to generation by the
    context) and answers "is this video real, and whose is it?" (``verify``)."""

    def __init__(self, db: Database, credentials: ContentCredentials,
                 watermark: WatermarkConfig | None = None, mark: MarkConfig | None = None,
                 audio: AudioLookup | None = None) -> None:
        self.db = db
        self.audio = audio or AudioLookup(db)  # "was this sound made here?" for audio files and silent matches
        self.credentials = credentials
        self.watermark = watermark or WatermarkConfig()
        self.marks = MarkTable(db, mark)
        self.index = FingerprintIndex()
        self._index_lock = threading.Lock()
        self._indexed_until = None  # created_at of the newest fingerprint row in the index

    def mark(self, frames: np.ndarray, claims: dict) -> np.ndarray:
        """The visible "AI · sandbox · @creator" watermark on every frame."""
        return apply_watermark(frames, claims["creator"].lstrip("@"), self.watermark)

    def sign(self, src: Path, dest: Path, claims: dict, parent: Path | None = None,
             components: list[Path] | None = None) -> None:
        self.credentials.sign(src, dest, {k: v for k, v in claims.items() if v is not None}, parent, components)

    def claims_of(self, path: Path) -> dict:
        """The generation claims of a video this sandbox signed, if its credentials are intact (a remix reads
        which model made its original's sound); {} for anything else."""
        report = self.credentials.read(Path(path))
        return dict(report.claims) if report.valid and report.signed_here and not report.altered else {}

    # ------------------------------------------------------------------ verify
    def verify(self, viewer_id: str, path: Path) -> dict:
        """Credentials (valid? altered? AI-made? claims, remix chain), the invisible mark, the fingerprint,
        and the original in this sandbox they lead to."""
        from sandbox.generation.video import read_frames

        path = Path(path)
        if not path.is_file():
            raise SandboxError("`video` is missing: upload a video file")
        if path.stat().st_size > MAX_VERIFY_BYTES:
            raise SandboxError(f"`video` must be at most {MAX_VERIFY_BYTES // 2**20} MB "
                               f"but is {path.stat().st_size // 2**20} MB")
        report = self.credentials.read(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        sound = has_audio(path)
        try:
            frames = read_frames(path)
        except Exception as exc:
            if not report.has_manifest and not sound:
                # the decoder's own words (ffmpeg's build configuration and all) go to the log, not to people
                log.warning("verify: %s is not a readable video: %s", path.name, exc)
                raise SandboxError("this is not a video we can read — upload an MP4 or WebM video, or an M4A "
                                   "or WAV sound file") from None
            frames = None
        match, evidence = self.trace(viewer_id, frames, digest)
        evidence["audio"] = None
        if sound and (match is None or match["ambiguous"]):  # the picture found nothing: the sound may
            evidence["audio"] = self.audio.find(viewer_id, path)
            heard = evidence["audio"]
            if heard and not heard["ambiguous"]:
                match = {**heard, "by": "sound", "exact": False, "unknown_mark": False, "distance_bits": None,
                         "agree": None}
        summary = self.summary(report, match, evidence)
        return {"summary": summary, "credentials": asdict(report), "match": match, **evidence,
                "draft_id": (match or {}).get("draft_id"), "post_id": (match or {}).get("post_id")}

    def refresh_index(self) -> int:
        """Bring fingerprints written since the last call (by this or another process) into the index."""
        with self._index_lock, self.db.session() as s:
            query = select(Fingerprint.media_sha256, Fingerprint.hashes, Fingerprint.created_at)
            if self._indexed_until is not None:
                query = query.where(Fingerprint.created_at >= self._indexed_until)
            for sha, hashes, created in s.execute(query):
                self.index.add(sha, hashes)
                if self._indexed_until is None or created > self._indexed_until:
                    self._indexed_until = created
        return len(self.index)

    def lookup(self, viewer_id: str, frames: np.ndarray | None, sha256: str | None = None) -> dict | None:
        """The match :meth:`trace` finds (None: no video made here)."""
        return self.trace(viewer_id, frames, sha256)[0]

    def trace(self, viewer_id: str, frames: np.ndarray | None,
              sha256: str | None = None) -> tuple[dict | None, dict]:
        """(match, evidence): the video made here that this file is: the very file (same bytes); else the one
        its invisible mark names (the mark decides when it is readable: look-alike videos by different people are not
        confused); else the perceptually closest one if it is close enough and clearly closer than any other.
        Drafts stay private: their id is shown only to their creator; posts are public. The evidence: what the
        mark and the fingerprint said, also when nothing matched."""
        with self.db.session() as s:
            exact = sha256 if sha256 and s.get(Fingerprint, sha256) is not None else None
        reading = read_mark(frames, self.marks.config) if frames is not None and not exact else None
        mark_sha = self.marks.media_of(reading.code) if reading and reading.code is not None else None
        fingerprint: list[FingerprintMatch] = []
        if frames is not None and not exact:
            self.refresh_index()
            fingerprint = self.index.search(query_hashes(frames))
        found = {"mark": self._mark_report(reading, mark_sha), "fingerprint": None, "agree": None}
        best = fingerprint[0] if fingerprint else None
        if best is not None:
            runner_up = fingerprint[1].distance_bits if len(fingerprint) > 1 else None
            found["fingerprint"] = {
                "distance_bits": best.distance_bits, "of_bits": BITS, "close": best.distance_bits <= MATCH_BITS,
                "runner_up_bits": runner_up, "crop": best.crop, "mirrored": best.mirrored,
                "ambiguous": runner_up is not None and runner_up - best.distance_bits < AMBIGUITY_BITS}
        with self.db.session() as s:
            if exact:
                origin, by = exact, "file"
            elif mark_sha:
                origin, by = mark_sha, "mark"
            elif reading is not None and reading.code is not None:
                origin, by = None, "mark"  # a mark this sandbox did not write (or its video is gone) decides
            elif found["fingerprint"] and found["fingerprint"]["close"] and not found["fingerprint"]["ambiguous"]:
                origin, by = best.media_sha256, "fingerprint"
            else:
                origin, by = None, None
            if found["fingerprint"] and found["fingerprint"]["close"]:
                found["fingerprint"]["origin"] = origin_of(s, best.media_sha256, viewer_id)
                if mark_sha:
                    found["agree"] = best.media_sha256 == mark_sha
            result = origin_of(s, origin, viewer_id) if origin else None
        evidence = {"mark": found["mark"], "fingerprint": found["fingerprint"]}
        if result is None and by is None and found["fingerprint"] and found["fingerprint"]["close"]:
            return {**found, "by": "fingerprint", "ambiguous": True, "creator": None, "post_id": None,
                    "draft_id": None, "private_draft": False, "exact": False,
                    "distance_bits": found["fingerprint"]["distance_bits"]}, evidence
        if result is None:
            return None if reading is None or reading.code is None else {
                **found, "by": "mark", "ambiguous": False, "creator": None, "post_id": None, "draft_id": None,
                "private_draft": False, "exact": False, "unknown_mark": True, "distance_bits": None}, evidence
        return {**found, **result, "by": by, "ambiguous": False, "exact": by == "file", "unknown_mark": False,
                "distance_bits": 0.0 if by == "file" else (found["fingerprint"] or {}).get("distance_bits")}, evidence

    @staticmethod
    def _mark_report(reading: MarkReading | None, media_sha256: str | None) -> dict | None:
        if reading is None:
            return None
        return {**reading.to_dict(), "found": reading.code is not None, "known": media_sha256 is not None}

    @staticmethod
    def summary(report, match: dict | None, evidence: dict | None = None) -> str:
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
        evidence = evidence or match or {}
        mark = evidence.get("mark")
        if mark and mark["found"]:
            known = "a video made here" if mark["known"] else "no video in this sandbox (made elsewhere or removed)"
            lines.append(f"🔏 Invisible mark {mark['code']}: carried by {mark['frames_carrying']} of "
                         f"{mark['frames_read']} frames on its own, read from all of them together"
                         f"{', mirrored' if mark['mirrored'] else ''}; it leads to {known}.")
        elif mark:
            lines.append("🔏 No invisible mark could be read.")
        fp = evidence.get("fingerprint")
        if fp:
            closeness = "close" if fp["close"] else "not close"
            lines.append(f"🧬 Fingerprint: nearest video {fp['distance_bits']:g} of {fp['of_bits']} bits apart per "
                         f"frame ({closeness}; match at ≤ {MATCH_BITS:g})"
                         + (f", {fp['runner_up_bits']:g} for the next one" if fp["runner_up_bits"] is not None else "")
                         + ".")
        heard = evidence.get("audio")
        if heard:
            lines.append(f"🔊 Audio fingerprint: {heard['votes']} landmarks agree with a video made here"
                         + (" — but with several, so it names none." if heard["ambiguous"] else "."))
        if match and match.get("agree") is not None:
            lines.append("🤝 Mark and fingerprint agree." if match["agree"] else
                         "⚖️ Mark and fingerprint point to different videos that look alike: the mark decides.")
        if match and match["ambiguous"]:
            lines.append("🔎 Looks like several videos made here; none is a clear match.")
        elif match and match.get("unknown_mark"):
            lines.append("🔎 No matching video was made in this sandbox.")
        elif match:
            where = f"post {match['post_id']}" if match["post_id"] else (
                f"your draft {match['draft_id']}" if match["draft_id"] else "an unpublished draft")
            how = {"file": "the very same file",
                   "mark": f"invisible mark, in {mark['frames_carrying']} of {mark['frames_read']} frames"
                   if mark else "invisible mark",
                   "fingerprint": f"fingerprint, {match['distance_bits']:g} of {BITS} bits apart"
                   if match["by"] == "fingerprint" else "",
                   "sound": f"audio fingerprint, {match.get('votes')} landmarks agree"}[match["by"]]
            lines.append(f"🔎 Matches {where} by @{match['creator']} ({how}).")
        else:
            lines.append("🔎 No matching video was made in this sandbox.")
        return "\n".join(lines)
