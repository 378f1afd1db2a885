"""Face analysis, offline: dlib's HOG face detector, 68-point landmarks and 128-d ResNet face descriptor.

The model files ship inside the ``face-recognition-models`` package (see model_cards/dlib-face.md for their
licences); ``dlib-bin`` is a prebuilt dlib. Distances between descriptors are on dlib's usual scale: two
photos of one person are typically below 0.6 apart, two people above.

Measures read from the 68 landmarks (iBUG 300-W numbering):

- ``yaw_degrees``: how far the head is turned, from where the nose tip sits between the two sides of the
  jaw (0 = facing the camera; positive = the nose points to the picture's right, which is the person's own
  left in an unmirrored recording);
- ``eye_aspect_ratio``: eye height over eye width (Soukupová & Čech 2016); it drops when the eyes close;
- ``mouth_opening``: inner-lip gap over mouth width.

>>> round(yaw_degrees(np.array([[0, 0]] * 68, float) + _frontal_demo()), 1)
0.0
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

MODEL_FILES = {"landmarks": "shape_predictor_68_face_landmarks.dat",
               "descriptor": "dlib_face_recognition_resnet_model_v1.dat"}
SAME_PERSON_DISTANCE = 0.6  # dlib's own threshold for "same person" (99.38% on LFW)


def models_dir() -> Path:
    """Where ``face-recognition-models`` keeps its files. Found without importing the package, whose
    ``__init__`` needs ``pkg_resources`` (gone from recent setuptools)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face-recognition-models is not installed: pip install -r requirements.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


@dataclass
class Face:
    box: tuple[int, int, int, int]  # x, y, w, h
    points: np.ndarray  # (68, 2) float landmarks
    shape: object = None  # dlib.full_object_detection, for descriptors

    @property
    def width(self) -> int:
        return self.box[2]


class FaceModels:
    """The three dlib models, loaded once per process (descriptor model: 22 MB)."""

    def __init__(self) -> None:
        import dlib

        folder = models_dir()
        self.dlib = dlib
        self.detector = dlib.get_frontal_face_detector()
        self.predictor = dlib.shape_predictor(str(folder / MODEL_FILES["landmarks"]))
        self.encoder = dlib.face_recognition_model_v1(str(folder / MODEL_FILES["descriptor"]))
        self.lock = threading.Lock()  # dlib objects are not documented as thread-safe

    def detect(self, rgb: np.ndarray, upsample: int = 0) -> list[tuple[int, int, int, int]]:
        """Face boxes (x, y, w, h), largest first."""
        with self.lock:
            rects = self.detector(np.ascontiguousarray(rgb), upsample)
        boxes = [(r.left(), r.top(), r.width(), r.height()) for r in rects]
        return sorted(boxes, key=lambda b: -b[2])

    def landmarks(self, rgb: np.ndarray, box: tuple[int, int, int, int]) -> Face:
        x, y, w, h = box
        with self.lock:
            shape = self.predictor(np.ascontiguousarray(rgb), self.dlib.rectangle(x, y, x + w, y + h))
        points = np.array([(p.x, p.y) for p in shape.parts()], float)
        return Face(box=tuple(int(v) for v in box), points=points, shape=shape)

    def descriptor(self, rgb: np.ndarray, face: Face) -> np.ndarray:
        """128-d face descriptor (dlib ResNet, aligned 150x150 chip)."""
        with self.lock:
            return np.array(self.encoder.compute_face_descriptor(np.ascontiguousarray(rgb), face.shape), float)

    def faces(self, rgb: np.ndarray, upsample: int = 0) -> list[Face]:
        return [self.landmarks(rgb, b) for b in self.detect(rgb, upsample)]


@cache
def face_models() -> FaceModels:
    return FaceModels()


def distance(a, b) -> float:
    """Euclidean distance between two descriptors (dlib's scale: < 0.6 = same person)."""
    return float(np.linalg.norm(np.asarray(a, float) - np.asarray(b, float)))


# ------------------------------------------------------------------ measures from landmarks
def yaw_degrees(points: np.ndarray) -> float:
    """Head turn in degrees from the nose tip's place between the jaw sides (arcsin of the asymmetry)."""
    nose = points[30, 0]
    left, right = nose - points[2, 0], points[14, 0] - nose  # picture's left and right of the nose
    asym = (left - right) / max(left + right, 1e-6)
    return float(np.degrees(np.arcsin(np.clip(asym, -1, 1))))


def eye_aspect_ratio(points: np.ndarray) -> float:
    def one(eye: np.ndarray) -> float:
        vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
        return float(vertical / (2 * max(np.linalg.norm(eye[0] - eye[3]), 1e-6)))

    return (one(points[36:42]) + one(points[42:48])) / 2


def mouth_opening(points: np.ndarray) -> float:
    gap = np.mean([np.linalg.norm(points[a] - points[b]) for a, b in ((61, 67), (62, 66), (63, 65))])
    return float(gap / max(np.linalg.norm(points[60] - points[64]), 1e-6))


def _frontal_demo() -> np.ndarray:
    """A symmetric stand-in for the doctest: jaw sides at ±50 px around the nose."""
    p = np.zeros((68, 2))
    p[2, 0], p[14, 0], p[30, 0] = -50, 50, 0
    return p


def likeness(video: Path, descriptors: list[list[float]], frames: int = 6) -> dict:
    """How close the faces in a generated video are to a cameo's face: ``{"face": True, "distance": d}`` (the
    smallest over sampled frames, and the mirrored descriptor), or ``{"face": False}`` when no face is found.
    Small videos are upscaled so that the detector (faces of about 80 px and more) can see them."""
    import cv2

    from sandbox.generation.video import read_frames

    if not descriptors:
        return {}
    try:
        clip = read_frames(Path(video))
    except Exception:
        return {}
    models = face_models()
    best = None
    for frame in clip[np.linspace(0, len(clip) - 1, min(frames, len(clip))).round().astype(int)]:
        scale = max(1.0, 240 / min(frame.shape[:2]))
        if scale > 1:
            frame = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        for face in models.faces(frame, upsample=1):
            d = min(distance(models.descriptor(frame, face), v) for v in descriptors)
            best = d if best is None else min(best, d)
    return {"face": False} if best is None else {"face": True, "distance": round(best, 3)}
