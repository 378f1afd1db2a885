"""Perceptual fingerprints of videos, for when the invisible mark is gone: a 256-bit DCT hash per frame (the
low frequencies survive re-encoding, scaling, blur and noise), stored for the whole frame and for centre
crops (a cropped copy matches the crop it shows), compared with mirrored query frames (a flipped copy) and
frame by frame without regard to order or rate (a trimmed copy, another frame rate). :class:`FingerprintIndex`
finds the candidates among many videos through banded hash tables, so that lookup does not scan every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

VERSION = 2
MAX_FRAMES = 16  # frames hashed per video (evenly spaced)
CROPS = (1.0, 0.9, 0.8)  # centre crops stored for each video
RES = 64  # frames are hashed at this size (as PDQ does)
SIDE = 16  # low DCT frequencies per side → 256 bits
BITS = SIDE * SIDE
WORDS = BITS // 64
BAND_BITS = 32
BANDS = BITS // BAND_BITS  # a hash within BANDS - 1 bits of another shares a band exactly; further apart,
# one of a video's many frame pairs usually still does (measured: every copy in the benchmark's table)
# Median per-frame Hamming distance (bits of 256) at or below which a query matches a video (measured by
# benchmarks/bench_provenance.py on the copies of its table and on unrelated videos).
MATCH_BITS = 32.0
AMBIGUITY_BITS = 8.0  # the best match must beat the runner-up by this much to be named
CANDIDATES = 64  # videos whose full distance is computed per lookup (the most band hits first)


def _dct_rows() -> np.ndarray:
    """The first ``SIDE`` rows of the orthonormal DCT-II matrix of size ``RES``."""
    n, k = np.arange(RES), np.arange(SIDE)[:, None]
    rows = np.cos(np.pi * (2 * n + 1) * k / (2 * RES)) * np.sqrt(2 / RES)
    rows[0] /= np.sqrt(2)
    return rows.astype(np.float32)


DCT_ROWS = _dct_rows()


def frame_hashes(grays: list[np.ndarray]) -> list[int]:
    """256-bit DCT hashes of grayscale frames (any sizes): the same picture at another size hashes alike.

    >>> ramp = np.tile(np.arange(0, 256, 4, dtype=np.uint8), (48, 1))
    >>> a, b = frame_hashes([ramp, ramp.repeat(2, 0).repeat(2, 1)])
    >>> bin(a ^ b).count("1")
    0
    """
    from PIL import Image

    if not grays:
        return []
    small = np.stack([np.asarray(Image.fromarray(np.asarray(g, np.uint8)).resize((RES, RES), Image.BOX), np.float32)
                      for g in grays])
    low = np.einsum("ky,nyx,lx->nkl", DCT_ROWS, small, DCT_ROWS).reshape(len(grays), BITS)
    low[:, 0] = np.median(low[:, 1:], axis=1)  # the DC term (brightness) carries no shape
    bits = np.packbits(low > np.median(low, axis=1, keepdims=True), axis=1)
    return [int.from_bytes(row.tobytes()) for row in bits]


def frame_hash(gray: np.ndarray) -> int:
    """256-bit DCT hash of one grayscale frame."""
    return frame_hashes([gray])[0]


def _gray(frames: np.ndarray) -> np.ndarray:
    f = frames.astype(np.float32)
    return (0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]).round().astype(np.uint8)


def _centre(gray: np.ndarray, share: float) -> np.ndarray:
    h, w = gray.shape
    ch, cw = round(h * share), round(w * share)
    y, x = (h - ch) // 2, (w - cw) // 2
    return gray[y: y + ch, x: x + cw]


def _sample(frames: np.ndarray) -> np.ndarray:
    idx = np.unique(np.linspace(0, len(frames) - 1, min(MAX_FRAMES, len(frames))).round().astype(int))
    return frames[idx]


def video_fingerprint(video: Path | np.ndarray) -> dict:
    """What is stored for a video: per crop, the hashes (hex) of up to ``MAX_FRAMES`` frames."""
    from sandbox.generation.video import read_frames

    frames = read_frames(video) if isinstance(video, (str, Path)) else video
    gray = _gray(_sample(frames))
    return {"version": VERSION,
            "crops": {str(c): [format(h, f"0{BITS // 4}x") for h in frame_hashes([_centre(g, c) for g in gray])]
                      for c in CROPS}}


def query_hashes(frames: np.ndarray) -> dict[bool, np.ndarray]:
    """Hashes of a copy's frames, as shown and mirrored ((frames, WORDS) uint64 arrays)."""
    gray = _gray(_sample(frames))
    return {mirrored: to_words(frame_hashes([g[:, ::-1] if mirrored else g for g in gray]))
            for mirrored in (False, True)}


def to_words(hashes: list[int]) -> np.ndarray:
    """Hashes as (n, WORDS) uint64, most significant word first.

    >>> to_words([2**64 + 5]).tolist()
    [[0, 0, 1, 5]]
    """
    mask = 2**64 - 1
    return np.array([[(h >> (64 * (WORDS - 1 - i))) & mask for i in range(WORDS)] for h in hashes],
                    np.uint64).reshape(-1, WORDS)


def set_distance(query: np.ndarray, stored: np.ndarray) -> float:
    """Median over the query's frames of the Hamming distance to the nearest stored frame: order, rate and
    trimmed ends do not matter.

    >>> set_distance(to_words([0, 3]), to_words([1, 3]))
    0.5
    """
    d = np.bitwise_count(query[:, None] ^ stored[None, :]).sum(-1).min(1)
    return float(np.median(d))


@dataclass
class FingerprintMatch:
    media_sha256: str
    distance_bits: float
    crop: float
    mirrored: bool


