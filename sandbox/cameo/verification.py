"""Is this clip one live face? Each check gives its own pass/fail line; the best crops become references.

Steps: ``read_clip`` (length, size, sampled frames) → ``detect_faces`` (OpenCV Haar cascade) →
``check_face_count`` → ``check_face_quality`` → ``check_movement`` (the face moves) →
``check_not_a_picture`` (it moves against its background, unlike a filmed photo) → ``pick_references``.

>>> report = verify_clip("me.mp4")  # doctest: +SKIP
>>> [(c.name, c.passed) for c in report.checks]  # doctest: +SKIP
[('length', True), ('resolution', True), ('one face', True), ('face size and sharpness', True), ...]
"""

from __future__ import annotations

import itertools
import logging
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sandbox.errors import SandboxError

log = logging.getLogger("sandbox.cameo")

AUDIO_CHECK_NOTE = ("The spoken-digits check is not active: no offline speech model is installed here, so only "
                    "the video is checked.")
DIRECTIONS = ("left, then right", "right, then left", "up, then down")


def new_challenge() -> str:
    """A random liveness challenge shown before recording."""
    digits = " ".join(str(secrets.randbelow(10)) for _ in range(3))
    return f"Turn your head {DIRECTIONS[secrets.randbelow(len(DIRECTIONS))]}; then say: {digits}"


@dataclass
class VerificationConfig:
    """Bounds for a cameo clip (see README, "Cameo")."""

    # --- the clip ---
    min_seconds: float = 3.0
    max_seconds: float = 15.0
    min_short_side: int = 240
    max_long_side: int = 2160
    max_bytes: int = 50 * 2**20
    # --- faces ---
    sample_frames: int = 16
    one_face_fraction: float = 0.6  # of sampled frames must show exactly one face
    min_face_fraction: float = 0.15  # face width / the frame's short side
    min_face_px: int = 64
    min_sharpness: float = 30.0  # variance of the Laplacian of the face crop
    # --- liveness ---
    min_face_travel: float = 0.15  # how far the face centre moves, in face widths
    min_relative_motion: float = 0.35  # face motion against the background, in face widths
    # --- what is kept ---
    references: int = 3
    crop_px: int = 256

    def __post_init__(self) -> None:
        if not 0 < self.min_seconds < self.max_seconds:
            raise ValueError(f"`min_seconds` must be positive and below `max_seconds` but are "
                             f"{self.min_seconds} and {self.max_seconds}")
        if not 0 < self.one_face_fraction <= 1:
            raise ValueError(f"`one_face_fraction` must be in (0, 1] but is {self.one_face_fraction}")
        if self.sample_frames < 4:
            raise ValueError(f"`sample_frames` must be at least 4 (motion needs several frames) "
                             f"but is {self.sample_frames}")
        if not 1 <= self.references <= self.sample_frames:
            raise ValueError(f"`references` must be between 1 and `sample_frames` but is {self.references}")


@dataclass
class Check:
    name: str
    passed: bool
    detail: str

    @property
    def line(self) -> str:
        return f"{'✅' if self.passed else '❌'} {self.name}: {self.detail}"


@dataclass
class VerificationReport:
    checks: list[Check] = field(default_factory=list)
    crops: list[np.ndarray] = field(default_factory=list, repr=False)  # (S, S, 3) uint8 references
    descriptor: list[float] = field(default_factory=list, repr=False)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        return [c.detail for c in self.checks if not c.passed]

    def to_dict(self) -> dict:
        return {"passed": self.passed, "checks": [asdict(c) for c in self.checks]}

    def markdown(self) -> str:
        return "\n".join(f"- {c.line}" for c in self.checks) + f"\n- ℹ️ {AUDIO_CHECK_NOTE}"


@dataclass
class Clip:
    frames: np.ndarray  # sampled frames, (N, H, W, 3) uint8, short side at most 360
    seconds: float
    width: int
    height: int


