"""Train the micro model (45 min on 2 CPU cores): ``vae_stage`` (autoencoder on the world's clips) →
``set_latent_stats`` → ``precompute`` (latents and VACE contexts, made by the pipeline's own helpers so
training sees exactly what inference feeds) → ``transformer_stage`` (text encoder + VACE transformer, flow
matching) → ``save``.

>>> train(Path("models/micro-wan-vace"))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sandbox.models.micro.build import build_untrained
from sandbox.models.micro.config import MicroConfig
from sandbox.models.micro.data import BACKGROUNDS, COLORS, Scene, caption, make_clip, random_sprite, split_scenes

LOG_NAME = "training_log.csv"
RECIPE_NAME = "recipe.json"


def to_tensor(clip: np.ndarray):
    """(T, H, W, 3) uint8 → (1, 3, T, H, W) float in [-1, 1], as the pipeline's video processor makes it."""
    import torch

    return torch.from_numpy(clip).permute(3, 0, 1, 2)[None].float() / 127.5 - 1.0


@dataclass
class Log:
    rows: list[dict] = field(default_factory=list)
    t0: float = field(default_factory=time.perf_counter)

    def add(self, stage: str, step: int, loss: float) -> None:
        self.rows.append({"stage": stage, "step": step, "loss": round(loss, 6),
                          "seconds": round(time.perf_counter() - self.t0, 1)})
        if step % 100 == 0:
            print(f"[{self.rows[-1]['seconds']:7.1f}s] {stage} step {step}: loss {loss:.5f}", flush=True)

    def minutes(self) -> float:
        return (time.perf_counter() - self.t0) / 60

    def save(self, path: Path) -> None:
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, ["stage", "step", "loss", "seconds"])
            writer.writeheader()
            writer.writerows(self.rows)


def warmup_cosine(opt, total: int, warmup: int):
    import torch

    return torch.optim.lr_scheduler.LambdaLR(opt, lambda k: min(1.0, (k + 1) / warmup) * 0.5 * (
        1 + math.cos(math.pi * min(k, total) / total)))


def random_scene(rng: np.random.Generator, scenes: list[Scene]) -> Scene:
    return scenes[rng.integers(len(scenes))]


# ------------------------------------------------------------------ stage 1: the VAE
def decode_unclamped(vae, z):
    """``AutoencoderKLWan._decode`` without its final clamp to [-1, 1], which would zero the gradient of every
    pixel that overshoots (black and white sit right at the ends)."""
    import torch

    vae.clear_cache()
    x = vae.post_quant_conv(z)
    frames = []
    for i in range(x.shape[2]):
        vae._conv_idx = [0]
        frames.append(vae.decoder(x[:, :, i:i + 1], feat_cache=vae._feat_map, feat_idx=vae._conv_idx,
                                  first_chunk=i == 0))
    vae.clear_cache()
    return torch.cat(frames, dim=2)


def vae_batch(config: MicroConfig, scenes: list[Scene], rng: np.random.Generator):
    """Clips in [-1, 1] and per-pixel loss weights: shapes weigh ``vae_object_weight`` times the background, or
    the background (most of every frame) drowns out the shapes' colours."""
    import torch

    clips, weights = [], []
    for _ in range(config.vae_batch):
        scene = random_scene(rng, scenes)
        face = random_sprite(rng, int(config.size * config.sprite_fraction)) if rng.random() < 0.15 else None
        # full-length clips: the Wan VAE encodes time in chunks of 4 frames with a causal cache, and a chunk
        # it never trained on decodes to mush
        clip = make_clip(scene, config.size, config.frames, rng, face=face)
        shape = np.any(clip != np.array(BACKGROUNDS[scene.background], np.uint8), axis=-1)
        clips.append(to_tensor(clip))
        weights.append(torch.from_numpy(1 + (config.vae_object_weight - 1) * shape.astype(np.float32))[None, None])
    return torch.cat(clips), torch.cat(weights)


