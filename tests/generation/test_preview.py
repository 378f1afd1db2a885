"""Live preview: pictures arrive every few steps during a run and show where it is heading."""

from __future__ import annotations

import numpy as np

from sandbox.generation.request import GenerationRequest
from sandbox.generation.video import read_frames


def test_previews_arrive_during_the_run_and_the_last_one_looks_like_the_result(sb):
    ana = sb.identity.actor("ana", None)
    pictures: list[np.ndarray] = []
    result = sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving right on a blue background",
                                                              seed=1, steps=13), preview=pictures.append)
    assert len(pictures) == 2  # after steps 6 and 12 (every 6, from the second step on, not after the last)
    assert pictures[0].shape == (32, 32, 3) and pictures[0].dtype == np.uint8
    frames = read_frames(result.video_path)
    factor = frames.shape[1] // pictures[0].shape[0]  # tiny videos are stored upscaled (DISPLAY_MIN_SIDE)
    middle = frames[len(frames) // 2][::factor, ::factor].astype(int)
    border = lambda img: np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]]).mean(0)  # noqa: E731
    assert np.abs(border(pictures[-1].astype(int)) - border(middle)).max() < 40  # the same background colour
    first_error = np.abs(pictures[0].astype(int) - middle).mean()
    last_error = np.abs(pictures[-1].astype(int) - middle).mean()
    assert last_error <= first_error + 1  # the picture converges on the result


def test_no_preview_costs_nothing_and_changes_nothing(sb):
    ana = sb.identity.actor("ana", None)
    request = GenerationRequest(prompt="a red circle moving right on a blue background", seed=2, steps=4)
    plain = sb.generation.generate(ana.id, request)
    seen = sb.generation.generate(ana.id, request, preview=lambda _image: None)
    assert np.array_equal(read_frames(plain.video_path), read_frames(seen.video_path))
