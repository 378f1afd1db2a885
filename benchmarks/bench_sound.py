"""Sound figures from one run: the sound stage's share of a generation on the embedded models (micro video +
micro sound; timings from GenerationService: pipeline_s, sound_s, encode_s, total_s), and the audio lookup's
time per query against N stored posts' audio fingerprints (default 100,000).

    python benchmarks/bench_sound.py [--posts 100000] [--runs 3]

The 100k index is built from the fingerprints of real micro-world sounds (every scene × 4 durations), each
post one of them at a random time offset: the worst case for collisions, since the world has only 7 pitches
and each sound is posted ~83 times, so a query's landmarks match tens of millions of postings. Lookup time is
given as wall time and as the process's CPU time (the machine may be shared).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def generation_share(runs: int) -> dict:
    from sandbox import Sandbox, SandboxConfig
    from sandbox.generation import GenerationRequest

    with tempfile.TemporaryDirectory() as tmp:
        sb = Sandbox(SandboxConfig(data_dir=Path(tmp), rate_limit=None))
        ana = sb.identity.actor("ana", None)
        sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving right", seed=0))  # warm-up
        rows = [sb.generation.generate(ana.id, GenerationRequest(prompt="a green square moving up on a gray "
                                                                         "background", seed=i)).timings
                for i in range(runs)]
    share = statistics.median(r["sound_s"] / r["total_s"] for r in rows)
    return {"sound stage share of a generation (median)": f"{share:.0%}",
            "sound stage (median)": f"{statistics.median(r['sound_s'] for r in rows):.2f} s",
            "whole generation (median)": f"{statistics.median(r['total_s'] for r in rows):.2f} s"}


def lookup_time(posts: int, queries: int = 20) -> dict:
    import resource

    from sandbox.models.micro.data import all_scenes
    from sandbox.models.micro_audio.world import SAMPLE_RATE, synthesize
    from sandbox.provenance.audio_fingerprint import TIME_BITS, AudioIndex, audio_fingerprint

    rng = np.random.default_rng(0)
    bank = [(s, d, synthesize(s, d, rng)) for s in all_scenes() for d in (0.625, 1.125, 1.625, 2.125)]
    prints = [np.asarray(audio_fingerprint(clip, SAMPLE_RATE), np.uint64) for _, _, clip in bank]
    t0 = time.perf_counter()
    index = AudioIndex()
    shas = []
    for i in range(posts):
        k = int(rng.integers(len(prints)))
        shift = np.uint64(rng.integers(0, 200))
        sha = f"{i:064x}"
        index.add(sha, prints[k] + shift)  # the same sound later in a longer clip
        shas.append((sha, k))
    postings = len(index)  # merges what was added: the build's sort is timed with it
    build = time.perf_counter() - t0
    times, cpu_times = [], []
    for _ in range(queries):
        _sha, k = shas[int(rng.integers(len(shas)))]
        _, _, clip = bank[k]
        query = audio_fingerprint(clip[:, int(0.1 * SAMPLE_RATE):], SAMPLE_RATE)  # a copy with its start cut
        t, cpu = time.perf_counter(), time.process_time()
        index.rank(query)
        times.append(time.perf_counter() - t)
        cpu_times.append(time.process_time() - cpu)  # the shared CPU's other load aside
    return {"posts indexed": f"{posts:,}", "index build (incl. sort)": f"{build:.1f} s",
            "landmarks per post (mean)": f"{postings / posts:.0f}",
            "index postings memory": f"{index.nbytes / 2**20:.0f} MB",
            "peak RSS of the whole run": f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB",
            "lookup per query p50 / p95": f"{1e3 * np.percentile(times, 50):.0f} ms / "
                                          f"{1e3 * np.percentile(times, 95):.0f} ms",
            "lookup CPU time per query p50 / p95": f"{1e3 * np.percentile(cpu_times, 50):.0f} ms / "
                                                   f"{1e3 * np.percentile(cpu_times, 95):.0f} ms",
            "time bits": TIME_BITS}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-generation", action="store_true")
    args = parser.parse_args()
    rows = {} if args.skip_generation else generation_share(args.runs)
    rows.update(lookup_time(args.posts))
    print("| measure | value |\n|---|---|")
    for k, v in rows.items():
        print(f"| {k} | {v} |")
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    with open(results / "sound.csv", "w", newline="") as f:
        csv.writer(f).writerows([("measure", "value"), *rows.items()])


if __name__ == "__main__":
    main()
