"""Cameo clips made in code, for tests, benchmarks, notebooks and the "use a sample clip" button.

Faces: NASA's public-domain portrait of astronaut Eileen Collins (bundled with scikit-image) and the
public-domain US Navy portrait of Grace Hopper (bundled with matplotlib's sample data) — two real, distinct
people, both inside installed packages. A **genuine** clip answers a challenge the way a person in front of
a webcam would: the face (warped with a piecewise-affine warp from its 68 landmarks) turns one way then the
other, blinks, and says the digits with the mouth opening in time with the voice (``flite`` speaks them).
The **attack** kinds each try to get past one check (see ``ATTACKS``).

Honest limit: a genuine clip here is itself a synthetic animation of a photo — exactly what a careful
forger with a face-animation tool would make. The checks stop replays, photos, cut-outs, copies of someone
else's cameo and mismatched sound; they do not tell a good deepfake from a person.

>>> from sandbox.cameo.samples import write_clip
>>> write_clip("genuine", Challenge("left, then right", "4719"), tmp_path / "me.mp4")  # doctest: +SKIP
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

from sandbox.cameo.challenge import Challenge
from sandbox.errors import SandboxError
from sandbox.generation.video import encode_mp4

IDENTITIES = ("astronaut", "hopper")
COPIES = ("mirrored", "rotated", "zoomed", "tinted", "cropped")  # edits of an existing cameo's face
ATTACKS = ("still photo", "photo panned, rotated, zoomed", "moving cut-out", "copy of another cameo's face",
           "replayed clip", "wrong digits", "voice-over on a still face", "two people", "person swapped midway",
           "no audio")
CHARACTER_KINDS = ("pet", "object", "pet_with_person")
KINDS = ("genuine", "still_photo", "panned_photo", "rotated_photo", "zoomed_photo", "cutout", "voice_over",
         "wrong_digits", "two_people", "swapped", "no_audio", "no_face")
SIZE = (320, 240)  # width, height
SAMPLE_CHALLENGE = Challenge("left, then right", "4719")  # what the pre-made test clips answer
FPS = 10
SPEECH_RATE = 16_000


def flite_available() -> bool:
    return shutil.which("flite") is not None


def room(seed: int = 0) -> np.ndarray:
    """A still background with some texture (shelves, a lamp) so that camera motion would show."""
    import cv2

    w, h = SIZE
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = (70, 96, 120)
    img[: h // 3] = (200, 196, 180)
    for _ in range(14):
        x, y = int(rng.integers(0, w - 30)), int(rng.integers(0, h - 30))
        color = tuple(int(c) for c in rng.integers(30, 230, 3))
        cv2.rectangle(img, (x, y), (x + int(rng.integers(8, 40)), y + int(rng.integers(8, 40))), color, -1)
    return img


# ------------------------------------------------------------------ faces and poses
@cache
def identity_image(name: str) -> np.ndarray:
    """The source photo of one identity, as RGB uint8."""
    if name == "astronaut":
        from skimage import data

        return data.astronaut()
    if name == "hopper":
        from matplotlib import cbook
        from PIL import Image

        return np.asarray(Image.open(cbook.get_sample_data("grace_hopper.jpg")).convert("RGB"))
    raise ValueError(f"`identity` must be one of {IDENTITIES} but is {name!r}")


@dataclass(frozen=True)
class Look:
    """How one identity is shown: which face, its size in the frame, light, and an edit of the photo."""

    identity: str = "astronaut"
    face_px: int = 100  # face width in the 320x240 frame
    gain: float = 1.0  # lighting
    edit: str = ""  # one of COPIES, or "" for the photo as it is


def edited(image: np.ndarray, edit: str) -> np.ndarray:
    """The photo mirrored, rotated, zoomed, tinted or cropped — as someone copying a face would."""
    import cv2

    h, w = image.shape[:2]
    if edit == "mirrored":
        return np.ascontiguousarray(image[:, ::-1])
    if edit == "rotated":
        m = cv2.getRotationMatrix2D((w / 2, h / 2), 12, 1.0)
        return cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    if edit == "zoomed":
        return cv2.resize(image[h // 8:, w // 8:w - w // 8], (w, h), interpolation=cv2.INTER_CUBIC)
    if edit == "tinted":
        return np.clip(image.astype(np.float32) * np.array([1.25, 0.95, 0.7]) + 10, 0, 255).astype(np.uint8)
    if edit == "cropped":
        return np.ascontiguousarray(image[h // 10:h - h // 10, w // 6:w - w // 12])
    if edit:
        raise ValueError(f"`edit` must be one of {COPIES} but is {edit!r}")
    return image


@cache
def scene(look: Look) -> tuple[np.ndarray, np.ndarray]:
    """A 320x240 window of the (edited) photo with the face ``face_px`` wide, and the face's landmarks."""
    import cv2

    from sandbox.cameo.faces import face_models

    photo = edited(identity_image(look.identity), look.edit)
    face = face_models().faces(photo)[0]
    scale = look.face_px / face.width
    big = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else
                     cv2.INTER_CUBIC)
    pts = face.points * scale
    w, h = SIZE
    cx, cy = pts[:, 0].mean(), pts[:, 1].mean()
    x0, y0 = int(cx - w / 2), int(cy - h * 0.45)
    pad = max(0, -x0, -y0, x0 + w - big.shape[1], y0 + h - big.shape[0])
    if pad:
        big = cv2.copyMakeBorder(big, pad, pad, pad, pad, cv2.BORDER_REFLECT)
        x0, y0 = x0 + pad, y0 + pad
        pts = pts + pad
    window = np.clip(big[y0:y0 + h, x0:x0 + w].astype(np.float32) * look.gain, 0, 255).astype(np.uint8)
    return window, pts - (x0, y0)