def vae_stage(pipe, config: MicroConfig, scenes: list[Scene], rng: np.random.Generator, log: Log) -> None:
    """A deterministic autoencoder (the posterior's mode, a tiny KL): the pipeline encodes conditions with the mode
    too, and sampling noise at this size hides the shapes' colours."""
    import torch

    vae = pipe.vae
    vae.train()
    opt = torch.optim.AdamW(vae.parameters(), lr=config.vae_lr, weight_decay=0.0)
    sched = warmup_cosine(opt, config.vae_steps, warmup=min(50, config.vae_steps // 10 + 1))
    for step in range(config.vae_steps):
        x, weight = vae_batch(config, scenes, rng)
        posterior = vae.encode(x).latent_dist
        error = decode_unclamped(vae, posterior.mode()) - x
        loss = (weight * (error.abs() + error ** 2)).mean() / weight.mean() + 1e-6 * posterior.kl().mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        sched.step()
        log.add("vae", step, loss.item())
    vae.eval()


def set_latent_stats(pipe, config: MicroConfig, scenes: list[Scene], rng: np.random.Generator) -> None:
    """Per-channel mean and std of the latents, stored in the VAE config as Wan does."""
    import torch

    with torch.no_grad():
        x = torch.cat([to_tensor(make_clip(random_scene(rng, scenes), config.size, config.frames, rng))
                       for _ in range(128)])
        z = pipe.vae.encode(x).latent_dist.mode()
    mean = z.mean(dim=(0, 2, 3, 4)).tolist()
    std = z.std(dim=(0, 2, 3, 4)).clamp(min=1e-3).tolist()
    pipe.vae.register_to_config(latents_mean=[round(v, 5) for v in mean], latents_std=[round(v, 5) for v in std])


# ------------------------------------------------------------------ stage 2: examples
def vace_context(pipe, config: MicroConfig, video: np.ndarray | None, mask: np.ndarray | None, reference=None):
    """The VACE conditioning tensor for one example, built by the pipeline's own steps."""
    import torch
    from PIL import Image

    video_pil = [Image.fromarray(f) for f in video] if video is not None else None
    mask_pil = [Image.fromarray(m, mode="L") for m in mask] if mask is not None else None
    with torch.no_grad():
        v, m, refs = pipe.preprocess_conditions(video_pil, mask_pil, [reference] if reference is not None else None,
                                                1, config.size, config.size, config.frames, torch.float32, "cpu")
        latents = pipe.prepare_video_latents(v, m, refs, None, "cpu")
        masks = pipe.prepare_masks(m, refs, None)
    return torch.cat([latents, masks], dim=1)[0]


_T2V_CONTEXT: dict[tuple, object] = {}


def t2v_context(pipe, config: MicroConfig):
    """Plain text-to-video: the pipeline conditions on an empty video, the same tensor every time."""
    key = (id(pipe), config.size, config.frames)
    if key not in _T2V_CONTEXT:
        _T2V_CONTEXT[key] = vace_context(pipe, config, None, None)
    return _T2V_CONTEXT[key]


def prompt_embeds(pipe, prompts: list[str], max_sequence_length: int = 512):
    """Exactly what ``WanVACEPipeline._get_t5_prompt_embeds`` returns, but the encoder runs on the longest
    caption instead of 512 padded tokens (padding is masked out and zeroed afterwards either way)."""
    import torch
    from diffusers.pipelines.wan.pipeline_wan_vace import prompt_clean

    inputs = pipe.tokenizer([prompt_clean(p) for p in prompts], padding="longest", truncation=True,
                            max_length=max_sequence_length, add_special_tokens=True, return_attention_mask=True,
                            return_tensors="pt")
    mask = inputs.attention_mask
    lengths = mask.gt(0).sum(dim=1).long()
    hidden = pipe.text_encoder(inputs.input_ids, mask).last_hidden_state
    return torch.stack([torch.cat([h[:n], h.new_zeros(max_sequence_length - n, h.size(1))])
                        for h, n in zip(hidden, lengths, strict=True)])


def normalized_latents(pipe, clip: np.ndarray):
    import torch

    cfg = pipe.vae.config
    mean = torch.tensor(cfg.latents_mean).view(1, -1, 1, 1, 1)
    std = torch.tensor(cfg.latents_std).view(1, -1, 1, 1, 1)
    with torch.no_grad():
        return ((pipe.vae.encode(to_tensor(clip)).latent_dist.mode() - mean) / std)[0]


def reference_image(face: np.ndarray, background=(255, 255, 255)):
    """A cameo-like reference: the sprite filling most of a square picture."""
    from PIL import Image

    rgb = np.where(face[..., 3:4] > 0, face[..., :3], np.array(background, np.uint8)).astype(np.uint8)
    return Image.fromarray(rgb).resize((96, 96), Image.NEAREST)


def make_example(pipe, config: MicroConfig, scenes: list[Scene], rng: np.random.Generator) -> tuple[str, str, object,
                                                                                                      object]:
    """(mode, caption, x0 latents, VACE context) for one random training example."""
    import torch

    scene = random_scene(rng, scenes)
    geometry = int(rng.integers(1 << 30))
    u = rng.random()
    t, s = config.frames, config.size
    if u < config.p_reference:
        face = random_sprite(rng, int(s * config.sprite_fraction))
        scene = Scene("white", "face", scene.direction, scene.background)
        clip = make_clip(scene, s, t, np.random.default_rng(geometry), face=face)
        context = vace_context(pipe, config, None, None, reference_image(face))
        x0 = torch.cat([context[: config.z_dim, :1], normalized_latents(pipe, clip)], dim=1)
        return "reference", caption(scene), x0, context
    clip = make_clip(scene, s, t, np.random.default_rng(geometry))
    x0 = normalized_latents(pipe, clip)
    if u < config.p_reference + config.p_restyle:
        other = Scene(str(rng.choice([c for c in COLORS if c != scene.color])), scene.shape, scene.direction,
                      str(rng.choice(list(BACKGROUNDS))))
        if not other.valid:
            other = Scene(other.color, scene.shape, scene.direction, scene.background)
        source = make_clip(other, s, t, np.random.default_rng(geometry))
        return "restyle", caption(scene), x0, vace_context(pipe, config, source, np.full((t, s, s), 255, np.uint8))
    if u < config.p_reference + config.p_restyle + config.p_extend:
        k = int(rng.integers(1, (t - 1) // 2 + 1))
        video = np.concatenate([clip[:k], np.full((t - k, s, s, 3), 127, np.uint8)])
        mask = np.concatenate([np.zeros((k, s, s), np.uint8), np.full((t - k, s, s), 255, np.uint8)])
        return "extend", caption(scene), x0, vace_context(pipe, config, video, mask)
    return "t2v", caption(scene), x0, t2v_context(pipe, config)


def precompute(pipe, config: MicroConfig, scenes: list[Scene], rng: np.random.Generator) -> dict[str, list]:
    data: dict[str, list] = {}
    for i in range(config.dataset):
        mode, text, x0, context = make_example(pipe, config, scenes, rng)
        data.setdefault(mode, []).append((text, x0, context))
        if i % 500 == 0:
            print(f"precomputed {i}/{config.dataset}", flush=True)
    return data


# ------------------------------------------------------------------ stage 3: text encoder + transformer
def transformer_stage(pipe, config: MicroConfig, data: dict[str, list], rng: np.random.Generator, log: Log) -> None:
    import torch

    params = list(pipe.transformer.parameters()) + list(pipe.text_encoder.parameters())
    pipe.transformer.train()
    pipe.text_encoder.train()
    opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.01)
    sched = warmup_cosine(opt, config.steps, warmup=min(200, config.steps // 10 + 1))
    modes = list(data)
    weights = np.array([len(data[m]) for m in modes], float)
    n_layers = len(pipe.transformer.config.vace_layers)
    budget_s = config.time_budget_min * 60 - log.minutes() * 60
    start = time.perf_counter()
    for step in range(config.steps):
        mode = modes[rng.choice(len(modes), p=weights / weights.sum())]
        pool = data[mode]
        idx = rng.integers(len(pool), size=config.batch)
        prompts = [pool[i][0] if rng.random() >= config.caption_dropout else "" for i in idx]
        x0 = torch.stack([pool[i][1] for i in idx])
        context = torch.stack([pool[i][2] for i in idx])
        u = torch.from_numpy(rng.random(config.batch)).float()
        sigma = config.shift * u / (1 + (config.shift - 1) * u)
        noise = torch.randn_like(x0)
        s = sigma.view(-1, 1, 1, 1, 1)
        xt = (1 - s) * x0 + s * noise
        embeds = prompt_embeds(pipe, prompts)
        pred = pipe.transformer(hidden_states=xt, timestep=sigma * 1000, encoder_hidden_states=embeds,
                                control_hidden_states=context, control_hidden_states_scale=torch.ones(n_layers),
                                return_dict=False)[0]
        loss = ((pred.float() - (noise - x0)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        log.add("transformer", step, loss.item())
        if time.perf_counter() - start > budget_s:
            print(f"time budget reached after {step + 1} steps", flush=True)
            break
    pipe.transformer.eval()
    pipe.text_encoder.eval()


# ------------------------------------------------------------------ the whole recipe
def train(out: Path, config: MicroConfig | None = None) -> Path:
    """Train from scratch and ``save_pretrained`` into ``out`` (atomically), with the log and the recipe."""
    import torch

    config = config or MicroConfig()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    train_scenes, held_out = split_scenes(config.seed)
    log = Log()
    pipe = build_untrained(config)
    vae_stage(pipe, config, train_scenes, rng, log)
    set_latent_stats(pipe, config, train_scenes, rng)
    data = precompute(pipe, config, train_scenes, rng)
    transformer_stage(pipe, config, data, rng, log)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".train-", dir=out.parent))
    try:
        pipe.save_pretrained(tmp)
        log.save(tmp / LOG_NAME)
        (tmp / RECIPE_NAME).write_text(json.dumps({
            "config": config.to_dict(), "minutes": round(log.minutes(), 1),
            "held_out_captions": [caption(s) for s in held_out],
            "torch": torch.__version__, "threads": torch.get_num_threads()}, indent=1))
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"saved {out} after {log.minutes():.1f} min", flush=True)
    return out
