"""Train the micro audio model (≤ 25 min on 2 CPU cores): ``vae_stage`` (Oobleck autoencoder on crops of the
world's sounds, multi-resolution STFT loss) → ``fold_latent_scale`` (unit-variance latents, folded into the
VAE's weights so the pipeline needs no scaling factor) → ``precompute`` (latents of whole clips) →
``dit_stage`` (text encoder + projection + DiT, EDM v-prediction, the pipeline's own preconditioning) → ``save``.

>>> train(Path("models/micro-sound"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from sandbox.models.micro.data import Scene, caption, split_scenes
from sandbox.models.micro.train import Log
from sandbox.models.micro_audio.build import build_untrained, build_vae
from sandbox.models.micro_audio.config import MicroAudioConfig
from sandbox.models.micro_audio.world import SAMPLE_RATE, synthesize

LOG_NAME = "training_log.csv"
RECIPE_NAME = "recipe.json"


def device():
    """Training runs on a GPU when there is one (the shipped weights were trained on one), else on the CPU."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class TimedCosine:
    """Warm-up, then a cosine decay over whichever runs out first, the steps or the stage's minutes: a run
    cut short by its time budget still ends at a low learning rate."""

    def __init__(self, opt, steps: int, minutes: float, warmup: int) -> None:
        self.opt, self.steps, self.seconds, self.warmup = opt, steps, minutes * 60, warmup
        self.base = [g["lr"] for g in opt.param_groups]
        self.t0 = time.perf_counter()
        self.step_count = 0

    @property
    def done(self) -> bool:
        return self.fraction >= 1.0

    @property
    def fraction(self) -> float:
        return max(self.step_count / self.steps, (time.perf_counter() - self.t0) / self.seconds)

    def step(self) -> None:
        self.step_count += 1
        factor = min(1.0, self.step_count / self.warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, self.fraction)))
        for group, base in zip(self.opt.param_groups, self.base, strict=True):
            group["lr"] = base * factor


def stft_loss(pred, target):
    """Multi-resolution log-magnitude + spectral convergence: pitch and timbre without asking for phase."""
    import torch

    loss = 0.0
    for n_fft in (128, 256, 512):
        window = torch.hann_window(n_fft, device=pred.device)
        p = torch.stft(pred.reshape(-1, pred.shape[-1]), n_fft, n_fft // 4, window=window, return_complex=True).abs()
        t = torch.stft(target.reshape(-1, target.shape[-1]), n_fft, n_fft // 4, window=window,
                       return_complex=True).abs()
        loss = loss + (t - p).norm() / (t.norm() + 1e-7) + (torch.log(p + 1e-3) - torch.log(t + 1e-3)).abs().mean()
    return loss / 3


def random_clip(scenes: list[Scene], config: MicroAudioConfig,
                rng: np.random.Generator) -> tuple[Scene, float, np.ndarray]:
    scene = scenes[rng.integers(len(scenes))]
    seconds = float(config.durations_s[rng.integers(len(config.durations_s))])
    return scene, seconds, synthesize(scene, seconds, rng)


def vae_stage(vae, scenes: list[Scene], config: MicroAudioConfig, log: Log, rng: np.random.Generator) -> None:
    import torch

    opt = torch.optim.AdamW(vae.parameters(), lr=config.vae_lr, weight_decay=0.0)
    sched = TimedCosine(opt, config.vae_steps, config.vae_budget_min, 50)
    vae.train()
    dev = next(vae.parameters()).device
    step = 0
    while not sched.done:
        crops = []
        for _ in range(config.vae_batch):
            _, _, clip = random_clip(scenes, config, rng)
            start = rng.integers(0, max(1, clip.shape[1] - config.vae_crop))
            crop = np.zeros((2, config.vae_crop), np.float32)
            piece = clip[:, start:start + config.vae_crop]
            crop[:, :piece.shape[1]] = piece
            crops.append(crop)
        x = torch.from_numpy(np.stack(crops)).to(dev)
        z = vae.encode(x).latent_dist.mean
        y = vae.decode(z).sample
        loss = stft_loss(y, x) + 0.5 * (y - x).abs().mean() + 1e-4 * (z**2).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        sched.step()
        log.add("vae", step, loss.item())
        step += 1
    print(f"VAE stage: {step} steps", flush=True)
    vae.eval()


def fold_latent_scale(vae, scale: float) -> None:
    """Make the encoder's mean ``1/scale`` smaller and the decoder read ``scale`` times more: unit-variance latents
    for the diffusion model (EDM σ_data = 1) with the VAE's output unchanged."""
    import torch

    latent = vae.config.decoder_input_channels
    with torch.no_grad():
        enc = vae.encoder.conv2
        enc.weight_g[:latent] /= scale
        enc.bias[:latent] /= scale
        vae.decoder.conv1.weight_g *= scale


def precompute(pipe, scenes: list[Scene], config: MicroAudioConfig, rng: np.random.Generator):
    """Latents (N, C, sample_size) of whole clips padded to the model's window, their captions and durations."""
    import torch

    window = config.sample_size * config.hop
    latents, captions, seconds = [], [], []
    with torch.no_grad():
        for i in range(0, config.dataset, 16):
            batch = []
            for _ in range(min(16, config.dataset - i)):
                scene, secs, clip = random_clip(scenes, config, rng)
                padded = np.zeros((2, window), np.float32)
                padded[:, :clip.shape[1]] = clip
                batch.append(padded)
                captions.append(caption(scene))
                seconds.append(secs)
            x = torch.from_numpy(np.stack(batch)).to(pipe.vae.device)
            latents.append(pipe.vae.encode(x).latent_dist.mean)
    return torch.cat(latents), captions, torch.tensor(seconds)


def conditioning(pipe, captions: list[str], seconds, drop):
    """The pipeline's own conditioning: projected text (masked), start/end seconds; ``drop``: rows zeroed (CFG)."""
    import torch

    tokens = pipe.tokenizer(captions, padding="max_length", max_length=pipe.tokenizer.model_max_length,
                            truncation=True, return_tensors="pt").to(seconds.device)
    text = pipe.text_encoder(tokens.input_ids, attention_mask=tokens.attention_mask)[0]
    text = pipe.projection_model(text_hidden_states=text).text_hidden_states
    text = text * tokens.attention_mask.unsqueeze(-1).to(text.dtype)
    out = pipe.projection_model(start_seconds=torch.zeros_like(seconds), end_seconds=seconds)
    start, end = out.seconds_start_hidden_states, out.seconds_end_hidden_states
    cross = torch.cat([text, start, end], dim=1)
    cross = cross * (~drop).float()[:, None, None]
    return cross, torch.cat([start, end], dim=2)


def dit_stage(pipe, data, config: MicroAudioConfig, log: Log, rng: np.random.Generator, minutes: float) -> None:
    import torch
    from diffusers.models.embeddings import get_1d_rotary_pos_embed

    latents, captions, seconds = data
    params = [*pipe.transformer.parameters(), *pipe.text_encoder.parameters(), *pipe.projection_model.parameters()]
    opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.01)
    sched = TimedCosine(opt, config.steps, minutes, 100)
    for m in (pipe.transformer, pipe.text_encoder, pipe.projection_model):
        m.train()
    dev = latents.device
    rotary = tuple(r.to(dev) for r in get_1d_rotary_pos_embed(pipe.rotary_embed_dim, config.sample_size + 1,
                                                              use_real=True, repeat_interleave_real=False))
    gen = torch.Generator(device=dev).manual_seed(config.seed)
    step = 0
    while not sched.done:
        idx = torch.from_numpy(rng.integers(0, len(captions), config.batch))
        x = latents[idx.to(dev)]
        sigma = torch.exp(config.p_mean + config.p_std * torch.randn(len(idx), generator=gen, device=dev))
        sigma = sigma.clamp(config.sigma_min, config.sigma_max)[:, None, None]
        noisy = x + sigma * torch.randn(x.shape, generator=gen, device=dev)
        c_in = 1 / torch.sqrt(sigma**2 + 1)
        c_skip = 1 / (sigma**2 + 1)
        c_out = -sigma / torch.sqrt(sigma**2 + 1)  # v-prediction, σ_data = 1 (the scheduler's precondition_outputs)
        target = (x - c_skip * noisy) / c_out
        drop = torch.from_numpy(rng.random(len(idx)) < config.caption_dropout).to(dev)
        cross, global_states = conditioning(pipe, [captions[i] for i in idx.tolist()], seconds[idx.to(dev)], drop)
        pred = pipe.transformer(c_in * noisy, (0.25 * torch.log(sigma)).flatten(), encoder_hidden_states=cross,
                                global_hidden_states=global_states, rotary_embedding=rotary, return_dict=False)[0]
        loss = torch.nn.functional.mse_loss(pred, target)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        log.add("dit", step, loss.item())
        step += 1
    print(f"DiT stage: {step} steps", flush=True)
    for m in (pipe.transformer, pipe.text_encoder, pipe.projection_model):
        m.eval()


