"""Where each component of a real model goes on a given machine, computed on the meta device.

``python -m sandbox plan --model wan2.1-vace-14b --hardware 2x24GB`` answers without weights or GPUs: the
sizes come from the shipped configs (:mod:`sandbox.models.arch`), the placement kind from the one placement
policy (:func:`sandbox.models.placement.choose_placement`), the per-component devices from what diffusers
and accelerate do with it (diffusers' own ``balanced`` component assignment; accelerate's
``infer_auto_device_map`` for a component that is split over GPUs or spilled to disk).

>>> parse_hardware("2x24GB").gpu_memory
(24000000000, 24000000000)
>>> parse_hardware("cpu:24GiB").cpu_memory == 24 * 2**30
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from accelerate.utils import convert_file_size_to_int

from sandbox.models.arch import DTYPE_BYTES, RealArch
from sandbox.models.placement import HEADROOM, Hardware, Placement, PlacementConfig, choose_placement

PROFILES = ("cpu:24GiB", "1x24GB", "2x24GB", "1x80GB", "8x80GB")
DEFAULT_HOST_MEMORY = 128 * 2**30  # RAM assumed beside GPUs unless the profile says `+cpu:…`


def parse_hardware(text: str) -> Hardware:
    """``cpu:24GiB`` (no GPU, that much RAM), ``NxSIZE`` (N GPUs), optionally ``+cpu:SIZE`` for the RAM."""
    gpus: tuple[int, ...] = ()
    cpu = DEFAULT_HOST_MEMORY
    for part in text.replace(" ", "").split("+"):
        gpu_match = re.fullmatch(r"(\d+)x(\d+(?:\.\d+)?[KMGT]i?B)", part, flags=re.IGNORECASE)
        cpu_match = re.fullmatch(r"cpu:(\d+(?:\.\d+)?[KMGT]i?B)", part, flags=re.IGNORECASE)
        if gpu_match:
            gpus = (convert_file_size_to_int(gpu_match.group(2)),) * int(gpu_match.group(1))
        elif cpu_match:
            cpu = convert_file_size_to_int(cpu_match.group(1))
        else:
            raise ValueError(f"`--hardware` parts must look like `2x24GB` or `cpu:24GiB` but one is {part!r}")
    return Hardware(gpu_memory=gpus, cpu_memory=cpu)


@dataclass(frozen=True)
class ComponentPlacement:
    name: str
    class_name: str
    params: int
    bytes: int
    where: str  # e.g. "cuda:0", "cuda:0 (blocks 0-19) + cuda:1 (blocks 20-39)", "cpu → cuda:0 while it runs"
    split: dict[str, int] = field(default_factory=dict)  # device -> bytes, when accelerate splits the component


@dataclass(frozen=True)
class Plan:
    card: str
    hardware: str
    placement: Placement
    components: list[ComponentPlacement]
    peak_gpu_bytes: int  # on the busiest GPU, weights + activation headroom
    peak_cpu_bytes: int  # weights held in RAM
    note: str = ""

    def table(self) -> str:
        lines = [f"{self.card} on {self.hardware}: {self.placement.label} ({self.placement.kind}, "
                 f"{self.placement.dtype})",
                 f"{'component':<13} {'class':<31} {'params':>8} {'size':>9}  where"]
        for c in self.components:
            lines.append(f"{c.name:<13} {c.class_name:<31} {c.params / 1e9:>7.2f}B {c.bytes / 1e9:>7.2f}GB  {c.where}")
        gpu = f"{self.peak_gpu_bytes / 1e9:.1f} GB per GPU" if self.peak_gpu_bytes else "no GPU"
        lines.append(f"expected peak: {gpu}; {self.peak_cpu_bytes / 1e9:.1f} GB of weights in RAM")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"card": self.card, "hardware": self.hardware, "kind": self.placement.kind,
                "label": self.placement.label, "dtype": self.placement.dtype,
                "components": {c.name: c.where for c in self.components},
                "peak_gpu_gb": round(self.peak_gpu_bytes / 1e9, 1),
                "weights_in_ram_gb": round(self.peak_cpu_bytes / 1e9, 1),
                "note": self.note}


def _component_bytes(arch: RealArch, dtype: str) -> dict[str, tuple[int, int, str]]:
    return {n: (s.params, s.bytes(), s.class_name) for n, s in arch.sizes(dtype).items()}


def _split(arch: RealArch, name: str, max_memory: dict, dtype: str) -> dict[str, int]:
    """accelerate's ``infer_auto_device_map`` for one component: bytes per device (GPU index, cpu, disk)."""
    import torch
    from accelerate import infer_auto_device_map
    from accelerate.utils import compute_module_sizes

    model = arch.empty_component(name)
    device_map = infer_auto_device_map(model, max_memory=max_memory, dtype=getattr(torch, dtype),
                                       no_split_module_classes=list(getattr(model, "_no_split_modules", None) or []))
    sizes = compute_module_sizes(model, dtype=getattr(torch, dtype))
    out: dict[str, int] = {}
    for module, device in device_map.items():
        key = f"cuda:{device}" if isinstance(device, int) else str(device)
        out[key] = out.get(key, 0) + sizes[module]
    return out


