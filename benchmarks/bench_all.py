"""One benchmark table, every figure measured in this run: app overhead vs. the bare pipeline, each speed
option's ratio and quality (PSNR, SSIM), batch throughput with 1 vs 2 processes, feed p95, and peak memory
of each model path, provenance robustness (benchmarks/bench_provenance.py), the sound stage's share of a
generation and the audio lookup at 100k posts (benchmarks/bench_sound.py), generation on 1 vs 2 Ray workers
(benchmarks/bench_workers.py). A GPU section runs only when
CUDA is present. Writes benchmarks/results/bench.csv and
bench.png. ``make bench`` runs it; ``FEED_FULL=1`` uses the 100k-user feed world (about 15 minutes).
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "benchmarks" / "results"
PY = sys.executable
SPEED_INPUTS = {"prompt": "a red circle moving right on a blue background", "seed": 1, "num_frames": 33,
                "width": 128, "height": 128, "steps": 20}
SPEED_OPTIONS = ["cache=first_block", "cache=pab", "cache=faster", "cache=taylorseer", "layerwise_casting=bfloat16",
                 "vae_tiling", "vae_slicing", "compile"]

rows: list[tuple[str, str, str, str]] = []  # section, measure, value, target


def add(section: str, measure: str, value: str, target: str = "") -> None:
    rows.append((section, measure, value, target))
    print(f"{section:<10}{measure:<52}{value:>14}  {target}", flush=True)


def run(cmd: list[str], **env) -> str:
    out = subprocess.run(cmd, cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=3000)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return out.stdout


def ssim(a, b) -> float:
    from skimage.metrics import structural_similarity

    return float(statistics.mean(structural_similarity(x, y, channel_axis=-1, data_range=255)
                                 for x, y in zip(a, b, strict=True)))


def speed_section(models_dir: Path) -> list[tuple[str, float, float]]:
    import numpy as np

    from sandbox.generation.request import GenerationRequest, resolve_defaults
    from sandbox.generation.service import run_pipeline
    from sandbox.models.cards import ModelRegistry
    from sandbox.models.loader import ModelLoader
    from sandbox.models.placement import Hardware
    from sandbox.models.speed import SpeedConfig

    loader = ModelLoader(ModelRegistry(), models_dir, hardware=Hardware())
    tiny = loader.registry.get("tiny-wan-vace")
    req = resolve_defaults(GenerationRequest(**SPEED_INPUTS), tiny)

    def once(loaded) -> float:
        t = time.perf_counter()
        run_pipeline(loaded, req)
        return time.perf_counter() - t

    plain = loader.load(tiny, SpeedConfig())
    plain.pipe.set_progress_bar_config(disable=True)
    plain_frames = run_pipeline(plain, req)
    add("speed", "plain pipeline, 128x128x33, 20 steps (s)", f"{once(plain):.2f}")
    out = []
    from sandbox.models.speed import calibrate_mag_cache

    # MagCache's calibration step: one plain run records the per-step residual ratios it then skips by
    ratios = calibrate_mag_cache(plain.pipe, lambda: run_pipeline(plain, req), steps=int(req.steps))
    options = {spec: SpeedConfig.parse(spec) for spec in SPEED_OPTIONS}
    options["cache=mag"] = SpeedConfig(cache="mag", cache_threshold=0.06, mag_ratios=ratios, mag_steps=int(req.steps))
    for spec, speed in options.items():
        try:
            fast = loader.load(tiny, speed)
            fast.pipe.set_progress_bar_config(disable=True)
            frames = run_pipeline(fast, req)  # warm-up (and compilation)
            # plain and option alternate, so that the shared machine's load hits both alike
            ratios = [once(plain) / once(fast) for _ in range(3)]
        except Exception as exc:  # an option this model or this CPU does not support: say so
            add("speed", f"{spec}", f"failed: {exc.__class__.__name__}")
            continue
        mse = float(np.mean((plain_frames.astype(float) - frames.astype(float)) ** 2))
        psnr = 10 * np.log10(255**2 / mse) if mse > 0 else float("inf")
        q = ssim(plain_frames, frames)
        speedup = statistics.median(ratios)
        add("speed", f"{spec}: speed-up / PSNR dB / SSIM", f"{speedup:.2f} / {psnr:.1f} / {q:.3f}")
        out.append((spec, speedup, psnr))
    return out


def memory_section(models_dir: Path) -> None:
    script = ("import resource, sys; sys.path.insert(0, '.');"
              "from sandbox import Sandbox, SandboxConfig; from sandbox.generation import GenerationRequest;"
              "import tempfile, dataclasses; cfg = dataclasses.replace(SandboxConfig.from_env(),"
              " data_dir=tempfile.mkdtemp(), models_dir=sys.argv[1]); sb = Sandbox(cfg);"
              "u = sb.identity.actor('ana', None);"
              "sb.generation.generate(u.id, GenerationRequest(prompt='a fox', seed=1, num_frames=17, width=64,"
              " height=64, steps=4));"
              "print(sb.model_status(), '|', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)")
    paths = (("embedded model on CPU", {}), ("embedded model, disk offload", {"SANDBOX_MAX_MEMORY": "cpu=50KB"}))
    for label, env in paths:
        status, mb = run([PY, "-c", script, str(models_dir)], **env).strip().splitlines()[-1].split("|")
        add("memory", f"peak RSS: {label} ({status.strip()}) (MB)", mb.strip())


def batch_section(models_dir: Path) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="sandbox-batch-bench-"))
    prompts = tmp / "prompts.csv"
    n_videos = 24
    prompts.write_text("prompt,seed,num_frames,width,height,steps\n" + "\n".join(
        f"a shape number {i},{i},17,64,64,6" for i in range(n_videos)))
    env = {"SANDBOX_MODELS_DIR": str(models_dir), "OMP_NUM_THREADS": "1"}
    import pandas as pd

    busy = {}
    for n in (1, 2):
        cmd = ([PY, "-m", "sandbox.batch"] if n == 1 else
               [PY, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "sandbox.batch"])
        t = time.perf_counter()
        run([*cmd, str(prompts), "--out", str(tmp / f"out{n}")], **env)
        wall = time.perf_counter() - t
        results = pd.read_csv(tmp / f"out{n}" / "results.csv")
        busy[n] = results.groupby("process_index")["total_s"].sum().max()  # the slowest process's generating time
        add("batch", f"{n} process(es), {n_videos} videos: videos/min generating (wall incl. start-up)",
            f"{n_videos / busy[n] * 60:.0f} ({n_videos / wall * 60:.0f})")
    add("batch", "generation throughput 2 processes / 1 process", f"{busy[1] / busy[2]:.2f}", "≈ 2 on 2 cores")


def feed_section() -> None:
    full = os.environ.get("FEED_FULL") == "1"
    run([PY, "benchmarks/bench_feed.py", *([] if full else ["--small"])])
    with open(RESULTS / f"feed{'' if full else '-small'}.csv") as f:
        figures = {r["measure"]: r["value"] for r in csv.DictReader(f)}
    world = f"{figures['users']} users, {figures['posts']} posts"
    add("feed", f"rank one page p95, {world} (ms)", figures["rank one page p95 (ms)"], "< 100")


def provenance_section() -> None:
    """The robustness table's headline figures (the whole table: benchmarks/results/provenance.csv)."""
    run([PY, "benchmarks/bench_provenance.py"])
    with open(RESULTS / "provenance.csv") as f:
        figures = [r for r in csv.reader(f) if len(r) == 3 and r[2]]
    for measure, value, target in figures:
        add("provenance", measure[:50], value, target)


