"""Loading pipelines with diffusers ``from_pretrained`` and accelerate placement, cached per (model, placement).

The embedded tiny model and Hub models share one path: ``<PipelineClass>.from_pretrained(source, ...)``
where ``source`` is a Hub repo id (read from the local cache when offline) or the folder the tiny
model was saved to.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.config import TRUE_WORDS
from sandbox.errors import ModelUnavailable
from sandbox.models.cards import ModelRegistry, ModelSpec
from sandbox.models.parallel import ParallelConfig, enable_context_parallel
from sandbox.models.placement import Hardware, Placement, PlacementConfig, choose_placement
from sandbox.models.speed import SpeedConfig, apply_speed

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Availability:
    available: bool
    reason: str = ""


@dataclass
class LoadedPipeline:
    """A ready pipeline, its card, where it runs, and a lock that serializes calls to it."""

    pipe: Any
    spec: ModelSpec
    placement: Placement
    load_seconds: float
    lock: threading.Lock
    speed: SpeedConfig = field(default_factory=SpeedConfig)

    @property
    def label(self) -> str:
        extra = f" · {self.speed.label}" if self.speed.label != "plain" else ""
        return f"{self.spec.label} · {self.placement.label}{extra}"


def hub_offline() -> bool:
    """HF_HUB_OFFLINE, read now (huggingface_hub reads it once at import)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE) or os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in TRUE_WORDS


def fetch_hint(spec: ModelSpec) -> str:
    rev = f" --revision {spec.revision}" if spec.revision not in ("main", "local") else ""
    return f"`hf download {spec.repo_id}{rev}`"


