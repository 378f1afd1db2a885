"""Score the micro model on held-out captions: colour, shape and direction accuracy from the frames it makes;
restyle keeps the original's direction while taking the new colour; a reference sprite shows up.

>>> evaluate(Path("models/micro-wan-vace"), samples=48)  # doctest: +SKIP
{'colour_accuracy': 0.96, ...}
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from sandbox.models.micro.analysis import analyse, nearest_color
from sandbox.models.micro.data import BACKGROUNDS, COLORS, Scene, caption, make_clip, random_sprite, split_scenes
from sandbox.models.micro.train import RECIPE_NAME, reference_image

STEPS, GUIDANCE = 16, 4.0


def generate(pipe, prompt: str, seed: int, size: int, frames: int, steps: int = STEPS, guidance: float = GUIDANCE,
             **conditioning) -> np.ndarray:
    import torch

    out = pipe(prompt=prompt, height=size, width=size, num_frames=frames, num_inference_steps=steps,
               guidance_scale=guidance, generator=torch.Generator().manual_seed(seed), output_type="np",
               **conditioning).frames[0]
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)


def skin_fraction(frames: np.ndarray) -> float:
    """Share of pixels that look like a sprite's skin (the reference check)."""
    from sandbox.models.micro.data import SPRITE_SKINS

    f = frames.astype(np.float32)
    d = np.min([np.linalg.norm(f - np.array(s, np.float32), axis=-1) for s in SPRITE_SKINS], axis=0)
    return float((d < 45).mean())


def evaluate(model_dir: Path, samples: int = 48, steps: int = STEPS, guidance: float = GUIDANCE) -> dict:
    from diffusers import WanVACEPipeline
    from PIL import Image

    model_dir = Path(model_dir)
    recipe = json.loads((model_dir / RECIPE_NAME).read_text())["config"]
    size, frames = recipe["size"], recipe["frames"]
    _, held_out = split_scenes(recipe["seed"])
    held_out = held_out[:samples]
    pipe = WanVACEPipeline.from_pretrained(model_dir)
    pipe.set_progress_bar_config(disable=True)
    t0 = time.perf_counter()
    hits = {"colour": 0, "shape": 0, "direction": 0, "background": 0}
    rows = []
    for i, scene in enumerate(held_out):
        a = analyse(generate(pipe, caption(scene), 1000 + i, size, frames, steps, guidance))
        row = {"caption": caption(scene), "colour": a.color, "shape": a.shape, "direction": a.direction}
        hits["colour"] += a.color == scene.color
        hits["shape"] += a.shape == scene.shape
        hits["direction"] += a.direction == scene.direction
        hits["background"] += nearest_color(np.array(a.background, float), BACKGROUNDS) == scene.background
        rows.append(row)
    seconds = time.perf_counter() - t0
    # restyle: follow a held-out clip's motion, take the colour from the prompt
    restyle = {"colour": 0, "direction": 0}
    n_restyle = min(16, len(held_out))
    rng = np.random.default_rng(7)
    for i, scene in enumerate(held_out[:n_restyle]):
        source = make_clip(scene, size, frames, rng)
        new_color = [c for c in COLORS if c not in (scene.color, scene.background)][i % 4]
        target = Scene(new_color, scene.shape, scene.direction, scene.background)
        video = [Image.fromarray(f) for f in source]
        mask = [Image.fromarray(np.full((size, size), 255, np.uint8), mode="L")] * frames
        a = analyse(generate(pipe, caption(target), 2000 + i, size, frames, steps, guidance, video=video, mask=mask))
        restyle["colour"] += a.color == new_color
        restyle["direction"] += a.direction == scene.direction
    # reference: a sprite given as reference image shows up (skin-coloured pixels), without it it does not
    with_ref, without = [], []
    for i, scene in enumerate(held_out[:min(8, samples)]):
        face = random_sprite(np.random.default_rng(i), int(size * 0.4))
        prompt = caption(Scene("white", "face", scene.direction, scene.background))
        with_ref.append(skin_fraction(generate(pipe, prompt, 3000 + i, size, frames, steps, guidance,
                                               reference_images=[reference_image(face)])))
        without.append(skin_fraction(generate(pipe, caption(scene), 3000 + i, size, frames, steps, guidance)))
    return {
        "samples": len(held_out), "steps": steps, "guidance": guidance,
        "colour_accuracy": round(hits["colour"] / len(held_out), 3),
        "shape_accuracy": round(hits["shape"] / len(held_out), 3),
        "direction_accuracy": round(hits["direction"] / len(held_out), 3),
        "background_accuracy": round(hits["background"] / len(held_out), 3),
        "restyle_colour_accuracy": round(restyle["colour"] / n_restyle, 3),
        "restyle_direction_kept": round(restyle["direction"] / n_restyle, 3),
        "reference_skin_fraction": {"with_reference": round(float(np.mean(with_ref)), 4),
                                    "shape_prompt_without": round(float(np.mean(without)), 4)},
        "seconds_per_video": round(seconds / len(held_out), 3),
        "examples": rows[:8],
    }