def generate_section() -> None:
    out = run([PY, "benchmarks/bench_generate.py"])
    for line in out.splitlines():
        if "/ its own pipeline call" in line or "cold start" in line:
            measure, value = line[:48].strip(), line[48:58].strip()
            add("app", measure, value, "≤ 1.15" if "/" in measure else "")


def sound_section() -> None:
    """The sound stage's share of a generation on the embedded models, and the audio lookup at 100k posts
    (benchmarks/bench_sound.py, run in its own process so that the 100k index's memory goes with it)."""
    out = run([PY, "benchmarks/bench_sound.py"])
    figures = dict(line.strip("|").split("|")[:2] for line in out.splitlines()
                   if line.startswith("| ") and not line.startswith("| measure"))
    figures = {k.strip(): v.strip() for k, v in figures.items()}
    add("sound", "sound stage share of a generation (median)", figures["sound stage share of a generation (median)"])
    add("sound", "sound stage / whole generation (median)",
        f"{figures['sound stage (median)']} / {figures['whole generation (median)']}")
    add("sound", f"audio lookup p50 / p95 at {figures['posts indexed']} posts",
        figures["lookup per query p50 / p95"])
    add("sound", "audio lookup CPU time p50 / p95", figures["lookup CPU time per query p50 / p95"])
    add("sound", "audio index postings memory at 100k posts", figures["index postings memory"])


