"""The shipped micro model: loads through the Hub path, is small, and its videos carry meaning from the prompt.

Measured scores (model card): backgrounds follow the prompt 100% of held-out captions; shape colour, shape
and direction do not yet (22%, 13%, 13%) — so those are reported, not asserted here."""

from __future__ import annotations

import numpy as np

from sandbox.generation import GenerationRequest
from sandbox.generation.video import read_frames
from sandbox.models.micro.analysis import analyse, nearest_color
from sandbox.models.micro.data import BACKGROUNDS, Scene, make_clip

MICRO = "micro-wan-vace"


def crop(frames: np.ndarray) -> np.ndarray:
    """Without the border, where the watermark travels (stored videos are upscaled 2× for display)."""
    m = frames.shape[1] // 8
    return frames[:, m:-m, m:-m]


def background(frames: np.ndarray) -> str:
    return nearest_color(np.array(analyse(crop(frames)).background, float), BACKGROUNDS)


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


def test_the_background_follows_the_prompt(sb):
    """Meaning, read from the MP4 the app stores (the same seed, four different prompts)."""
    ana = sb.identity.actor("ana", None)
    for bg in BACKGROUNDS:
        result = sb.generation.generate(ana.id, GenerationRequest(prompt=f"a red square moving right on a {bg} "
                                                                  "background", seed=11))
        assert background(read_frames(result.video_path)) == bg


def test_restyle_follows_the_new_prompt_and_the_original(sb):
    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    original = sb.generation.generate(ana.id, GenerationRequest(
        prompt="a yellow circle moving right on a blue background", seed=3))
    post = sb.posts.publish(ana.id, original.draft_id)["post_id"]
    prompt = "a yellow circle moving right on a black background"
    remix = sb.remixes.remix(ben.id, post, prompt, mode="restyle", keep=0.8, seed=4, steps=16)
    fresh = sb.generation.generate(ben.id, GenerationRequest(prompt=prompt, seed=4))
    restyled = read_frames(remix.video_path)
    assert background(restyled) == "black"
    assert np.abs(restyled.astype(int) - read_frames(fresh.video_path).astype(int)).mean() > 2, \
        "the original shaped the remix"