# ------------------------------------------------------------------ steps
def read_clip(path: Path, config: VerificationConfig) -> Clip:
    """Decode ``config.sample_frames`` evenly spaced frames. Raises for files that are not a readable video."""
    import cv2
    import imageio_ffmpeg

    path = Path(path)
    if not path.is_file():
        raise SandboxError("`video` is missing: record a clip or upload one")
    size = path.stat().st_size
    if size > config.max_bytes:
        raise SandboxError(f"`video` must be at most {config.max_bytes // 2**20} MB but is {size / 2**20:.0f} MB: "
                           "record a shorter clip")
    try:
        total, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
    except Exception as exc:  # ffmpeg says "Invalid data", "moov atom not found", no video stream, …
        log.warning("cameo clip %s is not a readable video: %s", path.name, exc)  # the tool's words: log only
        raise SandboxError("`video` could not be read as a video: upload an MP4, WebM or MOV clip") from None
    width, height = meta["size"]
    if total <= 0 or width <= 0:
        raise SandboxError("`video` has no video frames: upload a clip of yourself")
    declared = float(meta.get("duration") or 0)
    if declared > 0 and seconds < 0.8 * declared:  # the container promises more than ffmpeg could decode
        reader.close()
        raise SandboxError(f"`video` is damaged: only {seconds:.1f} of its {declared:.1f} s could be decoded — "
                           "record or export it again")
    step = max(1, total // config.sample_frames)
    scale = min(1.0, 360 / min(width, height))
    frames = []
    try:
        for i, buf in enumerate(reader):
            if i % step == 0 and len(frames) < config.sample_frames:
                frame = np.frombuffer(buf, np.uint8).reshape(height, width, 3)
                if scale < 1.0:
                    frame = cv2.resize(frame, (round(width * scale), round(height * scale)),
                                       interpolation=cv2.INTER_AREA)
                frames.append(frame)
    except Exception as exc:
        raise SandboxError(f"`video` is damaged after {len(frames)} frames: record or export it again") from exc
    finally:
        reader.close()
    if not frames:
        raise SandboxError("`video` has no video frames: upload a clip of yourself")
    return Clip(np.stack(frames), float(seconds or total / max(meta.get("fps") or 1, 1)), width, height)


def detect_faces(frames: np.ndarray) -> list[np.ndarray]:
    """Face boxes (x, y, w, h) per frame, from OpenCV's frontal-face Haar cascade."""
    import cv2

    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    min_side = max(24, min(frames.shape[1:3]) // 10)
    boxes = []
    for frame in frames:
        gray = cv2.equalizeHist(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY))
        found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side))
        boxes.append(np.asarray(found, dtype=int).reshape(-1, 4))
    return boxes


def check_clip(clip: Clip, config: VerificationConfig) -> list[Check]:
    length_ok = config.min_seconds <= clip.seconds <= config.max_seconds
    short, long = min(clip.width, clip.height), max(clip.width, clip.height)
    size_ok = short >= config.min_short_side and long <= config.max_long_side
    return [
        Check("length", length_ok, f"{clip.seconds:.1f} s" + ("" if length_ok else
              f" — record {config.min_seconds:g}–{config.max_seconds:g} s")),
        Check("resolution", size_ok, f"{clip.width}x{clip.height}" + ("" if size_ok else
              f" — the short side must be at least {config.min_short_side} px and the long side at most "
              f"{config.max_long_side} px")),
    ]


def check_face_count(boxes: list[np.ndarray], config: VerificationConfig) -> Check:
    counts = [len(b) for b in boxes]
    one = sum(c == 1 for c in counts)
    many = sum(c > 1 for c in counts)
    n = len(counts)
    if one >= config.one_face_fraction * n:
        return Check("one face", True, f"one face in {one} of {n} sampled frames")
    if not any(counts):
        return Check("one face", False, f"no face found in any of {n} sampled frames — face the camera in good light")
    if many >= one:
        return Check("one face", False, f"{max(counts)} faces in {many} of {n} sampled frames — "
                     "only you may be in the clip")
    return Check("one face", False, f"one face in only {one} of {n} sampled frames — keep your face in view")


def single_face_frames(boxes: list[np.ndarray]) -> list[tuple[int, np.ndarray]]:
    return [(i, b[0]) for i, b in enumerate(boxes) if len(b) == 1]


def sharpness(frame: np.ndarray, box: np.ndarray) -> float:
    import cv2

    x, y, w, h = box
    crop = cv2.cvtColor(frame[y:y + h, x:x + w], cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(crop, cv2.CV_64F).var())


def check_face_quality(clip: Clip, singles: list[tuple[int, np.ndarray]], config: VerificationConfig) -> Check:
    if not singles:
        return Check("face size and sharpness", False, "no single face to measure")
    scale = max(clip.width, clip.height) / max(clip.frames.shape[1:3])  # sampled frames may be downscaled
    width_px = float(np.median([b[2] for _, b in singles])) * scale
    fraction = width_px / min(clip.width, clip.height)
    sharp = float(np.median([sharpness(clip.frames[i], b) for i, b in singles]))
    problems = []
    if fraction < config.min_face_fraction or width_px < config.min_face_px:
        problems.append(f"the face is too small ({width_px:.0f} px, {fraction:.0%} of the frame) — come closer")
    if sharp < config.min_sharpness:
        problems.append(f"the face is blurry (sharpness {sharp:.0f} < {config.min_sharpness:g}) — hold still, "
                        "add light")
    detail = "; ".join(problems) or f"face {width_px:.0f} px ({fraction:.0%} of the frame), sharpness {sharp:.0f}"
    return Check("face size and sharpness", not problems, detail)


def check_movement(singles: list[tuple[int, np.ndarray]], config: VerificationConfig) -> Check:
    if len(singles) < 2:
        return Check("face moves", False, "too few frames with one face to see movement")
    centres = np.array([(x + w / 2, y + h / 2) for _, (x, y, w, h) in singles], dtype=float)
    face_w = float(np.median([b[2] for _, b in singles]))
    travel = float(np.max(np.linalg.norm(centres - centres.mean(0), axis=1)) * 2 / face_w)
    ok = travel >= config.min_face_travel
    return Check("face moves", ok, f"the face moved {travel:.2f} face widths" + ("" if ok else
                 " — turn your head as the challenge asks (a photo or a frozen frame fails here)"))


