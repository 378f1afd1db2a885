"""ZeroGPU on Hugging Face Spaces: wrap GPU work in ``spaces.GPU`` when the package is present.

Elsewhere ``gpu_task`` returns the function unchanged.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

SECONDS_PER_FRAME_STEP = 0.05  # measured order of magnitude for Wan 1.3B at 480p on an H200 slice
MIN_SECONDS, MAX_SECONDS = 30, 300


def gpu_duration(num_frames: int, steps: int) -> int:
    """Seconds of GPU to ask ZeroGPU for: frames × steps, clamped.

    >>> gpu_duration(33, 30)
    79
    """
    return int(min(max(30 + num_frames * steps * SECONDS_PER_FRAME_STEP, MIN_SECONDS), MAX_SECONDS))


def gpu_task(fn: Callable, duration: Callable[..., int]) -> Callable:
    if importlib.util.find_spec("spaces") is None:
        return fn
    import spaces

    return spaces.GPU(duration=duration)(fn)
