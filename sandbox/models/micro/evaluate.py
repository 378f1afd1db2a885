"""Score the micro model on held-out captions: colour, shape and direction accuracy from the frames it makes;
restyle keeps the original's direction while taking the new colour; a reference sprite's skin tone shows up.

>>> evaluate(Path("models/micro-wan-vace"), samples=48)  # doctest: +SKIP
{'colour_accuracy': 0.96, ...}
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from sandbox.models.micro.analysis import analyse, nearest_color
from sandbox.models.micro.data import (
    BACKGROUNDS,
    COLORS,
    SPRITE_HAIR,
    SPRITE_SKINS,
    Scene,
    caption,
    make_clip,
    split_scenes,
    sprite,
)
from sandbox.models.micro.train import RECIPE_NAME, reference_image, to_tensor

STEPS, GUIDANCE = 16, 4.0


def generate(pipe, prompt: str, seed: int, size: int, frames: int, steps: int = STEPS, guidance: float = GUIDANCE,
             **conditioning) -> np.ndarray:
    import torch

    out = pipe(prompt=prompt, height=size, width=size, num_frames=frames, num_inference_steps=steps,
               guidance_scale=guidance, generator=torch.Generator().manual_seed(seed), output_type="np",
               **conditioning).frames[0]
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)


def read_skin(frames: np.ndarray) -> tuple[tuple[int, int, int] | None, float]:
    """(the sprite skin tone most skin-like pixels are closest to, or None when fewer than 4 are; the share of
    pixels that look like a sprite's skin) — the reference check."""
    f = frames.astype(np.float32)
    d = np.stack([np.linalg.norm(f - np.array(s, np.float32), axis=-1) for s in SPRITE_SKINS])
    skin_like = d.min(axis=0) < 45
    fraction = float(skin_like.mean())
    if skin_like.sum() < 4:
        return None, fraction
    counts = np.bincount(d.argmin(axis=0)[skin_like], minlength=len(SPRITE_SKINS))
    return SPRITE_SKINS[int(counts.argmax())], fraction


def reconstruction_scores(vae, scenes: list[Scene], size: int, frames: int) -> dict[str, float]:
    """The same analysis on the VAE's reconstructions of real clips: the ceiling for what generation can show."""
    import torch

    rng = np.random.default_rng(5)
    hits = {"colour": 0, "shape": 0, "direction": 0}
    with torch.no_grad():
        for scene in scenes:
            x = vae.decode(vae.encode(to_tensor(make_clip(scene, size, frames, rng))).latent_dist.mode()).sample
            a = analyse(((x[0].permute(1, 2, 3, 0) + 1) * 127.5).round().clamp(0, 255).byte().numpy())
            hits["colour"] += a.color == scene.color
            hits["shape"] += a.shape == scene.shape
            hits["direction"] += a.direction == scene.direction
    return {k: round(v / len(scenes), 3) for k, v in hits.items()}


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
        candidates = [Scene(c, scene.shape, scene.direction, scene.background) for c in COLORS if c != scene.color]
        target = [t for t in candidates if t.valid][i % 4]
        new_color = target.color
        video = [Image.fromarray(f) for f in source]
        mask = [Image.fromarray(np.full((size, size), 255, np.uint8), mode="L")] * frames
        a = analyse(generate(pipe, caption(target), 2000 + i, size, frames, steps, guidance, video=video, mask=mask))
        restyle["colour"] += a.color == new_color
        restyle["direction"] += a.direction == scene.direction
    # reference: the face drawn takes the reference sprite's skin tone (4 tones: chance is 25%)
    reference = {"skin_tone_matches": 0, "matches_without": 0, "with": [], "without": []}
    n_reference = min(12, samples)
    for i, scene in enumerate(held_out[:n_reference]):
        skin = SPRITE_SKINS[i % len(SPRITE_SKINS)]
        face = sprite(int(size * recipe.get("sprite_fraction", 0.4)), skin, SPRITE_HAIR[i % len(SPRITE_HAIR)])
        prompt = caption(Scene("white", "face", scene.direction, scene.background))
        drawn = generate(pipe, prompt, 3000 + i, size, frames, steps, guidance,
                         reference_images=[reference_image(face)])
        tone, fraction = read_skin(drawn)
        reference["skin_tone_matches"] += tone == skin
        reference["with"].append(fraction)
        tone, fraction = read_skin(generate(pipe, prompt, 3000 + i, size, frames, steps, guidance))
        reference["matches_without"] += tone == skin  # the baseline: the model's default face
        reference["without"].append(fraction)
    return {
        "samples": len(held_out), "steps": steps, "guidance": guidance,
        "colour_accuracy": round(hits["colour"] / len(held_out), 3),
        "shape_accuracy": round(hits["shape"] / len(held_out), 3),
        "direction_accuracy": round(hits["direction"] / len(held_out), 3),
        "background_accuracy": round(hits["background"] / len(held_out), 3),
        "restyle_colour_accuracy": round(restyle["colour"] / n_restyle, 3),
        "restyle_direction_kept": round(restyle["direction"] / n_restyle, 3),
        "reference_skin_tone_accuracy": {"with_reference": round(reference["skin_tone_matches"] / n_reference, 3),
                                         "same_prompt_without": round(reference["matches_without"] / n_reference, 3)},
        "reference_skin_fraction": {"with_reference": round(float(np.mean(reference["with"])), 4),
                                    "same_prompt_without": round(float(np.mean(reference["without"])), 4)},
        "seconds_per_video": round(seconds / len(held_out), 3),
        "vae_reconstruction": reconstruction_scores(pipe.vae, held_out, size, frames),
        "examples": rows[:8],
    }
