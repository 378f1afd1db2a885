"""Batch generation, data-parallel across processes, GPUs and nodes with accelerate.

    python -m sandbox.batch prompts.csv --out DIR                        # one process
    torchrun --nproc_per_node 2 -m sandbox.batch prompts.csv --out DIR   # two CPU processes (gloo)
    accelerate launch --multi_gpu -m sandbox.batch prompts.csv --out DIR  # every GPU (or nodes, by config)

``prompts.csv`` needs a ``prompt`` column; optional: ``seed``, ``negative_prompt``, ``num_frames``,
``width``, ``height``, ``steps``, ``guidance``, ``sound`` (1 / 0; empty: on where the model card names a
sound source) and ``sound_prompt`` (empty: the prompt). Each row becomes ``DIR/row_00042.mp4`` — watermarked,
with its sound track, and signed like every video of the sandbox (the same sound stage and finish step as
``/generate``) — and a row of ``DIR/results.csv`` with its timings, its sound model (empty: silent) and the
index of the process that made it. A rerun skips rows whose video exists; files are written under a temporary
name and renamed when complete, so a partial file never counts as done.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

RESULT_COLUMNS = ["row", "prompt", "seed", "video", "process_index", "pipeline_s", "sound_s", "encode_s", "total_s",
                  "sound_model", "status"]
SWITCH = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def video_path(out: Path, row: int) -> Path:
    return out / f"row_{row:05d}.mp4"


def pending_rows(prompts: pd.DataFrame, out: Path) -> list[int]:
    """Rows without a finished video (temporary files from a crash do not count)."""
    return [i for i in range(len(prompts)) if not video_path(out, i).exists()]


def read_prompts(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    if "prompt" not in df.columns:
        raise SystemExit(f"{path}: needs a `prompt` column; has {list(df.columns)}")
    return df


def sound_switch(value, row: int) -> bool | None:
    """A row's ``sound`` cell: on / off, or None (empty: on where the card names a sound source).

    >>> [sound_switch(v, 0) for v in (1, "0", "yes", float("nan"), "")]
    [True, False, True, None, None]
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
        return None
    text = str(value).strip().lower().removesuffix(".0")
    if text not in SWITCH:
        raise SystemExit(f"row {row}: `sound` must be 1 or 0 (or empty for the model's default), not {value!r}")
    return SWITCH[text]


def generate_rows(rows: list[int], prompts: pd.DataFrame, out: Path, sb, process_index: int) -> list[dict]:
    """Generate ``rows`` with this process's pipeline; one results dict per row."""
    from sandbox.generation.request import GenerationRequest
    from sandbox.generation.service import run_pipeline

    gen = sb.generation
    results = []
    for i in rows:
        r = prompts.iloc[i]
        t0 = time.perf_counter()
        kwargs = {k: (int(r[k]) if k not in ("guidance",) else float(r[k])) for k in
                  ("seed", "num_frames", "width", "height", "steps", "guidance") if k in r and pd.notna(r[k])}
        sound_prompt = r.get("sound_prompt", "")
        request, spec = gen.prepare_request(GenerationRequest(
            prompt=str(r["prompt"]), negative_prompt=str(r.get("negative_prompt", "") or ""),
            sound=sound_switch(r.get("sound"), i), sound_prompt=str(sound_prompt) if pd.notna(sound_prompt) else "",
            **kwargs))
        gen.check_text("batch", request)  # the sound prompt too
        joint_audio: list = []
        frames = run_pipeline(sb.loader.load(spec, preset=request.preset), request, sound_out=joint_audio)
        t1 = time.perf_counter()
        track = gen.make_sound(request, spec, len(frames), joint_audio)  # None when the row is silent
        t_sound = time.perf_counter()
        claims = {**gen.claims_for("batch", request, spec), **gen.sound_claims(track)}
        sha, _ = gen.finish(frames, claims, spec.fps, soundtrack=track)
        final = video_path(out, i)
        tmp = final.with_name(f".{final.name}.tmp")
        tmp.write_bytes(sb.media.path(sha).read_bytes())
        os.replace(tmp, final)  # complete files only
        t2 = time.perf_counter()
        results.append({"row": i, "prompt": request.prompt, "seed": request.seed, "video": final.name,
                        "process_index": process_index, "pipeline_s": round(t1 - t0, 4),  # incl. checks
                        "sound_s": round(t_sound - t1, 4), "encode_s": round(t2 - t_sound, 4),
                        "total_s": round(t2 - t0, 4), "sound_model": track.model if track else "",
                        "status": "done"})
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.batch", description=__doc__.split("\n\n")[0])
    parser.add_argument("prompts", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    import torch
    from accelerate import PartialState

    from sandbox.config import SandboxConfig
    from sandbox.context import Sandbox

    state = PartialState(cpu=not torch.cuda.is_available())
    prompts = read_prompts(args.prompts)
    args.out.mkdir(parents=True, exist_ok=True)
    todo = pending_rows(prompts, args.out)
    config = SandboxConfig.from_env()
    config.data_dir = args.out / ".work" / f"process-{state.process_index}"  # private scratch per process
    config.rate_limit = None
    sb = Sandbox(config)
    sb.loader.load(sb.loader.default_model())  # load before timing rows: per-row times are generation only
    with state.split_between_processes(todo) as mine:
        results = generate_rows(list(mine), prompts, args.out, sb, state.process_index)
    part = args.out / f".results-{state.process_index}.csv"
    pd.DataFrame(results, columns=RESULT_COLUMNS).to_csv(part, index=False)
    state.wait_for_everyone()
    if state.is_main_process:
        merge_results(args.out, state.num_processes)
        done = len(prompts) - len(pending_rows(prompts, args.out))
        print(f"{done}/{len(prompts)} videos in {args.out} ({len(todo)} made now by {state.num_processes} "
              f"process{'es' if state.num_processes > 1 else ''})")
    return 0


def merge_results(out: Path, num_processes: int) -> pd.DataFrame:
    """Fold this run's per-process rows into results.csv (earlier runs' rows are kept)."""
    frames = [pd.read_csv(out / "results.csv")] if (out / "results.csv").exists() else []
    for k in range(num_processes):
        part = out / f".results-{k}.csv"
        if part.exists() and part.stat().st_size:
            frames.append(pd.read_csv(part))
            part.unlink()
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RESULT_COLUMNS)
    df = df.drop_duplicates("row", keep="last").sort_values("row")
    tmp = out / ".results.csv.tmp"
    df.to_csv(tmp, index=False)
    os.replace(tmp, out / "results.csv")
    return df


if __name__ == "__main__":
    sys.exit(main())
