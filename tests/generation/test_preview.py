"""Live preview: pictures arrive every few steps during a run and show where it is heading."""

from __future__ import annotations

import numpy as np

from sandbox.generation.preview import LatentPreview
from sandbox.generation.request import GenerationRequest
from sandbox.generation.video import read_frames


def test_previews_arrive_during_the_run_and_the_last_one_looks_like_the_result(sb, monkeypatch):
    monkeypatch.setattr("sandbox.generation.preview.PREVIEW_BUDGET", 1.0)  # every 6 steps, however fast the run
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


class FakeClockPreview(LatentPreview):
    """A LatentPreview on a fake pipeline and clock: each decode takes ``decode_s`` of the fake clock."""

    def __init__(self, steps: int, decode_s: float, **kwargs) -> None:
        import types

        import torch

        self.now, self.decode_s, self.pictures = 0.0, decode_s, []
        pipe = types.SimpleNamespace(scheduler=types.SimpleNamespace(sigmas=torch.linspace(1, 0, steps + 1)))
        super().__init__(pipe, self.pictures.append, clock=lambda: self.now, **kwargs)

    def decode(self, clean):
        self.now += self.decode_s
        return np.zeros((4, 4, 3), np.uint8)

    def run(self, steps: int, step_s: float) -> list[int]:
        import torch

        self.pictures.clear()
        shown = []
        for step in range(steps):
            self.now += step_s
            before = len(self.pictures)
            self.step(step, torch.full((1, 2, 3, 4, 4), 1.0 - step / steps))
            if len(self.pictures) > before:
                shown.append(step + 1)
        return shown


def test_a_slow_run_gets_a_preview_every_six_steps():
    preview = FakeClockPreview(24, decode_s=0.1)
    assert preview.run(24, step_s=2.0) == [6, 12, 18]  # not after the last step: the result is about to arrive
    assert abs(preview.decode_seconds - 0.1) < 1e-9


def test_a_fast_run_spends_at_most_the_budget_on_previews():
    preview = FakeClockPreview(25, decode_s=0.05)
    shown = preview.run(25, step_s=0.04)  # a decode costs more than a step: every 6 steps would be ~20 %
    assert shown == [6]  # the next one waits until 0.05 s is at most 5 % of the time since: 24 steps on
    total = 25 * 0.04 + len(shown) * 0.05
    assert len(shown) * 0.05 / total <= 0.05


def test_preview_budget_is_checked():
    import pytest

    with pytest.raises(ValueError, match="`budget` is a share"):
        FakeClockPreview(4, decode_s=0.1, budget=0.0)