def background_shift(a: np.ndarray, b: np.ndarray, box_a: np.ndarray, box_b: np.ndarray) -> np.ndarray:
    """How the picture around the face moved from ``a`` to ``b`` (phase correlation, face masked out)."""
    import cv2

    def masked(frame: np.ndarray, box: np.ndarray) -> np.ndarray:
        g = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
        x, y, w, h = box  # mask the head and everything below it (shoulders move with the head)
        g[max(0, y - h // 2):, max(0, x - w):x + 2 * w] = g.mean()
        return g

    window = cv2.createHanningWindow(a.shape[1::-1], cv2.CV_32F)
    (dx, dy), _ = cv2.phaseCorrelate(masked(a, box_a), masked(b, box_b), window)
    return np.array([dx, dy])


def check_not_a_picture(clip: Clip, singles: list[tuple[int, np.ndarray]], config: VerificationConfig) -> Check:
    """A live head moves against the room; a filmed or panned photo moves as one piece with its background."""
    if len(singles) < 2:
        return Check("live, not a picture", False, "too few frames with one face to tell")
    face_w = float(np.median([b[2] for _, b in singles]))
    # Follow the background (summed frame-to-frame shifts) and the face; a live face wanders against it.
    background = [np.zeros(2)]
    for (i, bi), (j, bj) in itertools.pairwise(singles):
        background.append(background[-1] + background_shift(clip.frames[i], clip.frames[j], bi, bj))
    centres = np.array([(x + w / 2, y + h / 2) for _, (x, y, w, h) in singles], dtype=float)
    offsets = centres - np.array(background)
    relative = float(np.max(np.linalg.norm(offsets - offsets.mean(0), axis=1)) * 2 / face_w)
    ok = relative >= config.min_relative_motion
    return Check("live, not a picture", ok, f"the face moved {relative:.2f} face widths against its background"
                 + ("" if ok else " — it moves only with the whole picture, like a filmed photo: record yourself "
                    "live"))


def face_crop(frame: np.ndarray, box: np.ndarray, size: int, margin: float = 0.35) -> np.ndarray:
    """A square crop around the face with some margin, resized to ``size``."""
    import cv2

    x, y, w, h = box
    cx, cy, half = x + w / 2, y + h / 2, max(w, h) * (0.5 + margin)
    hgt, wid = frame.shape[:2]
    x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
    x1, y1 = int(min(wid, cx + half)), int(min(hgt, cy + half))
    return cv2.resize(frame[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_AREA)


def face_descriptor(frame: np.ndarray, box: np.ndarray) -> np.ndarray:
    """A 32x32 equalised, zero-mean, unit-norm face patch: enough to notice the same face uploaded twice."""
    import cv2

    x, y, w, h = box
    patch = cv2.equalizeHist(cv2.resize(cv2.cvtColor(frame[y:y + h, x:x + w], cv2.COLOR_RGB2GRAY), (32, 32)))
    v = patch.astype(np.float32).ravel()
    v -= v.mean()
    return v / (np.linalg.norm(v) + 1e-6)


def similarity(a: list[float], b: list[float]) -> float:
    return float(np.dot(np.asarray(a, np.float32), np.asarray(b, np.float32)))


def pick_references(clip: Clip, singles: list[tuple[int, np.ndarray]], config: VerificationConfig
                    ) -> tuple[list[np.ndarray], list[float]]:
    """The sharpest single-face frames, spread over the clip (best first); and the face descriptor."""
    ranked = sorted(singles, key=lambda ib: -sharpness(clip.frames[ib[0]], ib[1]) * ib[1][2])
    chosen = ranked[:config.references]
    crops = [face_crop(clip.frames[i], b, config.crop_px) for i, b in chosen]
    v = np.mean([face_descriptor(clip.frames[i], b) for i, b in chosen], axis=0)
    return crops, (v / (np.linalg.norm(v) + 1e-6)).round(5).tolist()


def verify_clip(path: Path, config: VerificationConfig | None = None) -> VerificationReport:
    """Run every check on the clip at ``path``. Raises :class:`SandboxError` only for unreadable files;
    a readable clip always gets a report, with one line per check."""
    config = config or VerificationConfig()
    clip = read_clip(path, config)
    boxes = detect_faces(clip.frames)
    singles = single_face_frames(boxes)
    report = VerificationReport(checks=[
        *check_clip(clip, config),
        check_face_count(boxes, config),
        check_face_quality(clip, singles, config),
        check_movement(singles, config),
        check_not_a_picture(clip, singles, config),
    ])
    if report.passed:
        report.crops, report.descriptor = pick_references(clip, singles, config)
    return report
