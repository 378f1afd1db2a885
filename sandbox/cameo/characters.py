"""Characters: a pet or an object as a cameo of its own (cast as ``@owner.name``).

A character clip must show no human face (people use the person path, with its liveness challenge) and a
subject that moves; the reference crops come from the moving subject: the pixels that differ from the
clip's still background (the median frame), boxed, in the frames where the subject is biggest.

>>> report = verify_character_clip("rex.mp4")  # doctest: +SKIP
>>> [c.name for c in report.checks]  # doctest: +SKIP
['length', 'resolution', 'no person', 'a moving subject']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sandbox.cameo.faces import face_models
from sandbox.cameo.verification import Check, VerificationConfig, VerificationReport, check_clip, read_clip


@dataclass
class CharacterConfig:
    clip: VerificationConfig = field(default_factory=lambda: VerificationConfig(max_seconds=10.0))
    min_subject_fraction: float = 0.02  # of the frame, in most frames
    present_fraction: float = 0.6  # of frames must show the subject
    min_travel: float = 0.1  # how far the subject moves, in subject widths
    diff_threshold: int = 30  # grey-level change that counts as "moved"

    def __post_init__(self) -> None:
        if not 0 < self.min_subject_fraction < 0.5:
            raise ValueError(f"`min_subject_fraction` must be in (0, 0.5) but is {self.min_subject_fraction}")


def subject_boxes(frames: np.ndarray, threshold: int) -> list[tuple[int, int, int, int] | None]:
    """Per frame, the box of the largest region that differs from the median frame (the moving subject)."""
    import cv2

    grey = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]).astype(np.int16)
    background = np.median(grey, axis=0)
    boxes = []
    for g in grey:
        mask = (np.abs(g - background) > threshold).astype(np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        if n <= 1:
            boxes.append(None)
            continue
        best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        x, y, w, h, _ = stats[best]
        boxes.append((int(x), int(y), int(w), int(h)))
    return boxes


def verify_character_clip(path: Path, config: CharacterConfig | None = None) -> VerificationReport:
    """Checks for a character clip: length, size, no human face, a moving subject; crops of the subject."""
    from sandbox.cameo.verification import face_crop

    config = config or CharacterConfig()
    clip = read_clip(path, config.clip, with_audio=False)
    report = VerificationReport(checks=check_clip(clip, config.clip))
    models = face_models()
    with_face = sum(bool(models.detect(f, upsample=1)) for f in clip.frames[::config.clip.detect_every])
    report.checks.append(Check("no person", with_face == 0, "no human face in the clip" if not with_face else
                               f"a human face is in {with_face} frames — a character is a pet or an object; "
                               "make your own cameo in the person path"))
    boxes = subject_boxes(clip.frames, config.diff_threshold)
    area = clip.frames.shape[1] * clip.frames.shape[2]
    present = [(i, b) for i, b in enumerate(boxes) if b and b[2] * b[3] >= config.min_subject_fraction * area]
    if len(present) < config.present_fraction * len(boxes) or len(present) < 2:
        report.checks.append(Check("a moving subject", False, f"a moving subject in only {len(present)} of "
                                   f"{len(boxes)} frames — film your pet or object moving against a still "
                                   "background"))
        return report
    centres = np.array([(x + w / 2, y + h / 2) for _, (x, y, w, h) in present])
    width = float(np.median([b[2] for _, b in present]))
    travel = float(np.ptp(centres, axis=0).max() / max(width, 1))
    ok = travel >= config.min_travel
    report.checks.append(Check("a moving subject", ok, f"a subject in {len(present)} of {len(boxes)} frames, "
                               f"moving {travel:.2f} of its width" + ("" if ok else " — it must move")))
    if report.passed:
        biggest = sorted(present, key=lambda ib: -ib[1][2] * ib[1][3])
        spread = biggest[:: max(1, len(biggest) // config.clip.references)][:config.clip.references]
        report.crops = [face_crop(clip.frames[i], b, config.clip.crop_px, margin=0.1) for i, b in spread]
    return report
