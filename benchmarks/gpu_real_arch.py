"""The real architectures on a GPU with random weights: seconds per denoising step, peak memory, speed-ups.

    python benchmarks/gpu_real_arch.py --out benchmarks/results/gpu_real_arch_H100.csv --max-seconds 420
    torchrun --nproc_per_node 2 benchmarks/gpu_real_arch.py --out ... --models wan2.1-t2v-1.3b  # + context parallel
    python benchmarks/gpu_real_arch.py --twins --out /tmp/x.csv          # CPU path on the tiny twins (make test)

Each model is built from its shipped configs (``model_configs/<card>/``) with random weights — no download —
directly on the GPU in bf16 (``torch.device("cuda")`` + bf16 default dtype, so a 19B model is built in
seconds and never exists in fp32). The text encoder is **not built**: random prompt embeddings of the shape it
would produce go in (UMT5/T5: 4096 wide; Gemma 3 for LTX-2: 49 stacked hidden states of 3840), so the
figures are the denoising loop only (the real card pipeline's ``__call__`` with ``output_type="latent"``; no
VAE decode). Per model, rows for: plain bf16, fp8 / bf16 layerwise casting, regional ``torch.compile``,
caches (First Block Cache, MagCache after its calibration run) — caches are labelled "random weights: skip
rate not representative" — and context parallel (Ulysses over every process when launched with torchrun).
A model or option is skipped, with the reason in its row, when the time budget (``--max-seconds``) would run
out or the GPU's free memory is short.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ALL_MODELS = ["wan2.1-t2v-1.3b", "wan2.1-vace-1.3b", "ltx-video", "wan2.2-ti2v-5b", "ltx-video-0.9.7",
              "wan2.1-vace-14b", "ltx-2"]
OPTIONS = ["plain", "compile", "layerwise_fp8", "first_block_cache", "mag_cache", "context_parallel"]
DIRTYING = ("layerwise_fp8", "compile")  # leave hooks that cannot be undone: the next option rebuilds the pipeline
CACHE_NOTE = "random weights: skip rate not representative"
COLUMNS = ["card", "option", "device", "width", "height", "frames", "steps", "s_per_step", "speedup",
           "peak_gpu_gb", "build_s", "status", "note"]


def log(*args) -> None:
    if int(os.environ.get("RANK", "0")) == 0:
        print(*args, flush=True)


def build_pipeline(card: str, device: str, twins: bool):
    """The card's pipeline without text encoder/tokenizer: random weights from the real (or twin) configs."""
    import diffusers
    import torch

    from sandbox.models.arch import RealArch
    from sandbox.models.twins import twin_configs

    arch = RealArch.load(card)
    configs = twin_configs(card) if twins else {n: c.config for n, c in arch.components.items()}
    dtype = torch.float32 if device == "cpu" else torch.bfloat16
    parts = {}
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # parameters are created in the target dtype, on the target device
    try:
        with torch.device(device):
            for name, component in arch.components.items():
                if name == "text_encoder" or not component.has_weights:
                    continue
                parts[name] = component.instantiate(configs[name])
    finally:
        torch.set_default_dtype(previous)
    for name, component in arch.components.items():  # schedulers keep float32 sigmas on the CPU, as loaded
        if not component.has_weights:
            parts[name] = component.instantiate(configs[name])
    pipeline_cls = getattr(diffusers, arch.pipeline_class)
    import inspect

    params = inspect.signature(pipeline_cls.__init__).parameters
    for name, p in params.items():
        if name not in parts and name != "self" and name not in arch.pipeline_kwargs:
            parts[name] = None if p.default is inspect.Parameter.empty else p.default
    pipe = pipeline_cls(**parts, **arch.pipeline_kwargs)
    pipe.set_progress_bar_config(disable=True)
    return pipe, configs


def prompt_inputs(card: str, configs: dict, device: str, dtype) -> dict:
    """Random prompt embeddings in the shape the card's text encoder would give (and masks where needed)."""
    import torch

    g = torch.Generator(device="cpu").manual_seed(0)
    if card.startswith("wan"):
        width, length = configs["transformer"]["text_dim"], 512
        if "d_model" in configs["text_encoder"]:
            width = configs["text_encoder"]["d_model"]
        emb = torch.randn(2, length, width, generator=g).to(device, dtype)
        return {"prompt_embeds": emb[:1], "negative_prompt_embeds": emb[1:]}
    if card == "ltx-2":
        text = configs["text_encoder"]["text_config"]
        width = text["hidden_size"] * (text["num_hidden_layers"] + 1)
        length = 256
    else:
        width, length = configs["text_encoder"]["d_model"], 128
    emb = torch.randn(2, length, width, generator=g).to(device, dtype)
    mask = torch.ones(1, length, dtype=torch.long, device=device)
    return {"prompt_embeds": emb[:1], "negative_prompt_embeds": emb[1:], "prompt_attention_mask": mask,
            "negative_prompt_attention_mask": mask}


