"""VACE inputs for a shot: start from an image, continue the previous shot, or fill a shot between two kept
ends (a re-shoot). Continuing is remix "extend" (:func:`sandbox.remix.conditioning.extend_conditioning`):
the previous shot's last frames open the new one under a black mask, the rest is generated.

>>> import numpy as np
>>> image = np.zeros((32, 32, 3), np.uint8)
>>> c = first_frame_conditioning(image, num_frames=9)
>>> len(c.video), c.keep_frames, c.mask[0].getextrema(), c.mask[1].getextrema()
(9, 1, (0, 0), (255, 255))
"""

from __future__ import annotations

import numpy as np

from sandbox.remix.conditioning import RemixConditioning, extend_conditioning, masks, to_images
from sandbox.storyboard.shots import CARRIED_FRAMES

GREY = 127  # what VACE sees where it should generate (the value remix uses)


def first_frame_conditioning(image: np.ndarray, num_frames: int) -> RemixConditioning:
    """The image is frame 0 (kept); every later frame is generated."""
    h, w = image.shape[:2]
    video = np.concatenate([image[None], np.full((num_frames - 1, h, w, 3), GREY, np.uint8)])
    mask = [np.zeros((h, w))] + [np.full((h, w), 255)] * (num_frames - 1)
    return RemixConditioning(to_images(video), masks(mask), conditioning_scale=1.0, keep_frames=1)


def continue_conditioning(previous: np.ndarray, num_frames: int, carried: int = CARRIED_FRAMES) -> RemixConditioning:
    """The next shot opens on the previous shot's last ``carried`` frames: remix extend, with the ``keep`` that
    keeps exactly that many.

    >>> continue_conditioning(np.zeros((9, 8, 8, 3), np.uint8), 9, carried=1).keep_frames
    1
    """
    return extend_conditioning(previous, num_frames, keep=2 * carried / (num_frames - 1))


def carried_frames(num_frames: int, carried: int = CARRIED_FRAMES) -> int:
    """How many of the previous shot's frames a continuing shot of ``num_frames`` opens on (at most half).

    >>> carried_frames(9), carried_frames(17)
    (1, 1)
    """
    return max(1, min(carried, (num_frames - 1) // 2))


def bridge_conditioning(head: np.ndarray | None, tail: np.ndarray | None, num_frames: int) -> RemixConditioning:
    """A re-shot shot: its first frames (``head``, the previous shot's end) and its last frames (``tail``,
    what the next shot continues from) are kept, the middle is generated anew — so both cuts stay smooth."""
    ref = head if head is not None and len(head) else tail
    h, w = ref.shape[1:3]
    k_head = 0 if head is None else len(head)
    k_tail = 0 if tail is None else len(tail)
    middle = num_frames - k_head - k_tail
    if middle < 1:
        raise ValueError(f"`num_frames` {num_frames} leaves no frame to generate between {k_head} + {k_tail}")
    parts = [p for p in (head, np.full((middle, h, w, 3), GREY, np.uint8), tail) if p is not None and len(p)]
    mask = [np.zeros((h, w))] * k_head + [np.full((h, w), 255)] * middle + [np.zeros((h, w))] * k_tail
    return RemixConditioning(to_images(np.concatenate(parts)), masks(mask), conditioning_scale=1.0,
                             keep_frames=k_head)