def _describe_split(split: dict[str, int]) -> str:
    return " + ".join(f"{dev} {b / 1e9:.1f}GB" for dev, b in split.items())


def plan(card: str, hardware_text: str, config: PlacementConfig | None = None, torch_dtype: str = "bfloat16") -> Plan:
    """The placement of ``card`` on ``hardware_text`` (see :func:`parse_hardware`)."""
    arch = RealArch.load(card)
    hardware = parse_hardware(hardware_text)
    config = config or PlacementConfig()
    if not hardware.gpu_memory and "cpu" not in config.max_memory:
        config = PlacementConfig(**{**config.__dict__,
                                    "max_memory": {**config.max_memory, "cpu": hardware.cpu_memory}})
    sizes = _component_bytes(arch, torch_dtype)
    largest = max(b for _, b, _ in sizes.values())
    placement = choose_placement(sum(b for _, b, _ in sizes.values()), hardware, config, torch_dtype,
                                 largest_component_bytes=largest)
    if placement.dtype != torch_dtype:  # CPU runs in float32: recount the bytes and ask again
        sizes = _component_bytes(arch, placement.dtype)
        largest = max(b for _, b, _ in sizes.values())
        placement = choose_placement(sum(b for _, b, _ in sizes.values()), hardware, config, torch_dtype,
                                     largest_component_bytes=largest)
    total = sum(b for _, b, _ in sizes.values())
    rows: list[ComponentPlacement] = []
    peak_gpu = 0
    peak_cpu = 0
    note = ""
    kind = placement.kind
    if kind == "cpu":
        rows = [ComponentPlacement(n, c, p, b, "cpu") for n, (p, b, c) in sizes.items()]
        peak_cpu = total
    elif kind == "disk_offload":
        budget = placement.max_memory["cpu"]
        for n, (p, b, c) in sizes.items():
            if n == "transformer":  # the loader offloads the transformer (sandbox.models.loader)
                split = _split(arch, n, {"cpu": budget, "disk": 10**15}, placement.dtype)
                rows.append(ComponentPlacement(n, c, p, b, _describe_split(split), split))
                peak_cpu += split.get("cpu", 0)
            else:
                rows.append(ComponentPlacement(n, c, p, b, "cpu"))
                peak_cpu += b
        note = ("disk offload keeps the transformer within the CPU budget; the text encoder and VAE stay whole in "
                "RAM — a budget below them cannot hold")
    elif kind == "cuda":
        rows = [ComponentPlacement(n, c, p, b, "cuda:0") for n, (p, b, c) in sizes.items()]
        peak_gpu = int(total * HEADROOM)
    elif kind == "model_offload":
        rows = [ComponentPlacement(n, c, p, b, "cpu → cuda:0 while it runs") for n, (p, b, c) in sizes.items()]
        peak_gpu = int(largest * HEADROOM)
        peak_cpu = total
    elif kind in ("group_offload", "sequential_offload"):
        rows = [ComponentPlacement(n, c, p, b, "cpu → cuda:0 layer by layer") for n, (p, b, c) in sizes.items()]
        biggest_block = _largest_block_bytes(arch, placement.dtype)
        peak_gpu = int(2 * biggest_block * HEADROOM) + _activation_allowance(total)
        peak_cpu = total
        note = (f"the largest component ({largest / 1e9:.1f} GB) does not fit one GPU, so whole-model offload "
                "cannot run it: leaf-level group offload streams layers in")
    elif kind == "balanced":
        from diffusers.pipelines.pipeline_loading_utils import _assign_components_to_devices

        gpu_budget = {i: m for i, m in placement.max_memory.items() if isinstance(i, int)}
        ordered = dict(sorted(((n, b) for n, (_, b, _) in sizes.items()), key=lambda kv: kv[1], reverse=True))
        assigned = _assign_components_to_devices(ordered, gpu_budget)
        device_of = {comp: dev for dev, comps in assigned.items() for comp in comps}
        used: dict[str, int] = {}
        for n, (p, b, c) in sizes.items():
            dev = device_of.get(n, "cpu")
            if dev == "cpu":  # too big for any single GPU: accelerate splits it over the GPUs' free memory
                free = {i: max(gpu_budget[i] - used.get(f"cuda:{i}", 0), 0) for i in gpu_budget}
                split = _split(arch, n, {**free, "cpu": hardware.cpu_memory}, placement.dtype)
                rows.append(ComponentPlacement(n, c, p, b, _describe_split(split), split))
                for d, sb in split.items():
                    used[d] = used.get(d, 0) + sb
                note = (f"{n} is larger than one GPU: diffusers' balanced map would leave it on the CPU, so it is "
                        "split over the GPUs with accelerate (infer_auto_device_map)")
            else:
                where = f"cuda:{dev}"
                rows.append(ComponentPlacement(n, c, p, b, where))
                used[where] = used.get(where, 0) + b
        peak_gpu = int(max(v for k, v in used.items() if k.startswith("cuda")) * HEADROOM)
        peak_cpu = used.get("cpu", 0)
    return Plan(card, hardware_text, placement, rows, peak_gpu, peak_cpu, note)