def train(out: Path, config: MicroAudioConfig | None = None) -> Path:
    import torch

    config = config or MicroAudioConfig()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    train_scenes, held_out = split_scenes(config.seed)
    torch.backends.cuda.matmul.allow_tf32 = True
    log = Log()
    vae = build_vae(config).to(device())
    vae_stage(vae, train_scenes, config, log, rng)
    with torch.no_grad():
        probe = np.stack([np.pad(random_clip(train_scenes, config, rng)[2], ((0, 0), (0, 4096)))[:, :4096]
                          for _ in range(32)])
        scale = float(vae.encode(torch.from_numpy(probe).to(device())).latent_dist.mean.std())
    fold_latent_scale(vae, scale)
    pipe = build_untrained(config, vae=vae).to(device())
    data = precompute(pipe, train_scenes, config, rng)
    data = (data[0], data[1], data[2].to(device()))
    print(f"latent scale {scale:.4f}; precomputed {len(data[1])} clips at {log.minutes():.1f} min; latents std "
          f"{float(data[0].std()):.3f}", flush=True)
    dit_stage(pipe, data, config, log, rng, config.time_budget_min - log.minutes())
    pipe.to("cpu")
    return save(pipe, out, config, log, {"latent_scale": scale, "held_out": [caption(s) for s in held_out],
                                         "minutes": round(log.minutes(), 1)})


def save(pipe, out: Path, config: MicroAudioConfig, log: Log, facts: dict) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".train-", dir=out.parent))
    try:
        pipe.save_pretrained(tmp)
        log.save(tmp / LOG_NAME)
        (tmp / RECIPE_NAME).write_text(json.dumps({"config": config.to_dict(), **facts,
                                                   "sample_rate": SAMPLE_RATE}, indent=1))
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"saved to {out} ({sum(p.stat().st_size for p in out.rglob('*.safetensors')) / 2**20:.1f} MB, "
          f"{math.ceil(log.minutes())} min)", flush=True)
    return out
