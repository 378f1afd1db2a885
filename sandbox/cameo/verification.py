"""Is this clip one live person answering the challenge? One pass/fail line per check; the best frames
become references.

Steps: ``read_clip`` (length, size, frames sampled at ``analysis_fps``, sound) → ``track_faces`` (dlib
detector every few frames, 68 landmarks on every sampled frame) → the checks:

- ``one face``: exactly one face, big and sharp enough;
- ``head turns``: the yaw trace (degrees, from the landmarks) goes past ``min_yaw_deg`` each way, in the
  order the challenge asked;
- ``blink``: the eye aspect ratio drops well below its usual value at least once;
- ``spoken digits``: pocketsphinx, a grammar of exactly as many digits as asked, hears the digits asked;
- ``mouth moves with the voice``: mouth opening follows the sound's loudness (correlation);
- ``same person throughout``: face descriptors of frames spread over the clip agree.

A check that cannot run (no sound track, no face) fails and says why: nothing passes by default.

>>> report = verify_clip("me.mp4", Challenge("left, then right", "4719"))  # doctest: +SKIP
>>> [(c.name, c.passed) for c in report.checks]  # doctest: +SKIP
[('length', True), ('resolution', True), ('one face', True), ('head turns left, then right', True), ...]
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sandbox.cameo.challenge import Challenge
from sandbox.cameo.faces import Face, distance, eye_aspect_ratio, face_models, mouth_opening, yaw_degrees
from sandbox.errors import SandboxError

log = logging.getLogger("sandbox.cameo")


@dataclass
class VerificationConfig:
    """Bounds for a cameo clip (see README, "Cameos")."""

    # --- the clip ---
    min_seconds: float = 3.0
    max_seconds: float = 15.0
    min_short_side: int = 240
    max_long_side: int = 2160
    max_bytes: int = 50 * 2**20
    analysis_fps: float = 10.0  # frames looked at per second (a blink lasts 100–300 ms)
    max_frames: int = 150
    detect_every: int = 3  # run the face detector on every n-th sampled frame, landmarks on all
    # --- faces ---
    one_face_fraction: float = 0.8  # of detector frames must show exactly one face
    max_many_face_frames: int = 1  # a second person in more frames than this refuses the clip
    min_face_fraction: float = 0.15  # face width / the frame's short side
    min_face_px: int = 64
    min_sharpness: float = 30.0  # variance of the Laplacian of the face crop
    # --- the challenge ---
    min_yaw_deg: float = 15.0  # each way
    blink_ratio: float = 0.7  # eye aspect ratio below this share of its median = eyes closed
    min_mouth_correlation: float = 0.4
    min_mouth_range: float = 0.08  # mouth opening (gap / width) must vary at least this much
    same_person_distance: float = 0.5  # max descriptor distance between sampled frames (dlib scale)
    identity_frames: int = 6
    # --- what is kept ---
    references: int = 3
    crop_px: int = 256

    def __post_init__(self) -> None:
        if not 0 < self.min_seconds < self.max_seconds:
            raise ValueError(f"`min_seconds` must be positive and below `max_seconds` but are "
                             f"{self.min_seconds} and {self.max_seconds}")
        if not 0 < self.one_face_fraction <= 1:
            raise ValueError(f"`one_face_fraction` must be in (0, 1] but is {self.one_face_fraction}")
        if not 2 <= self.analysis_fps <= 30:
            raise ValueError(f"`analysis_fps` must be between 2 and 30 (blinks need several frames a second) "
                             f"but is {self.analysis_fps}")
        if not 1 <= self.references <= self.identity_frames:
            raise ValueError(f"`references` must be between 1 and `identity_frames` but is {self.references}")
        if not 0 < self.min_yaw_deg < 60:
            raise ValueError(f"`min_yaw_deg` must be in (0, 60) but is {self.min_yaw_deg}")


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
    descriptor: list[float] = field(default_factory=list, repr=False)  # 128-d, mean over frames
    mirrored: list[float] = field(default_factory=list, repr=False)  # the same face flipped left-right
    traces: dict = field(default_factory=dict, repr=False)  # per-frame yaw, eyes, mouth, loudness (notebook)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        return [c.detail for c in self.checks if not c.passed]

    def failed(self) -> set[str]:
        return {c.name for c in self.checks if not c.passed}

    def to_dict(self) -> dict:
        return {"passed": self.passed, "checks": [asdict(c) for c in self.checks]}

    def markdown(self) -> str:
        return "\n".join(f"- {c.line}" for c in self.checks)


@dataclass
class Clip:
    frames: np.ndarray  # sampled frames, (N, H, W, 3) uint8, short side at most 360
    times: np.ndarray  # seconds of each sampled frame
    seconds: float
    width: int
    height: int
    audio: np.ndarray | None  # mono 16 kHz int16; None: no sound track


# ------------------------------------------------------------------ reading
def read_clip(path: Path, config: VerificationConfig, with_audio: bool = True) -> Clip:
    """Decode frames at ``config.analysis_fps`` and the sound. Raises for files that are not a readable video."""
    import cv2
    import imageio_ffmpeg

    from sandbox.cameo.speech import read_audio

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
    fps = float(meta.get("fps") or total / max(seconds, 1e-6))
    step = max(1, round(fps / config.analysis_fps))
    scale = min(1.0, 360 / min(width, height))
    frames, times = [], []
    try:
        for i, buf in enumerate(reader):
            if i % step == 0 and len(frames) < config.max_frames:
                frame = np.frombuffer(buf, np.uint8).reshape(height, width, 3)
                if scale < 1.0:
                    frame = cv2.resize(frame, (round(width * scale), round(height * scale)),
                                       interpolation=cv2.INTER_AREA)
                frames.append(frame)
                times.append(i / fps)
    except Exception as exc:
        raise SandboxError(f"`video` is damaged after {len(frames)} frames: record or export it again") from exc
    finally:
        reader.close()
    if not frames:
        raise SandboxError("`video` has no video frames: upload a clip of yourself")
    audio = read_audio(path) if with_audio else None
    return Clip(np.stack(frames), np.array(times), float(seconds or total / max(fps, 1)), width, height, audio)


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


# ------------------------------------------------------------------ faces
@dataclass
class Track:
    counts: list[int]  # faces found per detector frame
    faces: list[Face | None]  # the face (landmarks) per sampled frame, None where none was near


def track_faces(frames: np.ndarray, config: VerificationConfig) -> Track:
    """Detect faces every ``detect_every`` frames; landmarks on every frame from the nearest detection."""
    models = face_models()
    detected: dict[int, list] = {i: models.detect(frames[i]) for i in range(0, len(frames), config.detect_every)}
    faces: list[Face | None] = []
    keys = np.array(sorted(detected))
    for i, frame in enumerate(frames):
        near = int(keys[np.argmin(np.abs(keys - i))])
        boxes = detected[near]
        faces.append(models.landmarks(frame, boxes[0]) if len(boxes) == 1 else None)
    return Track([len(detected[k]) for k in keys], faces)


def check_one_face(clip: Clip, track: Track, config: VerificationConfig) -> Check:
    counts, n = track.counts, len(track.counts)
    one, many = sum(c == 1 for c in counts), sum(c > 1 for c in counts)
    name = "one face, big and sharp"
    if not any(counts):
        return Check(name, False, f"no face found in any of {n} frames looked at — face the camera in good light")
    if many > config.max_many_face_frames:
        return Check(name, False, f"{max(counts)} faces in {many} of {n} frames looked at — only you may be in "
                     "the clip")
    if one < config.one_face_fraction * n:
        return Check(name, False, f"one face in only {one} of {n} frames looked at — keep your face in view")
    singles = [(i, f) for i, f in enumerate(track.faces) if f is not None]
    scale = max(clip.width, clip.height) / max(clip.frames.shape[1:3])  # sampled frames may be downscaled
    width_px = float(np.median([f.width for _, f in singles])) * scale
    fraction = width_px / min(clip.width, clip.height)
    sharp = float(np.median([sharpness(clip.frames[i], f.box) for i, f in singles]))
    problems = []
    if fraction < config.min_face_fraction or width_px < config.min_face_px:
        problems.append(f"the face is too small ({width_px:.0f} px, {fraction:.0%} of the frame) — come closer")
    if sharp < config.min_sharpness:
        problems.append(f"the face is blurry (sharpness {sharp:.0f} < {config.min_sharpness:g}) — hold still, "
                        "add light")
    return Check(name, not problems, "; ".join(problems) or
                 f"one face in {one} of {n} frames, {width_px:.0f} px ({fraction:.0%} of the frame), sharpness "
                 f"{sharp:.0f}")


def sharpness(frame: np.ndarray, box: tuple[int, int, int, int]) -> float:
    import cv2

    x, y, w, h = (max(0, v) for v in box)
    crop = cv2.cvtColor(frame[y:y + h, x:x + w], cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(crop, cv2.CV_64F).var()) if crop.size else 0.0


def trace(track: Track, measure) -> np.ndarray:
    return np.array([measure(f.points) if f is not None else np.nan for f in track.faces])


def check_head_turns(track: Track, challenge: Challenge, config: VerificationConfig) -> Check:
    """Yaw past ``min_yaw_deg`` each way, the first way first. Positive yaw is the person's own left."""
    name = f"head turns {challenge.directions}"
    yaw = trace(track, yaw_degrees)
    if np.all(np.isnan(yaw)):
        return Check(name, False, "no face to follow")
    seen_yaw = yaw[~np.isnan(yaw)]
    yaw = yaw - np.median(seen_yaw[: max(3, len(yaw) // 8)])  # relative to how the clip starts
    left = np.flatnonzero(yaw >= config.min_yaw_deg)
    right = np.flatnonzero(yaw <= -config.min_yaw_deg)
    most_left, most_right = float(np.nanmax(yaw)), float(-np.nanmin(yaw))
    seen = f"turned {most_left:.0f}° left and {most_right:.0f}° right"
    if not len(left) or not len(right):
        missing = " and ".join(w for w, idx in (("left", left), ("right", right)) if not len(idx))
        return Check(name, False, f"{seen}: turn your head further {missing} (at least "
                     f"{config.min_yaw_deg:g}° each way; a photo cannot turn)")
    first = "left" if left[0] < right[0] else "right"
    if not challenge.directions.startswith(first):
        return Check(name, False, f"{seen}, but {first} first — the challenge asked {challenge.directions}")
    return Check(name, True, f"{seen}, in that order")


def check_blink(track: Track, config: VerificationConfig) -> Check:
    ear = trace(track, eye_aspect_ratio)
    if np.all(np.isnan(ear)):
        return Check("blink", False, "no face to follow")
    usual = float(np.nanmedian(ear))
    low = float(np.nanmin(ear))
    ok = low < config.blink_ratio * usual
    return Check("blink", ok, f"eye openness fell to {low / usual:.0%} of usual" + (
        "" if ok else f" — blink once (needs below {config.blink_ratio:.0%}; a photo cannot blink)"))


def check_same_person(clip: Clip, track: Track, config: VerificationConfig) -> tuple[Check, list[np.ndarray],
                                                                                      list[int]]:
    """Descriptors of frames spread over the clip must all agree; returns them and their frame indices."""
    singles = [i for i, f in enumerate(track.faces) if f is not None]
    if not singles:
        return Check("same person throughout", False, "no face to compare"), [], []
    picks = sorted({singles[round(k)] for k in np.linspace(0, len(singles) - 1, config.identity_frames)})
    models = face_models()
    descriptors = [models.descriptor(clip.frames[i], track.faces[i]) for i in picks]
    worst = max((distance(a, b) for a, b in itertools.combinations(descriptors, 2)), default=0.0)
    ok = worst <= config.same_person_distance
    return Check("same person throughout", ok, f"frames differ by at most {worst:.2f} (limit "
                 f"{config.same_person_distance:g})" + ("" if ok else " — a different person appears in the clip")
                 ), descriptors, picks


# ------------------------------------------------------------------ sound
def check_digits(clip: Clip, challenge: Challenge) -> Check:
    from sandbox.cameo.speech import digit_recogniser, speech_fraction

    name = "spoken digits"
    if clip.audio is None:
        return Check(name, False, "the clip has no sound track, so the spoken digits cannot be checked — "
                     "record with your microphone on")
    if speech_fraction(clip.audio) == 0:
        return Check(name, False, "the sound track is silent — say the digits out loud")
    heard = digit_recogniser()(clip.audio, len(challenge.digits))  # exactly as many as asked
    ok = heard == challenge.digits
    return Check(name, ok, f"heard {' '.join(heard) or 'no digits'}" + (
        "" if ok else f" — the challenge asked {' '.join(challenge.digits)}"))


def check_mouth_follows_voice(clip: Clip, track: Track, config: VerificationConfig) -> tuple[Check, dict]:
    from sandbox.cameo.speech import loudness

    name = "mouth moves with the voice"
    if clip.audio is None:
        return Check(name, False, "the clip has no sound track to compare the mouth with"), {}
    mouth = trace(track, mouth_opening)
    loud = loudness(clip.audio, clip.times, 1.0 / config.analysis_fps)
    keep = ~np.isnan(mouth)
    if keep.sum() < 4 or loud.max() <= 0:
        return Check(name, False, "too little face or sound to compare"), {}
    m, a = mouth[keep], loud[keep]
    spread = float(np.percentile(m, 95) - np.percentile(m, 5))
    corr = float(np.corrcoef(m, a)[0, 1]) if m.std() > 0 and a.std() > 0 else 0.0
    ok = corr >= config.min_mouth_correlation and spread >= config.min_mouth_range
    detail = f"mouth opening follows loudness with correlation {corr:.2f}"
    if not ok:
        detail += (f" (needs {config.min_mouth_correlation:g}; mouth range {spread:.2f}) — the voice does not "
                   "come from this face: say the digits yourself")
    return Check(name, ok, detail), {"mouth": mouth.tolist(), "loudness": loud.tolist()}


# ------------------------------------------------------------------ references
def face_crop(frame: np.ndarray, box: tuple[int, int, int, int], size: int, margin: float = 0.35) -> np.ndarray:
    """A square crop around the face with some margin, resized to ``size``."""
    import cv2

    x, y, w, h = box
    cx, cy, half = x + w / 2, y + h / 2, max(w, h) * (0.5 + margin)
    hgt, wid = frame.shape[:2]
    x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
    x1, y1 = int(min(wid, cx + half)), int(min(hgt, cy + half))
    return cv2.resize(frame[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_AREA)


def mirrored_descriptor(frame: np.ndarray) -> list[float]:
    """The descriptor of the same frame flipped left-right (a mirrored copy must match it)."""
    flipped = np.ascontiguousarray(frame[:, ::-1])
    models = face_models()
    faces = models.faces(flipped)
    return models.descriptor(flipped, faces[0]).round(5).tolist() if faces else []


def pick_references(clip: Clip, track: Track, descriptors: list[np.ndarray], picks: list[int],
                    config: VerificationConfig) -> tuple[list[np.ndarray], list[float], list[float]]:
    """The most frontal, sharpest frames (best first); the mean descriptor and the mirrored one."""
    def score(i: int) -> float:
        face = track.faces[i]
        return sharpness(clip.frames[i], face.box) * face.width / (1 + abs(yaw_degrees(face.points)))

    ranked = sorted(picks, key=lambda i: -score(i))[:config.references]
    crops = [face_crop(clip.frames[i], track.faces[i].box, config.crop_px) for i in ranked]
    mean = np.mean(descriptors, axis=0)
    return crops, mean.round(5).tolist(), mirrored_descriptor(clip.frames[ranked[0]])


def verify_clip(path: Path, challenge: Challenge, config: VerificationConfig | None = None) -> VerificationReport:
    """Run every check on the clip at ``path`` against ``challenge``. Raises :class:`SandboxError` only for
    unreadable files; a readable clip always gets a report, with one line per check."""
    config = config or VerificationConfig()
    clip = read_clip(path, config)
    track = track_faces(clip.frames, config)
    report = VerificationReport(checks=[*check_clip(clip, config), check_one_face(clip, track, config)])
    if not any(f is not None for f in track.faces):
        report.checks.append(Check("challenge", False, "not checked: the clip needs exactly one face first"))
        return report
    same, descriptors, picks = check_same_person(clip, track, config)
    mouth, sound = check_mouth_follows_voice(clip, track, config)
    report.checks += [check_head_turns(track, challenge, config), check_blink(track, config),
                      check_digits(clip, challenge), mouth, same]
    report.traces = {"times": clip.times.tolist(), "yaw": trace(track, yaw_degrees).tolist(),
                     "eyes": trace(track, eye_aspect_ratio).tolist(), **sound}
    if report.passed:
        report.crops, report.descriptor, report.mirrored = pick_references(clip, track, descriptors, picks, config)
    return report
