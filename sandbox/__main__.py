"""Command line: ``python -m sandbox prepare`` builds the embedded model; ``python -m sandbox doctor`` checks."""

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
    try:
        sb.loader.load(sb.loader.default_model())
        print("loads         yes")
    except SandboxError as exc:
        problems += 1
        print(f"loads         PROBLEM: {exc}")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    parser.add_argument("command", choices=["prepare", "doctor"])
    args = parser.parse_args(argv)
    return {"prepare": prepare, "doctor": doctor}[args.command]()


if __name__ == "__main__":
    sys.exit(main())
