"""Run under torchrun by test_parallel.py: one generation with SANDBOX_PARALLEL-style context parallelism."""

import os
import sys
from pathlib import Path

import numpy as np
import torch.distributed as dist

from sandbox.generation.request import GenerationRequest, resolve_defaults
from sandbox.generation.service import run_pipeline
from sandbox.models.cards import ModelRegistry
from sandbox.models.loader import ModelLoader
from sandbox.models.parallel import ParallelConfig
from sandbox.models.placement import Hardware
from sandbox.models.speed import SpeedConfig


def main(card: str, twins_dir: Path, out: Path) -> None:
    parallel = ParallelConfig.parse(os.environ.get("SANDBOX_PARALLEL"))
    if parallel:
        dist.init_process_group("gloo")
    # plain: the card's First Block Cache decides per rank on its shard and the ranks then disagree on shapes
    loader = ModelLoader(ModelRegistry(), twins_dir, hardware=Hardware(), twins_dir=twins_dir, parallel=parallel,
                         speed=SpeedConfig())
    try:
        spec = loader.registry.get(card)
        request = resolve_defaults(GenerationRequest(prompt="a red circle moving right", seed=5, num_frames=9, width=32,
                                                     height=32, steps=3), spec)
        frames = run_pipeline(loader.load(spec), request)
        if not parallel or dist.get_rank() == 0:
            np.save(out, frames)
    except Exception as exc:  # the test reads why it could not run
        if not parallel or dist.get_rank() == 0:
            out.with_suffix(".error").write_text(f"{type(exc).__name__}: {exc}")
    finally:
        if parallel:
            dist.destroy_process_group()


if __name__ == "__main__":  # pytest imports this module while collecting doctests: run only under torchrun
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