def posed_points(points: np.ndarray, yaw: float, eyes_closed: bool, mouth: float) -> np.ndarray:
    """Where the landmarks go when the head turns by ``yaw`` degrees (positive: nose to the picture's right),
    the eyes close and the mouth opens by ``mouth`` (0–1)."""
    p = points.copy()
    cx = (p[0, 0] + p[16, 0]) / 2
    radius = (p[16, 0] - p[0, 0]) / 2
    u = np.clip((p[:, 0] - cx) / radius, -1, 1)
    depth = np.sqrt(1 - u ** 2) * radius * 0.9
    depth[27:36] += radius * 0.25  # the nose stands out
    th = np.radians(yaw)
    p[:, 0] = cx + (p[:, 0] - cx) * np.cos(th) + depth * np.sin(th)
    if eyes_closed:
        for upper, lower in (((37, 41), (38, 40)), ((43, 47), (44, 46))):
            for a, b in upper, lower:
                p[a] = p[b] * 0.85 + p[a] * 0.15
    if mouth > 0:
        drop = mouth * 0.45 * np.linalg.norm(p[64] - p[60])
        lower_lip = [55, 56, 57, 58, 59, 65, 66, 67]
        p[lower_lip, 1] += drop
        p[5:12, 1] += drop * np.array([0.3, 0.6, 0.9, 1.0, 0.9, 0.6, 0.3])
    return p


