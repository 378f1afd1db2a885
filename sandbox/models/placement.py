"""Placement policy: where a pipeline's weights live, decided once from the hardware and the config.

The rest of the code never moves tensors. The rules, in order:

1. ``device_map="cpu"`` or no GPU: CPU. If a ``max_memory`` CPU budget is set below the model's size,
   accelerate disk offload (component-level ``device_map`` + ``max_memory`` + ``offload_folder``).
2. One GPU with room for the model: on it.
3. Several GPUs and the model does not fit on one (or ``device_map="balanced"``): ``device_map="balanced"``
   with ``max_memory`` per device.
4. Not enough GPU memory: model CPU offload (or ``group`` / ``sequential`` when configured); when even the
   largest component does not fit one GPU (whole-component offload cannot run it), leaf-level group offload.

VAE tiling is switched on for long or large videos and whenever weights are offloaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from accelerate.utils import convert_file_size_to_int

HEADROOM = 1.25  # activations and the VAE decode need room beyond the weights


@dataclass(frozen=True)
class Hardware:
    """GPU memory per device (bytes) and CPU memory (bytes)."""

    gpu_memory: tuple[int, ...] = ()
    cpu_memory: int = 0

    @classmethod
    def detect(cls) -> Hardware:
        import psutil
        import torch

        gpus = tuple(torch.cuda.get_device_properties(i).total_memory for i in range(torch.cuda.device_count()))
        return cls(gpu_memory=gpus, cpu_memory=psutil.virtual_memory().total)


def parse_max_memory(spec: str | None) -> dict[int | str, int]:
    """``"0=20GiB,1=20GiB,cpu=64GiB"`` → ``{0: ..., 1: ..., "cpu": ...}`` in bytes.

    >>> parse_max_memory("cpu=1MB")
    {'cpu': 1000000}
    """
    if not spec:
        return {}
    out: dict[int | str, int] = {}
    for part in spec.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise ValueError(f"`SANDBOX_MAX_MEMORY` entries must look like `cpu=2GiB` or `0=20GiB` but one is {part!r}")
        dev: int | str = int(key) if key.strip().isdigit() else key.strip()
        if dev not in ("cpu", "disk") and not isinstance(dev, int):
            raise ValueError(f"`SANDBOX_MAX_MEMORY` device must be a GPU index or `cpu` but is {key!r}")
        try:
            out[dev] = convert_file_size_to_int(value.strip())
        except ValueError as exc:
            raise ValueError(f"`SANDBOX_MAX_MEMORY` size for {key!r} must be like `2GiB` but is {value!r}") from exc
    return out


@dataclass
class PlacementConfig:
    """User-facing placement knobs (env: SANDBOX_DEVICE_MAP, SANDBOX_MAX_MEMORY, SANDBOX_OFFLOAD)."""

    device_map: str = "auto"  # auto | cpu | cuda | balanced
    max_memory: dict[int | str, int] = field(default_factory=dict)
    offload: str = "auto"  # auto | none | model | sequential | group | disk
    offload_folder: Path = Path("data/offload")
    vae_tiling: bool = False  # decode in tiles (less memory); always on when the model is offloaded


@dataclass(frozen=True)
class Placement:
    """The decision. ``kind`` is one of cpu, cuda, balanced, model_offload, sequential_offload,
    group_offload, disk_offload."""

    kind: str
    device: str  # where inputs go / generators live
    dtype: str
    device_map: str | None = None
    max_memory: dict[int | str, int] | None = None
    offload_folder: Path | None = None
    vae_tiling: bool = False

    @property
    def key(self) -> tuple:
        memory = tuple(sorted((str(k), v) for k, v in (self.max_memory or {}).items()))
        return (self.kind, self.device, self.dtype, memory)

    @property
    def label(self) -> str:
        return {
            "cpu": "cpu",
            "cuda": self.device,
            "balanced": f"cuda:{','.join(str(k) for k in (self.max_memory or {}) if isinstance(k, int))} balanced",
            "model_offload": f"{self.device} + model CPU offload",
            "sequential_offload": f"{self.device} + sequential CPU offload",
            "group_offload": f"{self.device} + group offload",
            "disk_offload": "cpu + disk offload",
        }[self.kind]


def choose_placement(model_bytes: int, hardware: Hardware, config: PlacementConfig,
                     gpu_dtype: str = "bfloat16", largest_component_bytes: int | None = None) -> Placement:
    """Decide where a model of ``model_bytes`` runs (``largest_component_bytes``: its biggest component, when
    known — model CPU offload moves whole components, so that one must fit a GPU).

    >>> choose_placement(10**9, Hardware(gpu_memory=(80 * 2**30,)), PlacementConfig()).label
    'cuda:0'
    >>> choose_placement(40 * 10**9, Hardware(gpu_memory=(24 * 2**30, 24 * 2**30)), PlacementConfig()).label
    'cuda:0,1 balanced'
    >>> choose_placement(10**6, Hardware(), PlacementConfig(max_memory={"cpu": 10**5})).kind
    'disk_offload'
    >>> choose_placement(48 * 10**9, Hardware(gpu_memory=(24 * 10**9,)), PlacementConfig(),
    ...                  largest_component_bytes=35 * 10**9).kind
    'group_offload'
    """
    need = int(model_bytes * HEADROOM)
    gpus = hardware.gpu_memory
    budget = {i: min(config.max_memory.get(i, mem), mem) for i, mem in enumerate(gpus)}
    cpu_budget = config.max_memory.get("cpu")

    if config.device_map == "cpu" or not gpus:
        if config.device_map in ("cuda", "balanced"):
            raise ValueError(f"`SANDBOX_DEVICE_MAP` is {config.device_map!r} but this machine has no CUDA GPU")
        if config.offload == "disk" or (cpu_budget is not None and cpu_budget < model_bytes):
            return Placement("disk_offload", "cpu", "float32", device_map="auto",
                             max_memory={"cpu": cpu_budget or model_bytes // 2},
                             offload_folder=config.offload_folder, vae_tiling=config.vae_tiling)
        return Placement("cpu", "cpu", "float32", vae_tiling=config.vae_tiling)

    fits_one = budget[0] >= need
    if config.offload in ("model", "sequential", "group"):
        return Placement(f"{config.offload}_offload", "cuda:0", gpu_dtype, vae_tiling=True)
    if config.device_map == "balanced" or (not fits_one and len(gpus) > 1 and sum(budget.values()) >= need):
        mm: dict[int | str, int] = dict(budget)
        if cpu_budget is not None:
            mm["cpu"] = cpu_budget
        return Placement("balanced", "cuda:0", gpu_dtype, device_map="balanced", max_memory=mm,
                         vae_tiling=config.vae_tiling)
    if fits_one or config.device_map == "cuda" or config.offload == "none":
        return Placement("cuda", "cuda:0", gpu_dtype, vae_tiling=config.vae_tiling)
    if largest_component_bytes is not None and largest_component_bytes * HEADROOM > budget[0]:
        return Placement("group_offload", "cuda:0", gpu_dtype, vae_tiling=True)
    return Placement("model_offload", "cuda:0", gpu_dtype, vae_tiling=True)
