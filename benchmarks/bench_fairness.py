"""Starvation: how long a small job waits behind another user's backlog, with the fair gate and with
first-come-first-served, on the embedded model through the real generation service (one slot).

@heavy queues ``HEAVY_JOBS`` default-size videos; a moment later @light asks for one tiny video. Prints the
light job's wait (arrival → its turn) under both orders, and the heavy jobs' total time for scale.
Run: ``.venv/bin/python benchmarks/bench_fairness.py`` (``SANDBOX_MODELS_DIR``: where the embedded model is,
default ``data/models``; built there if missing).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

HEAVY_JOBS = 3
HEAVY = {"num_frames": 17, "width": 64, "height": 64, "steps": 16}  # the largest the embedded model makes
LIGHT = {"num_frames": 5, "width": 32, "height": 32, "steps": 1}


def run(order: str) -> tuple[float, float]:
    """(light job's wait s, heavy backlog's total s) with ``order`` = "fair" or "fifo"."""
    from sandbox.config import SandboxConfig
    from sandbox.context import Sandbox
    from sandbox.generation.fairness import FairGate
    from sandbox.generation.request import GenerationRequest
    from sandbox.models.placement import Hardware

    class FirstComeFirstServed(FairGate):
        def _next(self):
            if not self._waiting or len(self._running) >= self.slots:
                return None
            return min(self._waiting, key=lambda t: t.order)

    tmp = Path(tempfile.mkdtemp(prefix="sandbox-fair-"))
    models_dir = Path(os.environ.get("SANDBOX_MODELS_DIR", REPO / "data" / "models"))
    sb = Sandbox(SandboxConfig(data_dir=tmp, models_dir=models_dir, rate_limit=None, identity_mode="personas"),
                 hardware=Hardware(gpu_memory=(), cpu_memory=24 * 2**30))
    sb.loader.prepare_all_embedded()  # builds the embedded model once if the folder lacks it
    sb.generation.gate = (FairGate if order == "fair" else FirstComeFirstServed)(slots=1, budget=None)
    sb.loader.load(sb.loader.default_model())
    heavy, light = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    results: dict[str, list] = {"heavy": [], "light": []}

    def job(user, who: str, size: dict, seed: int) -> None:
        results[who].append(sb.generation.generate(user.id, GenerationRequest(prompt="a red circle moving right",
                                                                              seed=seed, **size)))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=job, args=(heavy, "heavy", HEAVY, i)) for i in range(HEAVY_JOBS)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    while sum(sb.generation.gate.load(heavy.id)[:2]) < HEAVY_JOBS:  # the whole backlog is in line (under load
        time.sleep(0.05)                                             # checks before the gate take a while)
    threads.append(threading.Thread(target=job, args=(light, "light", LIGHT, 99)))
    threads[-1].start()
    for t in threads:
        t.join()
    sb.close()
    return results["light"][0].timings["wait_s"], time.perf_counter() - t0


def main() -> int:
    fair_wait, fair_total = run("fair")
    fifo_wait, fifo_total = run("fifo")
    print("| order | small job's wait behind a 3-video backlog | all jobs done |")
    print("|---|---|---|")
    print(f"| fair gate (turns between users) | {fair_wait:.2f} s | {fair_total:.1f} s |")
    print(f"| first come, first served | {fifo_wait:.2f} s | {fifo_total:.1f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
