"""Generation on a Ray cluster (SANDBOX_WORKERS): throughput with 2 workers ÷ 1 worker, and what the Ray hop adds
to one request, on a local cluster of CPU workers (one core each) and the embedded micro model.

- throughput: ``JOBS`` default-size micro videos sent by 4 clients at once, jobs per second; first the
  workers' generation alone (``RayWorkers.run``: what the cluster scales), then the whole app path
  (``generate``: the app's own encode, watermark and signing share this machine's cores with the workers);
- hop: a request's wall time at the app minus the worker's own load + pipeline time, as a share of one
  in-process micro generation (``SANDBOX_WORKERS=local``, the same request, on one torch thread like a worker).

Run: ``.venv/bin/python benchmarks/bench_workers.py`` (needs ``pip install "ray[client]==2.60.0"``;
``SANDBOX_MODELS_DIR``: where the embedded model is, default ``data/models``). Writes benchmarks/results/workers.csv.
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "benchmarks" / "results"

JOBS = 8
CLIENTS = 4
HOP_RUNS = 6
PROMPT = "a red circle moving right on a blue background"
USERS = ("ana", "ben", "chloe", "dev")


def sandbox(data: Path, **settings):
    from sandbox.config import SandboxConfig
    from sandbox.context import Sandbox

    models_dir = Path(os.environ.get("SANDBOX_MODELS_DIR", REPO / "data" / "models"))
    sb = Sandbox(SandboxConfig(data_dir=data, models_dir=models_dir, rate_limit=None, demo_posts=0, **settings))
    sb.workers.prepare(sb.loader.default_model())
    return sb


def throughput(sb) -> tuple[float, float]:
    """(workers' jobs/s, whole app's jobs/s) with ``CLIENTS`` clients sending ``JOBS`` default-size videos."""
    from sandbox.generation.request import GenerationRequest

    users = [sb.identity.actor(h, None).id for h in USERS]
    request = GenerationRequest(prompt=PROMPT, sound=False)
    resolved, spec = sb.generation.prepare_request(GenerationRequest(prompt=PROMPT, seed=0, sound=False))
    sb.workers.run(spec, resolved, lambda *_: None)  # warm: first call on each path
    with ThreadPoolExecutor(CLIENTS) as pool:
        t0 = time.perf_counter()
        list(pool.map(lambda i: sb.workers.run(spec, resolved, lambda *_: None), range(JOBS)))
        workers = JOBS / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        list(pool.map(lambda i: sb.generation.generate(users[i % len(users)], request), range(JOBS)))
        app = JOBS / (time.perf_counter() - t0)
    return workers, app


def one_by_one(sb) -> list[dict]:
    from sandbox.generation.request import GenerationRequest

    ana = sb.identity.actor("ana", None).id
    return [sb.generation.generate(ana, GenerationRequest(prompt=PROMPT, seed=i, sound=False)).timings
            for i in range(HOP_RUNS)]


def main() -> int:
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, object_store_memory=200 * 2**20,
             log_to_driver=False)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for count in (1, 2):
            sb = sandbox(Path(tmp) / f"ray{count}", workers="auto", ray_workers=count)
            figures[f"workers {count}"], figures[f"app {count}"] = throughput(sb)
            if count == 1:
                hops = one_by_one(sb)
            sb.close()
        ray.shutdown()
        import torch

        # one core, like each CPU worker: on a busy 2-core machine two torch threads fight the other processes
        # (measured here: 20-34 s per video instead of about 2 s), which would flatter the hop's share
        torch.set_num_threads(1)
        local = one_by_one(sandbox(Path(tmp) / "local"))
    hop = statistics.median(t["hop_s"] for t in hops)
    local_total = statistics.median(t["total_s"] for t in local)
    local_pipeline = statistics.median(t["pipeline_s"] for t in local)
    rows = [
        ("generation jobs/s, 1 Ray worker (workers only)", f"{figures['workers 1']:.3f}", ""),
        ("generation jobs/s, 2 Ray workers (workers only)", f"{figures['workers 2']:.3f}", ""),
        ("throughput 2 workers / 1 worker (workers only)", f"{figures['workers 2'] / figures['workers 1']:.2f}",
         "≥ 1.6"),
        ("throughput 2 workers / 1 worker (whole app path)", f"{figures['app 2'] / figures['app 1']:.2f}", ""),
        ("Ray hop per request, median (ms)", f"{hop * 1000:.1f}", ""),
        ("in-process micro generation, median (s)", f"{local_total:.3f}", ""),
        ("Ray hop / in-process micro generation (%)", f"{100 * hop / local_total:.1f}", "≤ 10"),
        ("Ray hop / in-process pipeline call alone (%)", f"{100 * hop / local_pipeline:.1f}", ""),
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / "workers.csv", "w", newline="") as f:
        csv.writer(f).writerows([("measure", "value", "target"), *rows])
    for measure, value, target in rows:
        print(f"{measure:<52}{value:>10}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