def _largest_block_bytes(arch: RealArch, dtype: str) -> int:
    """Bytes of the largest repeated block of the transformer (what leaf/block offload holds at once)."""
    import torch
    from accelerate.utils import compute_module_sizes

    model = arch.empty_component("transformer")
    sizes = compute_module_sizes(model, dtype=getattr(torch, dtype))
    blocks = [v for k, v in sizes.items() if re.fullmatch(r"[a-z_]*blocks\.\d+", k)]
    return max(blocks) if blocks else sizes[""] // 10


def _activation_allowance(total_bytes: int) -> int:
    return int(total_bytes * (HEADROOM - 1))


def plan_table(cards: list[str], profiles: tuple[str, ...] = PROFILES) -> list[dict]:
    """One row per (card, hardware): the README's placement table and notebook 01's picture."""
    return [plan(card, hw).to_dict() for card in cards for hw in profiles]


DTYPES = tuple(DTYPE_BYTES)


def plan_markdown(rows: list[dict]) -> str:
    """The README's placement table: one row per card, one column per hardware profile."""
    profiles = list(dict.fromkeys(r["hardware"] for r in rows))
    cards = list(dict.fromkeys(r["card"] for r in rows))
    cell = {(r["card"], r["hardware"]): r for r in rows}

    def text(r: dict) -> str:
        peak = f", {r['peak_gpu_gb']:g} GB/GPU" if r["peak_gpu_gb"] else ""
        return f"{r['kind'].replace('_', ' ')}{peak}"

    lines = ["| model (weights) | " + " | ".join(profiles) + " |", "|---" * (len(profiles) + 1) + "|"]
    for card in cards:
        lines.append(f"| {card} | " + " | ".join(text(cell[(card, p)]) for p in profiles) + " |")
    return "\n".join(lines)