def piecewise_affine(image: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Warp ``image`` so that points ``src`` move to ``dst``: one affine map per triangle of a Delaunay mesh
    over ``dst`` (what skimage's PiecewiseAffineTransform does, vectorised with cv2.remap: ~20 ms, not 3 s)."""
    import cv2
    from scipy.spatial import Delaunay

    h, w = image.shape[:2]
    mesh = Delaunay(dst)
    ys, xs = np.mgrid[0:h, 0:w]
    pix = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float64)
    tri = mesh.find_simplex(pix)
    inside = tri >= 0
    t = mesh.transform[tri[inside]]  # (n, 3, 2): barycentric transform per pixel's triangle
    b = np.einsum("nij,nj->ni", t[:, :2], pix[inside] - t[:, 2])
    bary = np.column_stack([b, 1 - b.sum(1)])
    corners = src[mesh.simplices[tri[inside]]]  # (n, 3, 2)
    mapped = pix.copy()
    mapped[inside] = np.einsum("ni,nij->nj", bary, corners)
    maps = mapped.reshape(h, w, 2).astype(np.float32)
    return cv2.remap(image, maps[..., 0], maps[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


@cache
def posed(look: Look, yaw: int, eyes_closed: bool, mouth10: int) -> np.ndarray:
    """The scene with the face posed (piecewise-affine warp from the landmarks); cached per pose."""
    import cv2

    window, pts = scene(look)
    target = posed_points(pts, yaw, eyes_closed, mouth10 / 10)
    h, w = window.shape[:2]
    cx, cy = pts[:, 0].mean(), pts[:, 1].mean()
    radius = (pts[16, 0] - pts[0, 0]) * 0.95
    ring = np.array([(cx + radius * np.cos(a), cy + radius * 1.2 * np.sin(a))
                     for a in np.linspace(0, 2 * np.pi, 16, endpoint=False)])
    edge = np.array([(x, y) for x in (0, w / 2, w - 1) for y in (0, h / 2, h - 1)])
    src = np.vstack([pts, ring, edge])
    dst = np.vstack([target, ring, edge])
    out = piecewise_affine(window, src, dst)
    if mouth10 > 0:
        cv2.fillPoly(out, [np.round(target[60:68]).astype(np.int32)], (60, 25, 30))
    if eyes_closed:
        out = shut_eyes(out, posed_points(pts, yaw, False, 0), target)
    return out


def shut_eyes(image: np.ndarray, open_points: np.ndarray, closed_points: np.ndarray) -> np.ndarray:
    """Paint closed lids over the warped eyes: skin (coloured from the cheek below the eye) blended in with a
    soft edge, and a lash line along the closed lid as thick as real lashes look at this size.

    A hard-edged flat patch with a 1 px line read to dlib as an *open* eye outline behind glasses (eye aspect
    ratio 73–160% of open on the Hopper portrait); soft skin plus a lash line of ~12% of the eye's width reads
    as closed (measured: 33 of 36 sizes × lights × poses below 60% of open, astronaut and Hopper).
    """
    import cv2

    out = image.copy()
    for eye in (slice(36, 42), slice(42, 48)):
        opened = open_points[eye]
        centre, width = opened.mean(0), float(np.ptp(opened[:, 0]))
        cheek = np.asarray(out[int(centre[1] + 0.9 * width), int(centre[0])], np.float32)
        mask = np.zeros(out.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.round(centre + (opened - centre) * (1.3, 1.6)).astype(np.int32)], 255)
        soft = cv2.GaussianBlur(mask, (0, 0), max(0.5, 0.08 * width)).astype(np.float32)[..., None] / 255
        soft = np.clip(soft * 1.5, 0, 1)  # fully skin inside, fading out over about a tenth of the eye
        out = (out * (1 - soft) + cheek * soft).astype(np.uint8)
        closed = closed_points[eye]
        lid = closed[[0, 5, 4, 3]] * 0.85 + closed[[0, 1, 2, 3]] * 0.15
        cv2.polylines(out, [np.round(lid * 4).astype(np.int32)], False, (40, 30, 30),
                      max(1, round(0.12 * width)), cv2.LINE_AA, shift=2)
    return out


# ------------------------------------------------------------------ sound
def speak(digits: str, stretch: float = 1.0) -> np.ndarray:
    """The digits spoken by flite (voice ``awb``), mono 16 kHz int16."""
    from sandbox.cameo.speech import DIGIT_WORDS

    if not flite_available():
        raise SandboxError("the sample clip needs the `flite` speech synthesiser (apt-get install flite)")
    text = ", ".join(DIGIT_WORDS[int(d)] for d in digits) + "."
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        subprocess.run(["flite", "-voice", "awb", "--setf", f"duration_stretch={stretch}", "-t", text, "-o",
                        str(out)], check=True, capture_output=True)
        with wave.open(str(out)) as f:
            rate, pcm = f.getframerate(), np.frombuffer(f.readframes(f.getnframes()), np.int16)
    if rate != SPEECH_RATE:
        idx = np.arange(0, len(pcm), rate / SPEECH_RATE)
        pcm = np.interp(idx, np.arange(len(pcm)), pcm).astype(np.int16)
    return pcm


def envelope(pcm: np.ndarray, n_frames: int, fps: int) -> np.ndarray:
    """Loudness per video frame, 0–1."""
    per = SPEECH_RATE // fps
    x = np.zeros(n_frames * per, np.float32)
    x[: min(len(pcm), len(x))] = pcm[: len(x)].astype(np.float32) / 32768
    rms = np.sqrt(np.mean(x.reshape(n_frames, per) ** 2, axis=1))
    return rms / max(rms.max(), 1e-6)


# ------------------------------------------------------------------ timelines
@dataclass
class Timeline:
    """Per frame: yaw (degrees), eyes closed, mouth (0–1); and the sound track."""

    yaw: np.ndarray
    eyes: np.ndarray
    mouth: np.ndarray
    audio: np.ndarray


def routine(challenge: Challenge, spoken: str | None = None, stretch: float = 1.0, yaw_deg: float = 36,
            moving_mouth: bool = True, fps: int = FPS, min_seconds: float = 0.0) -> Timeline:
    """What a person does for the challenge: turn one way, then the other; blink; say the digits."""
    first = 1 if challenge.directions.startswith("left") else -1
    turn = np.concatenate([np.sin(np.linspace(0, np.pi, 10)) * first, np.sin(np.linspace(0, np.pi, 10)) * -first])
    speech = speak(spoken if spoken is not None else challenge.digits, stretch)
    lead, tail = 4, 4
    speech_frames = int(np.ceil(len(speech) / SPEECH_RATE * fps))
    n = max(lead + len(turn) + 6 + speech_frames + tail, int(min_seconds * fps))
    yaw = np.zeros(n)
    yaw[lead:lead + len(turn)] = turn * yaw_deg
    eyes = np.zeros(n, bool)
    blink = lead + len(turn) + 2
    eyes[blink:blink + 3] = True
    audio = np.zeros(int(n / fps * SPEECH_RATE), np.int16)
    start = (lead + len(turn) + 6) / fps
    s = int(start * SPEECH_RATE)
    audio[s:s + len(speech)] = speech[: len(audio) - s]
    mouth = envelope(audio, n, fps) if moving_mouth else np.zeros(n)
    mouth = np.where(mouth > 0.15, np.clip(mouth * 1.2, 0, 1), 0)
    return Timeline(yaw, eyes, mouth, audio)


def render(look: Look, t: Timeline, i: int) -> np.ndarray:
    return posed(look, round(float(t.yaw[i]) / 4) * 4, bool(t.eyes[i]), round(float(t.mouth[i]) * 10))


def write_mp4(frames: np.ndarray, audio: np.ndarray | None, path: Path, fps: int = FPS) -> Path:
    """H.264 MP4 with (optionally) an AAC sound track."""
    import imageio_ffmpeg

    path = Path(path)
    if audio is None:
        encode_mp4(frames, path, fps)
        return path
    with tempfile.TemporaryDirectory() as tmp:
        silent, sound = Path(tmp) / "v.mp4", Path(tmp) / "a.wav"
        encode_mp4(frames, silent, fps)
        with wave.open(str(sound), "wb") as f:
            f.setnchannels(1)
            f.setsampwidth(2)
            f.setframerate(SPEECH_RATE)
            f.writeframes(np.ascontiguousarray(audio, np.int16).tobytes())
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(silent), "-i", str(sound),
                        "-c:v", "copy", "-c:a", "aac", "-b:a", "64k", "-shortest", str(path)], check=True)
    return path