def card_size(card: str, twins: bool) -> tuple[int, int, int]:
    from sandbox.models.cards import ModelRegistry

    spec = ModelRegistry().get(card)
    if twins:
        side = max(32, spec.size.multiple_of)
        return side, side, spec.frames.offset + spec.frames.multiple_of
    width, height = spec.size.for_aspect(spec.resolutions[spec.default_resolution], spec.default_aspect)
    return width, height, spec.frames.default


def run_steps(pipe, card: str, inputs: dict, size: tuple[int, int, int], steps: int, device: str) -> float:
    """Seconds per denoising step (guidance on: two transformer passes a step), after the first run's warm-up."""
    import inspect

    import torch

    width, height, frames = size
    kwargs = dict(height=height, width=width, num_frames=frames, num_inference_steps=steps, guidance_scale=4.0,
                  output_type="latent", generator=torch.Generator(device="cpu").manual_seed(0), **inputs)
    if "frame_rate" in inspect.signature(pipe.__call__).parameters:
        kwargs["frame_rate"] = 24
    if card == "ltx-2":
        kwargs["max_sequence_length"] = inputs["prompt_embeds"].shape[1]
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    pipe(**kwargs)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps


def mag_ratios(pipe, card, inputs, size, steps, device) -> tuple[float, ...]:
    from sandbox.models.speed import calibrate_mag_cache

    return calibrate_mag_cache(pipe, lambda: run_steps(pipe, card, inputs, size, steps, device), steps)


def measure_model(card: str, args, deadline: float, rows: list[dict]) -> None:
    import torch

    device = "cpu" if args.twins or not torch.cuda.is_available() else f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
    size = card_size(card, args.twins)
    base = {"card": card, "device": torch.cuda.get_device_name(device) if device.startswith("cuda") else "cpu",
            "width": size[0], "height": size[1], "frames": size[2], "steps": args.steps}

    def skip(option: str, why: str) -> None:
        rows.append({**base, "option": option, "status": "skipped", "note": why})
        log(f"{card:<17} {option:<18} skipped: {why}")

    if device.startswith("cuda"):
        from sandbox.models.arch import SIZES_FILE

        need = sum(c["params"] for n, c in json.loads(SIZES_FILE.read_text())[card]["components"].items()
                   if n != "text_encoder") * 2 * 1.3
        free = torch.cuda.mem_get_info(device)[0]
        if need > free:
            for option in OPTIONS:
                skip(option, f"memory short: needs ~{need / 1e9:.0f} GB, {free / 1e9:.0f} GB free")
            return
    if time.monotonic() > deadline:
        for option in OPTIONS:
            skip(option, "time budget spent")
        return
    t0 = time.monotonic()
    pipe, configs = build_pipeline(card, device, args.twins)
    build_s = time.monotonic() - t0
    dtype = torch.float32 if device == "cpu" else torch.bfloat16
    inputs = prompt_inputs(card, configs, device, dtype)
    log(f"{card:<17} built in {build_s:.1f} s")
    plain_s = None
    last_run = 0.0
    dirty = False
    for option in args.options:
        if time.monotonic() + 2 * last_run + (60 if option == "compile" else 0) + (build_s if dirty else 0) > deadline:
            skip(option, "time budget would run out")
            continue
        if dirty and option != "context_parallel":
            del pipe
            if device.startswith("cuda"):
                torch.cuda.empty_cache()
            pipe, configs = build_pipeline(card, device, args.twins)
            dirty = False
        dirty = option in DIRTYING
        note = ""
        cleanup = contextlib.ExitStack()
        try:
            if device.startswith("cuda"):
                torch.cuda.reset_peak_memory_stats(device)
            if option == "plain":
                pass
            elif option == "layerwise_fp8":
                if device == "cpu":
                    note = "float8 storage on CPU"
                pipe.transformer.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=dtype)
            elif option == "first_block_cache":
                from diffusers import FirstBlockCacheConfig

                pipe.transformer.enable_cache(FirstBlockCacheConfig(threshold=0.05))
                cleanup.callback(pipe.transformer.disable_cache)
                note = CACHE_NOTE
            elif option == "mag_cache":
                from diffusers import MagCacheConfig

                ratios = mag_ratios(pipe, card, inputs, size, args.steps, device)
                pipe.transformer.enable_cache(MagCacheConfig(threshold=0.06, mag_ratios=list(ratios),
                                                             num_inference_steps=args.steps))
                cleanup.callback(pipe.transformer.disable_cache)
                note = f"{CACHE_NOTE}; calibrated ratios {[round(r, 3) for r in ratios]}"
            elif option == "compile":
                if device == "cpu":
                    skip(option, "compile measured on GPU only (CPU inductor builds take minutes here)")
                    continue
                pipe.transformer.compile_repeated_blocks(fullgraph=False)
                run_steps(pipe, card, inputs, size, 1, device)  # compile outside the timed run
                note = "regional compile; first (compiling) run not timed"
            elif option == "context_parallel":
                world = int(os.environ.get("WORLD_SIZE", "1"))
                if world < 2:
                    skip(option, "one process: launch with torchrun --nproc_per_node N for Ulysses over N GPUs")
                    continue
                skip(option, "run in its own launch (see --context-parallel-only)")
                continue
            if option in ("plain", "layerwise_fp8", "first_block_cache", "mag_cache") or device != "cpu":
                run_steps(pipe, card, inputs, size, 1, device)  # warm-up
            seconds = run_steps(pipe, card, inputs, size, args.steps, device)
            last_run = seconds * args.steps
            peak = torch.cuda.max_memory_allocated(device) / 1e9 if device.startswith("cuda") else 0.0
            plain_s = seconds if option == "plain" else plain_s
            rows.append({**base, "option": option, "s_per_step": round(seconds, 4),
                         "speedup": round(plain_s / seconds, 3) if plain_s else "", "peak_gpu_gb": round(peak, 2),
                         "build_s": round(build_s, 1), "status": "ok", "note": note})
            log(f"{card:<17} {option:<18} {seconds:.3f} s/step  peak {peak:.1f} GB  {note}")
        except Exception as exc:  # one option failing must not lose the others' rows
            rows.append({**base, "option": option, "status": "error", "note": f"{type(exc).__name__}: {exc}"[:300]})
            log(f"{card:<17} {option:<18} error: {type(exc).__name__}: {str(exc)[:200]}")
        finally:
            cleanup.close()
    del pipe
    if device.startswith("cuda"):
        torch.cuda.empty_cache()