class ModelLoader:
    """Decides placement, loads, and caches pipelines.

    >>> loader = ModelLoader(ModelRegistry(), models_dir=tmp_path)  # doctest: +SKIP
    >>> loaded = loader.load("tiny-wan-vace")  # doctest: +SKIP
    >>> loaded.label  # doctest: +SKIP
    'tiny offline model · cpu'
    """

    def __init__(self, registry: ModelRegistry, models_dir: Path, placement_config: PlacementConfig | None = None,
                 hardware: Hardware | None = None, default_model: str | None = None,
                 speed: SpeedConfig | None = None, twins_dir: Path | None = None,
                 parallel: ParallelConfig | None = None) -> None:
        self.registry = registry
        self.models_dir = Path(models_dir)
        self.placement_config = placement_config or PlacementConfig()
        self.hardware = hardware or Hardware.detect()
        self._requested_default = default_model
        self.speed_override = speed  # SANDBOX_SPEED; else each card's own `speed:` choice
        # set: every Hub card with shipped configs loads its tiny random-weight twin from here (sandbox.models.twins)
        self.twins_dir = Path(twins_dir) if twins_dir else None
        self.parallel = parallel  # SANDBOX_PARALLEL: context parallelism over the torchrun process group
        self._cache: dict[tuple, LoadedPipeline] = {}
        self._cache_lock = threading.Lock()

    # --- sources and availability ---
    def is_twin(self, spec: ModelSpec) -> bool:
        from sandbox.models.arch import CONFIGS_DIR

        return self.twins_dir is not None and not spec.embedded and (CONFIGS_DIR / spec.id / "pipeline.json").is_file()

    def local_path(self, spec: ModelSpec) -> Path:
        if spec.shipped:
            return REPO / spec.shipped
        if self.is_twin(spec):
            return self.twins_dir / spec.id
        return self.models_dir / spec.id

    def prepare_twin(self, spec: ModelSpec) -> Path:
        from sandbox.models import twins

        path = self.local_path(spec)
        if not twins.is_built(path):
            twins.build(spec.id, path)
        return path

    def prepare_embedded(self, spec: ModelSpec | None = None) -> Path:
        """The embedded model's folder: shipped weights are checked, built ones are built if missing
        (``make run`` / app start call this)."""
        spec = spec or self.registry.embedded
        path = self.local_path(spec)
        if spec.shipped:
            if not (path / "model_index.json").is_file():
                raise ModelUnavailable(f"{spec.label}: its weights are missing from {spec.shipped}; rebuild them "
                                       "with `python -m sandbox.models.micro train`")
            return path
        builder = importlib.import_module(spec.builder or "sandbox.models.tiny")
        if not builder.is_built(path):
            builder.build(path)
        return path

    def prepare_all_embedded(self) -> list[Path]:
        return [self.prepare_embedded(s) for s in self.registry.get_embedded() if self.availability(s).available]

    def source(self, spec: ModelSpec) -> str:
        if self.is_twin(spec):
            return str(self.prepare_twin(spec))
        return str(self.prepare_embedded(spec)) if spec.embedded else spec.repo_id

    def is_cached(self, spec: ModelSpec) -> bool:
        if spec.embedded or self.is_twin(spec):
            return True
        from huggingface_hub import try_to_load_from_cache

        hit = try_to_load_from_cache(spec.repo_id, "model_index.json", revision=spec.revision)
        return isinstance(hit, str)

    def availability(self, spec: ModelSpec) -> Availability:
        if spec.shipped and not (self.local_path(spec) / "model_index.json").is_file():
            return Availability(False, f"{spec.label}: weights missing from {spec.shipped} "
                                       "(`python -m sandbox.models.micro train` rebuilds them)")
        if spec.embedded or self.is_twin(spec):
            return Availability(True)
        if not self.is_cached(spec) and hub_offline():
            return Availability(False, f"{spec.label} ({spec.repo_id}) is not in the local Hugging Face cache and "
                                       f"the Hub is offline here; fetch it with {fetch_hint(spec)} on a machine "
                                       "with network, then restart")
        if not self.hardware.gpu_memory and self.placement_config.device_map != "cpu":
            return Availability(False, f"{spec.label} needs a CUDA GPU (about {spec.memory_gb:g} GB) and this "
                                       "machine has none; pick the tiny offline model or set "
                                       "SANDBOX_DEVICE_MAP=cpu to try on CPU")
        return Availability(True)

    def default_model(self) -> ModelSpec:
        """SANDBOX_MODEL if set; else a cached Hub model the hardware can run; else the embedded default."""
        if self._requested_default:
            return self.registry.get(self._requested_default)
        for spec in self.registry:
            if not spec.embedded and self.is_cached(spec) and self.availability(spec).available:
                return spec
        return next(s for s in self.registry.get_embedded() if self.availability(s).available)

    def spec_for(self, model_id: str | None) -> ModelSpec:
        """The card for ``model_id``, or the default model's when none is asked for."""
        return self.registry.get(model_id) if model_id else self.default_model()

    # --- sizes and placement ---
    def model_bytes(self, spec: ModelSpec) -> int:
        if self.is_twin(spec):
            return sum(p.stat().st_size for p in self.prepare_twin(spec).rglob("*.safetensors"))
        if spec.embedded:
            return sum(p.stat().st_size for p in self.prepare_embedded(spec).rglob("*.safetensors"))
        return int(spec.memory_gb * 1e9)

    def placement(self, spec: ModelSpec) -> Placement:
        return choose_placement(self.model_bytes(spec), self.hardware, self.placement_config, spec.torch_dtype)

    def speed(self, spec: ModelSpec) -> SpeedConfig:
        return self.speed_override if self.speed_override is not None else SpeedConfig.parse(spec.speed)

    # --- loading ---
    def preset_lora(self, spec: ModelSpec, preset: str | None) -> dict | None:
        lora = (spec.presets.get(preset or "") or {}).get("lora")
        if lora and not spec.embedded and "repo_id" in lora and hub_offline():
            from huggingface_hub import try_to_load_from_cache

            if not isinstance(try_to_load_from_cache(lora["repo_id"], lora["weight_name"]), str):
                raise ModelUnavailable(f"the {preset!r} preset of {spec.label} needs a LoRA that is not in the local "
                                       f"cache; fetch it with `hf download {lora['repo_id']} {lora['weight_name']}`")
        return lora

    def load(self, model_id: str | ModelSpec, speed: SpeedConfig | None = None,
             preset: str | None = None) -> LoadedPipeline:
        """The pipeline for ``model_id``, loaded once per (model, placement) and then reused."""
        spec = model_id if isinstance(model_id, ModelSpec) else self.registry.get(model_id)
        availability = self.availability(spec)
        if not availability.available:
            raise ModelUnavailable(availability.reason)
        placement = self.placement(spec)
        speed = speed or self.speed(spec)
        if self.parallel is not None and speed.cache:
            # a cache decides to skip per rank on that rank's shard; the ranks then disagree on shapes
            # ("The size of tensor a (6) must match the size of tensor b (12)"): context parallel runs uncached
            from dataclasses import replace

            speed = replace(speed, cache=None)
        lora = self.preset_lora(spec, preset)
        key = (spec.id, placement.key, speed.key, tuple(sorted((lora or {}).items())))
        with self._cache_lock:  # one load at a time; a second request waits and reuses it
            if key not in self._cache:
                start = time.perf_counter()
                pipe = self._from_pretrained(spec, placement)
                if lora:
                    self._load_lora(spec, pipe, lora)
                apply_placement(pipe, placement)
                if self.parallel is not None:
                    enable_context_parallel(pipe, self.parallel)
                apply_speed(pipe, speed)
                self._cache[key] = LoadedPipeline(pipe, spec, placement, time.perf_counter() - start,
                                                  threading.Lock(), speed)
            return self._cache[key]

    def loaded(self) -> list[LoadedPipeline]:
        return list(self._cache.values())

    def _from_pretrained(self, spec: ModelSpec, placement: Placement):
        import diffusers
        import torch

        pipeline_cls = getattr(diffusers, spec.pipeline_class)
        source = self.source(spec)
        kwargs: dict[str, Any] = {"dtype": getattr(torch, placement.dtype)}
        if not spec.embedded and not self.is_twin(spec):
            kwargs.update(revision=spec.revision, local_files_only=hub_offline())
        if placement.kind == "balanced":
            kwargs.update(device_map="balanced", max_memory=placement.max_memory)
        if placement.kind == "disk_offload":
            kwargs["transformer"] = self._load_offloaded_component(spec, source, "transformer", placement)
        try:
            return pipeline_cls.from_pretrained(source, **kwargs)
        except Exception as exc:  # not cached, unreachable, damaged: name the model and how to get it back
            hint = ("rebuild it with `python -m sandbox prepare`" if spec.builder else
                    "restore its folder from git" if spec.shipped else f"fetch it with {fetch_hint(spec)}")
            raise ModelUnavailable(f"could not load {spec.label} ({spec.repo_id}): {exc.__class__.__name__}: "
                                   f"{str(exc)[:160]}; {hint}") from exc

    def _load_lora(self, spec: ModelSpec, pipe, lora: dict) -> None:
        """A preset's LoRA through diffusers ``load_lora_weights`` (Hub repo or a folder next to the model)."""
        source = str(Path(self.source(spec)) / lora["path"]) if "path" in lora else lora["repo_id"]
        kwargs = {} if "path" in lora else {"local_files_only": hub_offline()}
        pipe.load_lora_weights(source, weight_name=lora["weight_name"], adapter_name="preset", **kwargs)
        pipe.set_adapters(["preset"], [float(lora.get("scale", 1.0))])

    def _load_offloaded_component(self, spec: ModelSpec, source: str, name: str, placement: Placement):
        """Load one component with accelerate's big-model path: what exceeds ``max_memory`` goes to disk."""
        import diffusers
        import torch

        index_path = Path(source) / "model_index.json"
        if not index_path.exists():
            from huggingface_hub import hf_hub_download

            index_path = Path(hf_hub_download(spec.repo_id, "model_index.json", revision=spec.revision,
                                              local_files_only=hub_offline()))
        library, class_name = json.loads(index_path.read_text())[name]
        component_cls = getattr(importlib.import_module(library), class_name, None) or getattr(diffusers, class_name)
        folder = Path(placement.offload_folder or "offload") / spec.id / name
        folder.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {}
        if not spec.embedded:
            kwargs.update(revision=spec.revision, local_files_only=hub_offline())
        return component_cls.from_pretrained(source, subfolder=name, dtype=getattr(torch, placement.dtype),
                                             device_map="auto", max_memory=placement.max_memory,
                                             offload_folder=str(folder), **kwargs)


def apply_placement(pipe, placement: Placement) -> None:
    """Move or hook the pipeline as ``placement`` says. Loading already handled balanced and disk offload."""
    if placement.kind == "cuda":
        pipe.to(placement.device)
    elif placement.kind == "model_offload":
        pipe.enable_model_cpu_offload()
    elif placement.kind == "sequential_offload":
        pipe.enable_sequential_cpu_offload()
    elif placement.kind == "group_offload":
        import torch

        pipe.enable_group_offload(onload_device=torch.device(placement.device), offload_device=torch.device("cpu"),
                                  offload_type="leaf_level", use_stream=True)
    if placement.vae_tiling and hasattr(pipe, "vae") and hasattr(pipe.vae, "enable_tiling"):
        pipe.vae.enable_tiling()
    pipe.set_progress_bar_config(disable=False, leave=False)
