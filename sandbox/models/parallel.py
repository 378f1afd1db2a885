"""Context parallelism as a placement: one video's attention split over N processes (``SANDBOX_PARALLEL``).

``SANDBOX_PARALLEL=ulysses:2 torchrun --nproc_per_node 2 -m sandbox.batch prompts.csv --out videos/`` — every
process loads the pipeline, :func:`enable_context_parallel` shards the transformer's sequence over the
process group with diffusers' ``ContextParallelConfig`` (Ulysses all-to-all or ring attention), and rank 0
writes the result. Unlike ``device_map="balanced"`` (which only spreads memory), each GPU computes 1/N of
every step.

What runs where (diffusers 0.42.1, torch 2.13, measured in ``tests/models/test_parallel.py``):

- **Ulysses on CPU/gloo runs** and gives the single-process frames (a Wan T2V twin, 2 processes) — after one
  shim: diffusers' ``_resolve_parallel_config`` computes ``rank % torch.accelerator.device_count()``, which
  is 0 on a CPU-only machine (``ZeroDivisionError: integer modulo by zero``); :func:`_cpu_device_count` makes
  it 1 while parallelism is enabled on CPU.
- **Ring on CPU fails**: ring attention needs the attention's log-sum-exp, and the only CPU backend says
  ``ValueError: Native attention does not support return_lse=True`` (flash / cuDNN backends have it; GPU only).
- **The embedded micro model cannot be split**: ``WanVACETransformer3DModel`` has no ``_cp_plan`` in this
  diffusers (``ValueError: `cp_plan` must be provided either as an argument or set in the model's `_cp_plan`
  attribute``), so context parallelism covers the Wan T2V / TI2V, LTX and LTX-2 transformers, not VACE.

>>> ParallelConfig.parse("ulysses:2")
ParallelConfig(kind='ulysses', degree=2)
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

KINDS = ("ulysses", "ring")


@dataclass(frozen=True)
class ParallelConfig:
    kind: str
    degree: int

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"`SANDBOX_PARALLEL` kind must be one of {KINDS} but is {self.kind!r}")
        if self.degree < 2:
            raise ValueError(f"`SANDBOX_PARALLEL` degree must be at least 2 but is {self.degree}")

    @classmethod
    def parse(cls, text: str | None) -> ParallelConfig | None:
        """``"ulysses:2"`` / ``"ring:4"``; empty → None (no context parallelism)."""
        if not text:
            return None
        kind, _, degree = text.strip().partition(":")
        if not degree.isdigit():
            raise ValueError(f"`SANDBOX_PARALLEL` must look like `ulysses:2` or `ring:4` but is {text!r}")
        return cls(kind.strip(), int(degree))

    def diffusers_config(self):
        from diffusers import ContextParallelConfig

        return (ContextParallelConfig(ulysses_degree=self.degree) if self.kind == "ulysses"
                else ContextParallelConfig(ring_degree=self.degree))


@contextlib.contextmanager
def _cpu_device_count():
    """diffusers picks ``rank % torch.accelerator.device_count()`` as the device index; without an accelerator
    that count is 0. The device it builds is only recorded, so 1 is right for CPU processes."""
    import torch

    if torch.accelerator.device_count() > 0:
        yield
        return
    original = torch.accelerator.device_count
    torch.accelerator.device_count = lambda: 1
    try:
        yield
    finally:
        torch.accelerator.device_count = original


def enable_context_parallel(pipe, config: ParallelConfig) -> None:
    """Shard ``pipe.transformer``'s attention over the initialised process group (torchrun / accelerate)."""
    import torch.distributed as dist

    if not dist.is_initialized():
        raise RuntimeError("context parallelism needs torch.distributed initialised: launch with torchrun "
                           "(or accelerate launch) and init the process group first")
    if dist.get_world_size() != config.degree:
        raise ValueError(f"`SANDBOX_PARALLEL` degree {config.degree} must equal the number of processes "
                         f"({dist.get_world_size()})")
    transformer = pipe.transformer
    if getattr(transformer, "_cp_plan", None) is None:
        raise ValueError(f"{type(transformer).__name__} has no context-parallel plan (`_cp_plan`) in this "
                         "diffusers; use another model or SANDBOX_DEVICE_MAP=balanced")
    with _cpu_device_count():
        transformer.enable_parallelism(config=config.diffusers_config())