def measure_context_parallel(card: str, args, rows: list[dict]) -> None:
    """Under torchrun: Ulysses over all processes, one GPU each; rank 0 records s/step."""
    import torch
    import torch.distributed as dist

    from sandbox.models.parallel import ParallelConfig, enable_context_parallel

    world = int(os.environ["WORLD_SIZE"])
    device = f"cuda:{int(os.environ['LOCAL_RANK'])}" if torch.cuda.is_available() and not args.twins else "cpu"
    if device.startswith("cuda"):
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    size = card_size(card, args.twins)
    base = {"card": card, "option": f"context_parallel_ulysses{world}", "device": device, "width": size[0],
            "height": size[1], "frames": size[2], "steps": args.steps}
    try:
        pipe, configs = build_pipeline(card, device, args.twins)
        enable_context_parallel(pipe, ParallelConfig("ulysses", world))
        inputs = prompt_inputs(card, configs, device, torch.float32 if device == "cpu" else torch.bfloat16)
        run_steps(pipe, card, inputs, size, 1, device)
        seconds = run_steps(pipe, card, inputs, size, args.steps, device)
        peak = torch.cuda.max_memory_allocated(device) / 1e9 if device.startswith("cuda") else 0.0
        rows.append({**base, "s_per_step": round(seconds, 4), "peak_gpu_gb": round(peak, 2), "status": "ok",
                     "note": f"{world} processes; compare with the plain row of a 1-process run"})
        log(f"{card:<17} ulysses x{world}     {seconds:.3f} s/step  peak {peak:.1f} GB")
    except Exception as exc:
        rows.append({**base, "status": "error", "note": f"{type(exc).__name__}: {exc}"[:300]})
        log(f"{card:<17} ulysses x{world} error: {exc}")
    finally:
        dist.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(ALL_MODELS), help="comma-separated cards (smallest first)")
    parser.add_argument("--options", default=",".join(OPTIONS), help=f"comma-separated, from {OPTIONS}")
    parser.add_argument("--steps", type=int, default=3, help="timed denoising steps per measurement")
    parser.add_argument("--max-seconds", type=float, default=420, help="time budget for the whole script")
    parser.add_argument("--out", type=Path, required=True, help="CSV to write")
    parser.add_argument("--twins", action="store_true", help="CPU path: the tiny twins instead of real sizes")
    args = parser.parse_args(argv)
    args.options = [o.strip() for o in args.options.split(",") if o.strip()]
    unknown = set(args.options) - set(OPTIONS)
    if unknown:
        parser.error(f"--options must be among {OPTIONS}; unknown {sorted(unknown)}")
    deadline = time.monotonic() + args.max_seconds
    rows: list[dict] = []
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        for card in models:
            measure_context_parallel(card, args, rows)
    else:
        for card in models:
            measure_model(card, args, deadline, rows)
    if int(os.environ.get("RANK", "0")) == 0:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        with tmp.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows({k: r.get(k, "") for k in COLUMNS} for r in rows)
        tmp.replace(args.out)
        log(f"wrote {args.out} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
