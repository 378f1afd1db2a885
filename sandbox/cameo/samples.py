"""Sample cameo clips made in code, for tests, notebooks and the "use a sample clip" button.

The face is NASA's public-domain astronaut portrait bundled with scikit-image. ``live`` moves and turns
the face over a still room, as a person in front of a webcam would; the other kinds each break one rule
(``panned_photo``: a photo filmed while the camera moves; ``still``: one frame repeated; ``two_faces``;
``no_face``). Honest limit: ``live`` is itself a moving cut-out, which is why the sandbox calls its check
a liveness *heuristic* — a determined forger with video editing gets past it.

>>> from sandbox.cameo.samples import write_sample_clip
>>> write_sample_clip("live", tmp_path / "me.mp4").suffix  # doctest: +SKIP
'.mp4'
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sandbox.generation.video import encode_mp4

KINDS = ("live", "panned_photo", "still", "two_faces", "no_face")
SIZE = (320, 240)  # width, height


def astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut()


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


def face_patch(height: int = 150) -> np.ndarray:
    import cv2

    img = astronaut()[20:240, 130:330]  # head and shoulders
    return cv2.resize(img, (round(img.shape[1] * height / img.shape[0]), height), interpolation=cv2.INTER_AREA)


def paste(frame: np.ndarray, patch: np.ndarray, x: int, y: int, angle: float) -> None:
    import cv2

    m = cv2.getRotationMatrix2D((patch.shape[1] / 2, patch.shape[0] / 2), angle, 1.0)
    turned = cv2.warpAffine(patch, m, (patch.shape[1], patch.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    h, w = turned.shape[:2]
    frame[y:y + h, x:x + w] = turned


def sample_frames(kind: str, seconds: float = 4.0, fps: int = 8) -> np.ndarray:
    """(T, 240, 320, 3) uint8 frames of one sample kind."""
    import cv2

    if kind not in KINDS:
        raise ValueError(f"`kind` must be one of {KINDS} but is {kind!r}")
    n = max(1, round(seconds * fps))
    w, h = SIZE
    frames = []
    background = room()
    for t in range(n):
        phase = 2 * np.pi * t / max(n - 1, 1)
        frame = background.copy()
        if kind == "live":
            paste(frame, face_patch(), 70 + round(60 * np.sin(phase)), 50, 8 * np.sin(2 * phase))
        elif kind == "two_faces":
            patch = face_patch(120)
            paste(frame, patch, 30 + round(20 * np.sin(phase)), 70, 0)
            paste(frame, patch, 180 + round(20 * np.sin(phase)), 70, 0)
        elif kind == "still":
            paste(frame, face_patch(), 90, 50, 0)
        elif kind == "panned_photo":
            photo = cv2.resize(astronaut(), (480, 480), interpolation=cv2.INTER_AREA)
            x0 = 80 + round(60 * np.sin(phase))
            frame = np.ascontiguousarray(photo[20:20 + h, x0:x0 + w])
        elif kind == "no_face":
            cv2.circle(frame, (160 + round(80 * np.sin(phase)), 140), 40, (230, 60, 40), -1)
        frames.append(frame)
    return np.stack(frames)


def write_sample_clip(kind: str, path: Path, seconds: float = 4.0, fps: int = 8) -> Path:
    """Write a sample clip as H.264 MP4 and return its path."""
    path = Path(path)
    encode_mp4(sample_frames(kind, seconds, fps), path, fps)
    return path
