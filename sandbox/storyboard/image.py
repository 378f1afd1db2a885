"""Start from an image: read it safely, fit it to the model's frame, and find whose cameo faces are in it.

Faces are compared through :func:`face_descriptors` alone, which calls the cameo module's detector and
descriptor: when the cameo module changes how it describes a face, this follows.

>>> import numpy as np
>>> load_image(np.full((40, 80, 3), 200, np.uint8), (32, 32)).pixels.shape
(32, 32, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select

from sandbox.cameo.faces import SAME_PERSON_DISTANCE
from sandbox.errors import SandboxError
from sandbox.store.schema import Cameo

MAX_IMAGE_BYTES = 20 * 2**20
MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
# A face this close to a cameo's (dlib descriptor distance) counts as that cameo: dlib's own "same person"
# threshold, the one the cameo check uses (sandbox.cameo.faces.SAME_PERSON_DISTANCE; edited copies of a face
# measured 0.03–0.23, different people 0.68–0.72).
FACE_MATCH = SAME_PERSON_DISTANCE


@dataclass
class StartImage:
    """The first frame at the model's size, the image as given (for face checks), and where it came from."""

    pixels: np.ndarray  # (H, W, 3) uint8 at the model's size
    original: np.ndarray | None = None
    parent: Path | None = None  # the post's video when the image is a frame of a post (a C2PA parent)
    parent_post_id: str | None = None
    cameo_ids: list[str] = field(default_factory=list)  # cameos the post shows


def read_image(path: Path | str) -> np.ndarray:
    """An uploaded file as RGB pixels, or a clear error if it is not an image."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise SandboxError(f"`image` is missing: upload a PNG, JPEG or WebP (got {path.name!r})")
    if path.stat().st_size > MAX_IMAGE_BYTES:
        raise SandboxError(f"`image` must be at most {MAX_IMAGE_BYTES // 2**20} MB "
                           f"but is {path.stat().st_size / 2**20:.0f} MB")
    try:
        with Image.open(path) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise SandboxError(f"`image` is {img.width}x{img.height}: at most {MAX_IMAGE_PIXELS:,} pixels")
            img.load()
            return np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise SandboxError(f"`image` {path.name!r} is not an image this sandbox can read: upload a PNG, JPEG "
                           "or WebP") from exc


def fit(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Centre-crop to the target aspect, then resize to ``size`` (width, height)."""
    import cv2

    w, h = size
    ih, iw = image.shape[:2]
    scale = min(iw / w, ih / h)
    cw, ch = round(w * scale), round(h * scale)
    x0, y0 = (iw - cw) // 2, (ih - ch) // 2
    return cv2.resize(image[y0:y0 + ch, x0:x0 + cw], (w, h), interpolation=cv2.INTER_AREA)


def load_image(image: Path | str | np.ndarray, size: tuple[int, int]) -> StartImage:
    original = read_image(image) if not isinstance(image, np.ndarray) else np.asarray(image, np.uint8)
    return StartImage(fit(original, size), original=original)


def face_descriptors(image: np.ndarray) -> list[np.ndarray]:
    """Descriptors of every face found in ``image`` — the cameo check's own dlib models (sandbox.cameo.faces),
    upsampled once so that small faces count too."""
    from sandbox.cameo.faces import face_models

    models = face_models()
    rgb = np.ascontiguousarray(image)
    return [models.descriptor(rgb, face) for face in models.faces(rgb, upsample=1)]


def cameos_in_image(s, image: StartImage | np.ndarray, threshold: float = FACE_MATCH) -> list[Cameo]:
    """Verified cameos whose face is in the image (as it is or mirrored: a flipped photo of someone is still
    them): using it is using them."""
    from sandbox.cameo.faces import distance

    pixels = image.original if isinstance(image, StartImage) else image
    if pixels is None:
        return []
    found = face_descriptors(pixels)
    if not found:
        return []
    cameos = s.scalars(select(Cameo).where(Cameo.status == "verified", Cameo.kind == "person")).all()
    return [c for c in cameos if any(
        distance(f, c.descriptor[k]) < threshold for f in found for k in ("v", "mirrored") if c.descriptor.get(k))]
