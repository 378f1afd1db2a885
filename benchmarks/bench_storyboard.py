"""Storyboard continuity and cost on the embedded micro model, measured in one run.

Continuity, on the storyboard's frames before the watermark (the private working copy, 32×32): at each shot
boundary, the frame-to-frame change (mean absolute pixel difference) divided by the median change inside the
shots (target ≤ 1.5); the subject's colour on both sides of the cut (same colour name) and its centroid jump in
pixels (sandbox/models/micro/analysis.py). The same figures for hard cuts — the same shots generated
independently and concatenated — show what the conditioning buys.
Cost: a 3-shot storyboard's time / a 1-shot storyboard's time (same shot length, steps; target ≤ 3.3).
Live preview: generation time with the preview on / off (interleaved, same request; target ≤ 1.10).
Run: ``.venv/bin/python benchmarks/bench_storyboard.py`` (``--quick``: fewer storyboards, for a smoke run;
``--preview``: only the preview cost).
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

COLOURS = ["red", "yellow", "green", "white"]
BACKGROUNDS = ["blue", "black", "purple", "blue"]
DIRECTIONS = [("right", "down", "left"), ("left", "up", "right"), ("down", "right", "up"), ("up", "left", "down")]


def shots_for(i: int) -> list:
    from sandbox.storyboard.shots import Shot

    colour, background = COLOURS[i % 4], BACKGROUNDS[i % 4]
    return [Shot(f"a {colour} circle moving {d} on a {background} background", 1.0) for d in DIRECTIONS[i % 4]]


def changes(frames):
    import numpy as np

    f = frames.astype(np.float32)
    return np.abs(np.diff(f, axis=0)).mean(axis=(1, 2, 3))


def boundary_figures(frames, joins: list[tuple[int, int]]) -> dict:
    """``joins``: (index of the first frame after the kept one, how many frames after it are cross-faded) of
    each later shot. The largest frame-to-frame change across each join window (the step into it, each step
    inside it and the step out of it) vs the median change inside the shots; the subject's colour and
    centroid just before the window and just after it."""
    import numpy as np

    from sandbox.models.micro.analysis import analyse

    d = changes(frames)
    steps = [list(range(c - 1, c + k)) for c, k in joins]
    across = [float(d[s].max()) for s in steps]
    inside = float(np.median(np.delete(d, [i for s in steps for i in s])))
    same_colour, jumps = [], []
    for c, k in joins:
        before, after = analyse(frames[c - 3:c]), analyse(frames[c + k:c + k + 3])
        same_colour.append(before.color is not None and before.color == after.color)
        if before.centroids and after.centroids:
            jumps.append(float(np.hypot(*np.subtract(before.centroids[-1], after.centroids[0]))))
    return {"ratio": [a / max(inside, 1e-6) for a in across], "same_colour": same_colour, "jump_px": jumps}


def preview_cost(sb, rounds: int) -> tuple[float, float, float, int]:
    """Median pipeline seconds without and with the live preview, their ratio, previews per video."""
    from sandbox.generation.request import GenerationRequest

    ana = sb.identity.actor("ana", None)
    request = GenerationRequest(prompt="a red circle moving right on a blue background", seed=1)
    off, on, shown = [], [], []
    sb.generation.generate(ana.id, request)  # warm-up
    for _ in range(rounds):
        off.append(sb.generation.generate(ana.id, request).timings["pipeline_s"])
        pictures: list = []
        on.append(sb.generation.generate(ana.id, request, preview=pictures.append).timings["pipeline_s"])
        shown.append(len(pictures))
    a, b = statistics.median(off), statistics.median(on)
    return a, b, b / a, shown[0]


def main() -> int:
    import numpy as np

    from sandbox.config import SandboxConfig
    from sandbox.context import Sandbox
    from sandbox.generation.video import read_frames
    from sandbox.models.placement import Hardware
    from sandbox.storyboard.service import working_frames

    quick = "--quick" in sys.argv
    boards = 2 if quick else 8
    tmp = Path(tempfile.mkdtemp(prefix="sandbox-bench-storyboard-"))
    sb = Sandbox(SandboxConfig(data_dir=tmp / "data", models_dir=REPO / "data" / "models", rate_limit=None),
                 hardware=Hardware())  # ~30 storyboards in a few minutes: over the per-user rate limit
    ana = sb.identity.actor("ana", None)
    spec = sb.loader.default_model()
    sb.loader.load(spec).pipe.set_progress_bar_config(disable=True)
    limits = sb.storyboards.limits()
    off, on, preview_ratio, previews = preview_cost(sb, 3 if quick else 8)
    if "--preview" in sys.argv:
        print(f"preview off / on: {off:.3f} s / {on:.3f} s → {preview_ratio:.3f} ({previews} previews per video)")
        return 0

    conditioned, hard = {"ratio": [], "same_colour": [], "jump_px": []}, {"ratio": [], "same_colour": [], "jump_px": []}
    for i in range(boards):
        shots = shots_for(i)
        result = sb.storyboards.create(ana.id, shots, seed=100 + i)
        board = result.request["storyboard"]
        frames = working_frames(sb.storyboards.private, board["working_copy"])
        joins = [(s["begin"] + s["carried"], s.get("overlap", 0)) for s in board["shots"][1:]]
        for k, v in boundary_figures(frames, joins).items():
            conditioned[k] += v
        # hard cuts: each shot alone (its own seed as in the storyboard), concatenated
        alone = []
        for s in board["shots"]:
            single = sb.storyboards.create(ana.id, [shots[s["index"] - 1]], seed=s["seed"])
            single_frames = working_frames(sb.storyboards.private, single.request["storyboard"]["working_copy"])
            alone.append(single_frames[-(s["frames"] - s["carried"] - s.get("overlap", 0)):])  # as many new frames
        joined = np.concatenate(alone)
        hard_cuts = [(int(c), 0) for c in np.cumsum([len(a) for a in alone])[:-1]]
        for k, v in boundary_figures(joined, hard_cuts).items():
            hard[k] += v

    # cost: 3 shots vs 1 shot, interleaved so both see the same load
    one, three = [], []
    for r in range(2 if quick else 3):
        t = time.perf_counter()
        sb.storyboards.create(ana.id, shots_for(r)[:1], seed=7)
        one.append(time.perf_counter() - t)
        t = time.perf_counter()
        sb.storyboards.create(ana.id, shots_for(r), seed=7)
        three.append(time.perf_counter() - t)
    cost = statistics.median(three) / statistics.median(one)
    length = len(read_frames(result.video_path)) / spec.fps

    def summary(fig: dict) -> tuple[str, str, str]:
        r = fig["ratio"]
        return (f"{statistics.median(r):.2f} (max {max(r):.2f}, {sum(x <= 1.5 for x in r)}/{len(r)} ≤ 1.5)",
                f"{sum(fig['same_colour'])}/{len(fig['same_colour'])}",
                f"{statistics.median(fig['jump_px']):.1f} px" if fig["jump_px"] else "n/a")

    c, h = summary(conditioned), summary(hard)
    rows = [
        ("card", f"{spec.label}: up to {limits.max_shots} shots of {limits.shot_seconds[0]:g}–"
                 f"{limits.shot_seconds[1]:g} s, {limits.total_seconds:g} s in all", ""),
        ("storyboards", f"{boards} × 3 shots of 1 s ({length:.1f} s each), {spec.steps} steps", ""),
        ("boundary change / median change inside shots (conditioned)", c[0], "≤ 1.5"),
        ("same subject colour across the cut (conditioned)", c[1], "all"),
        ("subject centroid jump at the cut, median, 32×32 frame (conditioned)", c[2], ""),
        ("boundary change / inside (hard cuts, same shots generated alone)", h[0], ""),
        ("same colour across the cut (hard cuts)", h[1], ""),
        ("centroid jump at the cut (hard cuts)", h[2], ""),
        ("time 3 shots / 1 shot (median of interleaved runs)", f"{cost:.2f}", "≤ 3.3"),
        ("seconds: 1 shot / 3 shots", f"{statistics.median(one):.2f} / {statistics.median(three):.2f}", ""),
        (f"live preview on / off, pipeline time ({previews} preview{'' if previews == 1 else 's'} per "
         f"{spec.steps}-step video)",
         f"{preview_ratio:.3f} ({on:.2f} s / {off:.2f} s)", "≤ 1.10"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}} | value | target")
    for name, value, target in rows:
        print(f"{name:<{width}} | {value} | {target}")
    out = REPO / "benchmarks" / "results" / "storyboard.csv"
    with open(out, "w", newline="") as f:
        csv.writer(f).writerows([("measure", "value", "target"), *rows])
    print(f"written to {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
