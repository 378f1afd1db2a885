"""Command line: ``python -m sandbox prepare`` builds the embedded model; ``python -m sandbox doctor`` checks;
``python -m sandbox plan --model <card> --hardware 2x24GB`` places a real model; ``python -m sandbox sizes``
counts its parameters."""

from __future__ import annotations

import argparse
import sys


def prepare() -> int:
    from sandbox.config import SandboxConfig
    from sandbox.models.cards import ModelRegistry
    from sandbox.models.loader import ModelLoader
    from sandbox.models.placement import Hardware

    config = SandboxConfig.from_env()
    loader = ModelLoader(ModelRegistry(), config.resolved_models_dir, hardware=Hardware())
    for path in loader.prepare_all_embedded():
        print(f"embedded model ready: {path}")
    return 0


def doctor() -> int:
    from sandbox.config import SandboxConfig
    from sandbox.context import Sandbox
    from sandbox.errors import SandboxError
    from sandbox.store.db import DatabaseUnavailable

    problems = 0
    config = SandboxConfig.from_env()
    print(f"data folder   {config.data_dir.resolve()}")
    try:
        sb = Sandbox(config)
    except DatabaseUnavailable as exc:
        print(f"database      PROBLEM: {exc}")
        return 1
    media = sb.media.writable()
    problems += media is not None
    print(f"media folder  {sb.media.root.resolve()} · " + ("writable" if media is None else f"PROBLEM: {media}"))
    integrity = sb.db.integrity_check()
    problems += integrity != "ok"
    print(f"database      {sb.db.backend} · integrity {integrity}")
    print(f"identity      {sb.config.identity_mode}")
    gpus = sb.loader.hardware.gpu_memory
    print(f"hardware      {len(gpus)} GPU(s) {[f'{m / 2**30:.0f} GiB' for m in gpus]}, "
          f"{sb.loader.hardware.cpu_memory / 2**30:.0f} GiB RAM")
    for spec in sb.registry:
        a = sb.loader.availability(spec)
        print(f"model         {spec.id:<18} {'available' if a.available else 'unavailable: ' + a.reason}")
    print(f"default       {sb.model_status()}")
    names = getattr(sb.workers, "names", None)
    where = f": {len(names)} Ray workers {names}" if names else " (this process)"
    print(f"workers       {sb.config.workers}{where}")
    try:
        sb.workers.prepare(sb.loader.default_model())  # in this process, or on every Ray worker
        print("loads         yes")
    except SandboxError as exc:
        problems += 1
        print(f"loads         PROBLEM: {exc}")
    return 1 if problems else 0


def plan(model: str | None, hardware: str | None, write: bool = False) -> int:
    """Where each component of a real model goes, per hardware profile (computed on the meta device);
    ``--write`` regenerates model_configs/placement.json (README's table and notebook 01 read it)."""
    import json

    from sandbox.models.arch import CONFIGS_DIR, RealArch
    from sandbox.models.plan import PROFILES, plan_markdown, plan_table
    from sandbox.models.plan import plan as make_plan

    cards = [model] if model else RealArch.available()
    if write:
        rows = plan_table(cards)
        target = CONFIGS_DIR / "placement.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(rows, indent=1) + "\n")
        tmp.replace(target)
        print(plan_markdown(rows))
        return 0
    for card in cards:
        for profile in [hardware] if hardware else PROFILES:
            print(make_plan(card, profile).table(), end="\n\n")
    return 0


def sizes(write: bool) -> int:
    """Parameter counts of every shipped config; ``--write`` regenerates model_configs/sizes.json."""
    import json

    from sandbox.models.arch import SIZES_FILE, sizes_table

    table = sizes_table()
    for card, entry in table.items():
        parts = ", ".join(f"{n} {c['params'] / 1e9:.2f}B" for n, c in entry["components"].items())
        print(f"{card:<18} {entry['total_gb']:>6.1f} GB  {parts}")
    if write:
        tmp = SIZES_FILE.with_suffix(".tmp")
        tmp.write_text(json.dumps(table, indent=1) + "\n")
        tmp.replace(SIZES_FILE)
        print(f"wrote {SIZES_FILE}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    parser.add_argument("command", choices=["prepare", "doctor", "plan", "sizes"])
    parser.add_argument("--model", help="plan: a model card with shipped configs (default: all)")
    parser.add_argument("--hardware", help="plan: e.g. cpu:24GiB, 1x24GB, 2x24GB, 1x80GB, 8x80GB (default: all)")
    parser.add_argument("--write", action="store_true",
                        help="sizes / plan: rewrite model_configs/sizes.json / placement.json")
    args = parser.parse_args(argv)
    if args.command == "plan":
        return plan(args.model, args.hardware, args.write)
    if args.command == "sizes":
        return sizes(args.write)
    return {"prepare": prepare, "doctor": doctor}[args.command]()


if __name__ == "__main__":
    sys.exit(main())