def photo_motion(window: np.ndarray, n: int, how: str) -> np.ndarray:
    """A photo filmed while the camera pans, rotates about a point below the frame, or zooms about a corner."""
    import cv2

    h, w = window.shape[:2]
    frames = []
    for i in range(n):
        phase = np.sin(2 * np.pi * i / max(n - 1, 1))
        if how == "panned":
            m = np.float32([[1, 0, 30 * phase], [0, 1, 8 * phase]])
        elif how == "rotated":
            m = cv2.getRotationMatrix2D((w / 2, h * 1.6), 10 * phase, 1.0)
        else:  # zoomed about the top-left corner
            m = cv2.getRotationMatrix2D((0, 0), 0, 1.0 + 0.25 * abs(phase))
        frames.append(cv2.warpAffine(window, m, (w, h), borderMode=cv2.BORDER_REFLECT))
    return np.stack(frames)


def write_clip(kind: str, challenge: Challenge, path: Path, look: Look = Look(), spoken: str | None = None,
               stretch: float = 1.0, other: Look = Look("hopper"), min_seconds: float = 0.0) -> Path:
    """Write one clip of ``kind`` (see ``KINDS``) made for ``challenge``; ``spoken``: other digits to say."""
    import cv2

    if kind not in KINDS:
        raise ValueError(f"`kind` must be one of {KINDS} but is {kind!r}")
    t = routine(challenge, spoken=spoken, stretch=stretch, moving_mouth=kind != "voice_over",
                min_seconds=min_seconds)
    n = len(t.yaw)
    window, _ = scene(look)
    if kind in ("genuine", "voice_over", "wrong_digits", "no_audio"):
        frames = np.stack([render(look, t, i) for i in range(n)])
    elif kind == "still_photo":
        frames = np.stack([window] * n)
    elif kind in ("panned_photo", "rotated_photo", "zoomed_photo"):
        frames = photo_motion(window, n, kind.split("_")[0])
    elif kind == "cutout":
        frames = []
        head = cv2.resize(window[20:220, 80:240], (120, 150), interpolation=cv2.INTER_AREA)
        for i in range(n):
            frame = room()
            x = 100 + round(60 * np.sin(2 * np.pi * i / n))
            frame[50:200, x:x + 120] = head
            frames.append(frame)
        frames = np.stack(frames)
    elif kind == "two_people":
        a = [render(replace(look, face_px=70), t, i) for i in range(n)]
        b = [render(replace(other, face_px=70), t, i) for i in range(n)]
        frames = np.stack([np.hstack([x[:, 80:240], y[:, 80:240]]) for x, y in zip(a, b, strict=True)])
    elif kind == "swapped":
        half = n // 2
        frames = np.stack([render(look if i < half else other, t, i) for i in range(n)])
    else:  # no_face
        frames = np.stack([room()] * n)
        for i, frame in enumerate(frames):
            cv2.circle(frame, (160 + round(80 * np.sin(2 * np.pi * i / n)), 140), 40, (230, 60, 40), -1)
    return write_mp4(frames, None if kind == "no_audio" else t.audio, path)