def _band(words: np.ndarray, band: int) -> np.ndarray:
    """The ``band``-th ``BAND_BITS`` bits of each hash in ``words`` (n, WORDS)."""
    word, part = divmod(band, 64 // BAND_BITS)
    return (words[:, word] >> np.uint64(BAND_BITS * part)) & np.uint64(2**BAND_BITS - 1)


class FingerprintIndex:
    """Every stored video's hashes in memory, with one sorted table per 32-bit band of the hashes. A lookup
    takes the videos that share a band value with any query hash (ranked by how many they share), then
    computes the full distance for the first ``CANDIDATES`` of them.

    >>> index = FingerprintIndex()
    >>> index.add("a" * 64, {"version": 2, "crops": {"1.0": [format(2**40 - 1, "064x")]}})
    >>> index.search({False: to_words([2**40 - 1]), True: to_words([1])})[0].media_sha256[:3]
    'aaa'
    """

    def __init__(self) -> None:
        self.owners: list[str] = []  # video number → media sha256
        self._owner_of: dict[str, int] = {}
        self._pending: list[tuple[int, float, int]] = []  # (video, crop, hash) not yet in the arrays
        self.hashes = np.zeros((0, WORDS), np.uint64)
        self.video = np.zeros(0, np.int64)
        self.crop = np.zeros(0, np.float32)
        self._bands: list[tuple[np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return len(self.owners)

    def add(self, media_sha256: str, fingerprint: dict) -> None:
        if fingerprint.get("version") != VERSION or media_sha256 in self._owner_of:
            return
        number = len(self.owners)
        self.owners.append(media_sha256)
        self._owner_of[media_sha256] = number
        for crop, hashes in fingerprint["crops"].items():
            self._pending.extend((number, float(crop), int(h, 16)) for h in hashes)

    def add_arrays(self, owners: list[str], hashes: np.ndarray, video: np.ndarray, crop: np.ndarray) -> None:
        """Bulk load: ``hashes`` (n, WORDS) uint64 of the videos ``owners[video[i]]`` at ``crop[i]``, rows
        grouped by video (a rebuild from a dump, the benchmark's synthetic 100k posts)."""
        self._flush()
        base = len(self.owners)
        self.owners.extend(owners)
        self._owner_of.update({sha: base + i for i, sha in enumerate(owners)})
        self.hashes = np.concatenate([self.hashes, hashes.astype(np.uint64)])
        self.video = np.concatenate([self.video, video.astype(np.int64) + base])
        self.crop = np.concatenate([self.crop, crop.astype(np.float32)])
        self._pending = [(-1, 0.0, 0)]  # rebuild the band tables on the next search
        self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        pending = [p for p in self._pending if p[0] >= 0]
        self._pending = []
        if pending:
            video, crop, hashes = zip(*pending, strict=True)
            self.hashes = np.concatenate([self.hashes, to_words(list(hashes))])
            self.video = np.concatenate([self.video, np.array(video, np.int64)])
            self.crop = np.concatenate([self.crop, np.array(crop, np.float32)])
        self._bands = []
        for b in range(BANDS):
            values = _band(self.hashes, b)
            order = np.argsort(values, kind="stable")
            self._bands.append((values[order], order))

    def candidates(self, query: dict[bool, np.ndarray]) -> np.ndarray:
        """Videos sharing a band value with a query hash, the most shared first (at most ``CANDIDATES``)."""
        self._flush()
        hashes = np.concatenate(list(query.values()))
        found = []
        for b, (values, order) in enumerate(self._bands):
            keys = _band(hashes, b)
            lo, hi = np.searchsorted(values, keys, "left"), np.searchsorted(values, keys, "right")
            sizes = hi - lo
            if sizes.sum():  # every row in every [lo, hi) range, without a Python loop over them
                starts = np.repeat(lo - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
                found.append(np.unique(self.video[order[starts + np.arange(sizes.sum())]]))
        if not found:
            return np.zeros(0, np.int64)
        videos, hits = np.unique(np.concatenate(found), return_counts=True)
        top = np.argsort(-hits, kind="stable")[:CANDIDATES]
        return videos[top]

    def search(self, query: dict[bool, np.ndarray], top: int = 2) -> list[FingerprintMatch]:
        """The ``top`` closest videos (each at its best crop and orientation), closest first. All the
        candidates' rows are compared with all query hashes at once; rows come grouped by (video, crop)."""
        videos = self.candidates(query)
        if len(videos) == 0:
            return []
        rows = np.concatenate([self._rows(int(v)) for v in videos])
        group = self.video[rows] * 8 + np.searchsorted(np.array(CROPS[::-1], np.float32), self.crop[rows])
        starts = np.concatenate([[0], np.nonzero(np.diff(group))[0] + 1])
        stored = self.hashes[rows]
        best: dict[int, FingerprintMatch] = {}
        for mirrored, hashes in query.items():
            d = np.bitwise_count(hashes[:, None, :] ^ stored[None, :, :]).sum(-1)  # (query frames, rows)
            per_group = np.median(np.minimum.reduceat(d, starts, axis=1), axis=0)
            for g, dist in zip(starts, per_group, strict=True):
                v = int(self.video[rows[g]])
                if v not in best or dist < best[v].distance_bits:
                    best[v] = FingerprintMatch(self.owners[v], float(dist), float(self.crop[rows[g]]), mirrored)
        return sorted(best.values(), key=lambda m: m.distance_bits)[:top]

    def _rows(self, video: int) -> np.ndarray:
        """Rows of one video (rows are appended video by video, so they are contiguous)."""
        lo = int(np.searchsorted(self.video, video, "left"))
        hi = int(np.searchsorted(self.video, video, "right"))
        return np.arange(lo, hi)
