"""The real architectures, from the configs shipped in ``model_configs/<card>/`` — no weights needed.

Each component's JSON is the Hub repo's config (``_class_name``, ``_library``, ``_source``: where it came
from, see ``scripts/model_configs_from_diffusers.py``). Building a component inside accelerate's
``init_empty_weights`` puts every parameter on the ``meta`` device: exact shapes, no memory. That gives the
parameter counts and bytes per dtype that the cards' memory figures and the placement plan use.

>>> arch = RealArch.load("wan2.1-t2v-1.3b")
>>> sorted(arch.components)
['scheduler', 'text_encoder', 'transformer', 'vae']
>>> arch.components["transformer"].class_name, arch.components["transformer"].config["num_layers"]
('WanTransformer3DModel', 30)
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path

CONFIGS_DIR = Path(__file__).resolve().parents[2] / "model_configs"
DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2, "float8_e4m3fn": 1}
MODEL_LIBRARIES = ("diffusers", "transformers")  # components with weights; schedulers and tokenizers have none


@dataclass(frozen=True)
class ComponentConfig:
    """One pipeline component as its Hub ``config.json`` describes it."""

    name: str
    class_name: str
    library: str
    source: str
    config: dict

    @property
    def has_weights(self) -> bool:
        return not self.class_name.endswith("Scheduler")

    def component_class(self):
        module = importlib.import_module(self.library)
        cls = getattr(module, self.class_name, None)
        if cls is None:
            raise ValueError(f"`{self.class_name}` is not in {self.library} "
                             f"{getattr(module, '__version__', '')} (component {self.name!r})")
        return cls

    def instantiate(self, config: dict | None = None):
        """The component with fresh weights (call it inside ``init_empty_weights`` for a meta model)."""
        cls = self.component_class()
        config = self.config if config is None else config
        if self.library.startswith("transformers"):
            import transformers

            model_type = config.get("model_type")
            config_cls = transformers.AutoConfig.for_model(model_type).__class__ if model_type else cls.config_class
            return cls(config_cls(**{k: v for k, v in config.items() if k != "model_type"}))
        import inspect

        accepted = set(inspect.signature(cls.__init__).parameters)
        # keys a newer diffusers wrote that this one does not take (e.g. Wan 2.2 VAE's clip_output) stay in the
        # shipped JSON but are not passed on
        return cls.from_config({k: v for k, v in config.items() if k in accepted})


@dataclass(frozen=True)
class ComponentSize:
    name: str
    class_name: str
    params: int
    dtype: str  # the dtype the card loads it in

    def bytes(self, dtype: str | None = None) -> int:
        return self.params * DTYPE_BYTES[dtype or self.dtype]

    @property
    def gb(self) -> float:
        return self.bytes() / 1e9


@dataclass(frozen=True)
class RealArch:
    """A card's components (configs) and how its pipeline is assembled."""

    card: str
    pipeline_class: str
    components: dict[str, ComponentConfig]
    pipeline_kwargs: dict = field(default_factory=dict)  # e.g. Wan 2.2 TI2V's expand_timesteps
    tokenizer: str = ""

    @classmethod
    def available(cls, configs_dir: Path = CONFIGS_DIR) -> list[str]:
        return sorted(p.name for p in Path(configs_dir).iterdir() if (p / "pipeline.json").is_file())

    @classmethod
    def load(cls, card: str, configs_dir: Path = CONFIGS_DIR) -> RealArch:
        folder = Path(configs_dir) / card
        if not (folder / "pipeline.json").is_file():
            raise ValueError(f"`card` {card!r} has no shipped configs; cards with configs: "
                             f"{cls.available(configs_dir)}")
        pipeline = json.loads((folder / "pipeline.json").read_text())
        components = {}
        for path in sorted(folder.glob("*.json")):
            if path.stem == "pipeline":
                continue
            raw = json.loads(path.read_text())
            components[path.stem] = ComponentConfig(
                name=path.stem, class_name=raw.pop("_class_name"), library=raw.pop("_library"),
                source=raw.pop("_source"), config=raw)
        extra = {k: v for k, v in pipeline.items() if not k.startswith("_") and k != "tokenizer"}
        return cls(card, pipeline["_class_name"], components, extra, pipeline.get("tokenizer", ""))

    def sizes(self, dtype: str = "bfloat16") -> dict[str, ComponentSize]:
        """Parameter count of every weighted component, counted on the meta device."""
        return {name: ComponentSize(name, c.class_name, _count_params(self.card, name, c), _load_dtype(c, dtype))
                for name, c in self.components.items() if c.has_weights}

    def total_bytes(self, dtype: str = "bfloat16") -> int:
        return sum(s.bytes() for s in self.sizes(dtype).values())

    def empty_component(self, name: str):
        """One component on the meta device (for accelerate's ``infer_auto_device_map``)."""
        return empty_model(self.components[name])


def empty_model(component: ComponentConfig, config: dict | None = None):
    """``component`` on the meta device, its tied embeddings tied as ``from_pretrained`` ties them (outside
    ``init_empty_weights``, whose parameter hook would otherwise make the tied copy a separate tensor)."""
    from accelerate import init_empty_weights

    with init_empty_weights():
        model = component.instantiate(config)
    if hasattr(model, "tie_weights"):
        model.tie_weights()
    return model


def _load_dtype(component: ComponentConfig, dtype: str) -> str:
    """What a component is kept in when the card asks for ``dtype``: diffusers keeps Wan's VAE in float32
    (the model cards' pipelines pass ``vae=AutoencoderKLWan.from_pretrained(..., dtype=float32)``)."""
    return "float32" if component.class_name == "AutoencoderKLWan" else dtype


_PARAMS: dict[tuple[str, str], int] = {}  # (card, component) -> parameters; counting a 12B model takes seconds


def _count_params(card: str, name: str, component: ComponentConfig) -> int:
    if (card, name) not in _PARAMS:
        model = empty_model(component)
        _PARAMS[(card, name)] = sum(p.numel() for p in model.parameters())
    return _PARAMS[(card, name)]


SIZES_FILE = CONFIGS_DIR / "sizes.json"  # written by `python -m sandbox sizes --write`; the cards read it


def sizes_table(cards: list[str] | None = None) -> dict[str, dict]:
    """Per card: parameters and GB per component in the card's dtype, and the total — what ``sizes.json`` holds."""
    table = {}
    for card in cards or RealArch.available():
        sizes = RealArch.load(card).sizes()
        table[card] = {"components": {n: {"class": s.class_name, "params": s.params, "dtype": s.dtype,
                                          "gb": round(s.gb, 3)} for n, s in sizes.items()},
                       "total_gb": round(sum(s.gb for s in sizes.values()), 2)}
    return table


def memory_gb(card: str) -> float | None:
    """A card's weights in GB (bf16; Wan's VAE float32) from the generated table, or None if it has no configs.

    >>> memory_gb("wan2.1-t2v-1.3b") > 14
    True
    """
    if not SIZES_FILE.is_file():
        return None
    entry = json.loads(SIZES_FILE.read_text()).get(card)
    return float(entry["total_gb"]) if entry else None