def write_sample_clip(challenge: Challenge, path: Path) -> Path:
    """The "use a sample clip" button: a genuine clip of the astronaut answering ``challenge``."""
    return write_clip("genuine", challenge, path)


# ------------------------------------------------------------------ characters (pets and objects)
def subject_image(kind: str) -> np.ndarray:
    """scikit-image's Chelsea the cat, or its cup of coffee, cut to the subject."""
    import cv2
    from skimage import data

    img = data.coffee()[40:360, 120:480] if kind == "object" else data.chelsea()[20:300, 100:420]
    return cv2.resize(img, (128, 112), interpolation=cv2.INTER_AREA)


def write_character_clip(kind: str, path: Path, seconds: float = 4.0, fps: int = FPS) -> Path:
    """A pet or an object moving over a still room (``pet_with_person``: a person is in the room too)."""
    if kind not in CHARACTER_KINDS:
        raise ValueError(f"`kind` must be one of {CHARACTER_KINDS} but is {kind!r}")
    subject = subject_image("object" if kind == "object" else "pet")
    background = room(3)
    if kind == "pet_with_person":
        window, _ = scene(Look(face_px=80))
        background = background.copy()
        background[:, 200:] = window[:, 100:220]
    n = max(1, round(seconds * fps))
    frames = []
    for i in range(n):
        frame = background.copy()
        x = 20 + round(50 * (1 - np.cos(2 * np.pi * i / n)))
        y = 90 + round(15 * np.sin(4 * np.pi * i / n))
        frame[y:y + 112, x:x + 128] = subject
        frames.append(frame)
    return write_mp4(np.stack(frames), None, path, fps)