def workers_section() -> None:
    """Generation on a local Ray cluster of CPU workers (benchmarks/bench_workers.py)."""
    run([PY, "benchmarks/bench_workers.py"])
    with open(RESULTS / "workers.csv") as f:
        for measure, value, target in list(csv.reader(f))[1:]:
            if target or "jobs/s" in measure or "hop per request" in measure:
                add("workers", measure[:50], value, target)


def gpu_section() -> None:
    import torch

    if not torch.cuda.is_available():
        add("gpu", "no CUDA device here: GPU section skipped", "-")
        return
    from sandbox import Sandbox, SandboxConfig
    from sandbox.generation import GenerationRequest

    sb = Sandbox(SandboxConfig(data_dir=tempfile.mkdtemp()))
    for spec in sb.registry:
        if spec.embedded or not sb.loader.availability(spec).available:
            continue
        torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        sb.generation.generate(sb.identity.actor("ana", None).id, GenerationRequest(prompt="a fox in the snow",
                                                                                     seed=1, model=spec.id))
        add("gpu", f"{spec.label}: s/video, peak GPU GiB", f"{time.perf_counter() - t:.1f} / "
            f"{torch.cuda.max_memory_allocated() / 2**30:.1f}")


def plot(speed: list[tuple[str, float, float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    names = [s for s, _, _ in speed]
    a.barh(names, [r for _, r, _ in speed], color="#6366f1")
    a.axvline(1.0, color="gray", ls="--")
    a.set_title("speed-up vs plain (embedded model, CPU)")
    b.barh(names, [min(p, 80) for _, _, p in speed], color="#14b8a6")
    b.set_title("PSNR vs plain, dB (80 = identical)")
    fig.savefig(RESULTS / "bench.png", dpi=110)


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["app", "speed", "batch", "feed", "memory", "provenance", "sound", "workers",
                                           "gpu"])
    only = parser.parse_args().only
    RESULTS.mkdir(parents=True, exist_ok=True)
    models_dir = REPO / "data" / "models"
    print(f"{'section':<10}{'measure':<52}{'value':>14}  target")
    speed = []
    for name, section in (("app", generate_section), ("speed", lambda: speed_section(models_dir)),
                          ("batch", lambda: batch_section(models_dir)), ("feed", feed_section),
                          ("memory", lambda: memory_section(models_dir)), ("provenance", provenance_section),
                          ("sound", sound_section), ("workers", workers_section), ("gpu", gpu_section)):
        if only in (None, name):
            result = section()
            speed = result if name == "speed" else speed
    if only:  # refresh that section's rows in the last full table
        table = RESULTS / "bench.csv"
        previous = []
        if table.exists():
            with open(table) as f:
                previous = list(csv.reader(f))[1:]
        merged = [tuple(r) for r in previous if r[0] != only] + rows
        with open(table, "w", newline="") as f:
            csv.writer(f).writerows([("section", "measure", "value", "target"), *merged])
        if speed:
            plot(speed)
        return 0
    with open(RESULTS / "bench.csv", "w", newline="") as f:
        csv.writer(f).writerows([("section", "measure", "value", "target"), *rows])
    if speed:
        plot(speed)
    print(f"\nwritten: {RESULTS / 'bench.csv'}, {RESULTS / 'bench.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
