"""The shipped micro model: loads through the Hub path, is small, and its videos mean what the prompt says."""

from __future__ import annotations

import numpy as np
import pytest

from sandbox.generation import GenerationRequest
from sandbox.generation.video import read_frames
from sandbox.models.micro.analysis import analyse
from sandbox.models.micro.data import Scene, make_clip

MICRO = "micro-wan-vace"


def crop(frames: np.ndarray) -> np.ndarray:
    """Without the border, where the watermark travels (stored videos are upscaled 2× for display)."""
    m = frames.shape[1] // 8
    return frames[:, m:-m, m:-m]


def test_it_is_the_default_and_small(sb):
    spec = sb.loader.default_model()
    assert spec.id == MICRO and spec.embedded and spec.shipped
    weights = list(sb.loader.local_path(spec).rglob("*.safetensors"))
    assert len(weights) == 3 and sum(p.stat().st_size for p in weights) <= 20 * 2**20
    assert type(sb.loader.load(spec).pipe).__name__ == "WanVACEPipeline"


def test_analysis_reads_the_world_exactly():
    for scene in (Scene("red", "circle", "right", "blue"), Scene("yellow", "triangle", "up", "black"),
                  Scene("white", "square", "down", "green")):
        a = analyse(make_clip(scene))
        assert (a.color, a.shape, a.direction) == (scene.color, scene.shape, scene.direction)


@pytest.mark.parametrize(("prompt", "color", "direction"), [
    ("a red square moving right on a blue background", "red", "right"),
    ("a yellow circle moving up on a black background", "yellow", "up"),
    ("a green triangle moving left on a gray background", "green", "left"),
])
def test_videos_follow_the_prompt(sb, prompt, color, direction):
    """Meaning, read from the MP4 the app stores: the shape's pixels have the colour, its centroid the motion."""
    ana = sb.identity.actor("ana", None)
    result = sb.generation.generate(ana.id, GenerationRequest(prompt=prompt, seed=11))
    a = analyse(crop(read_frames(result.video_path)))
    assert (a.color, a.direction) == (color, direction), a


def test_restyle_takes_the_new_colour_and_keeps_the_motion(sb):
    ana = sb.identity.actor("ana", None)
    original = sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving down on a black "
                                                                "background", seed=3))
    assert analyse(crop(read_frames(original.video_path))).color == "red"
    post = sb.posts.publish(ana.id, original.draft_id)["post_id"]
    result = sb.remixes.remix(sb.identity.actor("ben", None).id, post, "a blue circle moving down on a black "
                              "background", mode="restyle", keep=0.8, seed=4, steps=16)
    a = analyse(crop(read_frames(result.video_path)))
    assert (a.color, a.direction) == ("blue", "down"), a


def test_different_prompts_make_different_videos(sb):
    ana = sb.identity.actor("ana", None)
    prompts = ("a red circle moving right on a blue background", "a white square moving up on a green background")
    a, b = (read_frames(sb.generation.generate(ana.id, GenerationRequest(prompt=p, seed=1)).video_path)
            for p in prompts)
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 10
