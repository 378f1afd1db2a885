"""Model cards: one Markdown file per model in ``model_cards/``, YAML front matter under ``sandbox:``.

Cards are read with ``huggingface_hub.ModelCard``, so they are the same files a Hub repo would carry.
Everything model-specific (pipeline class, frame and size rules, defaults) lives in the card, not in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from huggingface_hub import ModelCard

from sandbox.errors import NotFound

CARDS_DIR = Path(__file__).resolve().parents[2] / "model_cards"
TASKS = ("t2v", "r2v", "v2v")
ASPECTS = {"portrait 9:16": (9, 16), "landscape 16:9": (16, 9), "square 1:1": (1, 1)}


def aspect_of(width: int, height: int) -> str:
    """The aspect name closest to a frame's shape.

    >>> aspect_of(112, 64), aspect_of(64, 64)
    ('landscape 16:9', 'square 1:1')
    """
    return min(ASPECTS, key=lambda name: abs(ASPECTS[name][0] / ASPECTS[name][1] - width / height))


@dataclass(frozen=True)
class FrameRule:
    """Valid frame counts are ``offset + k * multiple_of`` within [min, max] (Wan: 4k+1, LTX: 8k+1)."""

    min: int
    max: int
    multiple_of: int = 4
    offset: int = 1
    default: int = 17

    def check(self, n: int) -> str | None:
        if not self.min <= n <= self.max or (n - self.offset) % self.multiple_of:
            return (f"`num_frames` must be between {self.min} and {self.max} and of the form "
                    f"{self.multiple_of}k+{self.offset} (e.g. {self.nearest(n)}) but is {n}")
        return None

    def nearest(self, n: int) -> int:
        k = round((n - self.offset) / self.multiple_of)
        return min(max(self.offset + k * self.multiple_of, self.min), self.max)

    def choices(self) -> list[int]:
        start = self.nearest(self.min)
        start += self.multiple_of if start < self.min else 0
        return list(range(start, self.max + 1, self.multiple_of))


@dataclass(frozen=True)
class SizeRule:
    min: int
    max: int
    multiple_of: int = 16

    def check(self, width: int, height: int) -> str | None:
        if width % self.multiple_of or height % self.multiple_of:
            return (f"`height` and `width` have to be divisible by {self.multiple_of} "
                    f"but are {height} and {width}")
        for name, v in (("width", width), ("height", height)):
            if not self.min <= v <= self.max:
                return f"`{name}` must be between {self.min} and {self.max} but is {v}"
        return None

    def for_aspect(self, short_side: int, aspect: str) -> tuple[int, int]:
        """(width, height) for a short side and an aspect name, rounded to ``multiple_of``."""
        if aspect not in ASPECTS:
            raise NotFound(f"`aspect` must be one of {list(ASPECTS)} but is {aspect!r}")
        aw, ah = ASPECTS[aspect]
        long_side = short_side * max(aw, ah) / min(aw, ah)

        def snap(v: float) -> int:
            return int(min(max(round(v / self.multiple_of) * self.multiple_of, self.min), self.max))

        return (snap(short_side), snap(long_side)) if ah > aw else (snap(long_side), snap(short_side))


@dataclass(frozen=True)
class ModelSpec:
    """What the sandbox knows about one model, read from its card."""

    id: str
    label: str
    repo_id: str
    revision: str
    pipeline_class: str
    tasks: tuple[str, ...]
    torch_dtype: str
    fps: int
    frames: FrameRule
    size: SizeRule
    resolutions: dict[str, int]
    default_resolution: str
    trained_resolutions: tuple[str, ...]  # the sizes it learned; the others are offered as experimental
    trained_frames: tuple[int, int]  # the frame counts it learned (inclusive range); others are experimental
    examples: tuple[str, ...]  # prompts it can draw, offered in the Create tab
    steps: int
    guidance: float
    memory_gb: float
    license: str
    description: str
    embedded: bool = False
    builder: str | None = None  # embedded, built here from code (the tiny plumbing model)
    shipped: str | None = None  # embedded, weights committed in the repo at this path (the micro model)
    default: bool = False  # the embedded model the app starts on
    default_aspect: str = "landscape 16:9"
    notice: str = ""
    presets: dict[str, dict] = field(default_factory=dict)
    speed: dict = field(default_factory=dict)  # default speed options (sandbox.models.speed.SpeedConfig)
    sound: str = ""  # its sound source: "joint" (the pipeline returns sound), a sound card id, or "" (silent)

    def __post_init__(self) -> None:
        unknown = set(self.tasks) - set(TASKS)
        if unknown:
            raise ValueError(f"model card {self.id!r}: `tasks` may only contain {TASKS} but has {sorted(unknown)}")
        if self.default_resolution not in self.resolutions:
            raise ValueError(f"model card {self.id!r}: `default_resolution` {self.default_resolution!r} "
                             f"is not one of `resolutions` {list(self.resolutions)}")
        if self.default_aspect not in ASPECTS:
            raise ValueError(f"model card {self.id!r}: `default_aspect` must be one of {list(ASPECTS)} "
                             f"but is {self.default_aspect!r}")
        if self.frames.check(self.frames.default):
            raise ValueError(f"model card {self.id!r}: {self.frames.check(self.frames.default)}")
        if not self.trained_resolutions or not set(self.trained_resolutions) <= set(self.resolutions):
            raise ValueError(f"model card {self.id!r}: `trained.resolutions` must be some of `resolutions` "
                             f"{list(self.resolutions)} but is {list(self.trained_resolutions)}")
        low, high = (*self.trained_frames, None, None)[:2]
        if high is None or len(self.trained_frames) != 2 or not self.frames.min <= low <= high <= self.frames.max:
            raise ValueError(f"model card {self.id!r}: `trained.frames` must be [low, high] within the frame rule "
                             f"[{self.frames.min}, {self.frames.max}] but is {list(self.trained_frames)}")
        if not self.examples:
            raise ValueError(f"model card {self.id!r}: `examples` is empty: list prompts this model can draw")

    def resolution_choices(self) -> list[tuple[str, str]]:
        """(label, value) per resolution; sizes the model was not trained for say so.

        >>> ModelRegistry().get("micro-wan-vace").resolution_choices()[-1]
        ('64p · experimental', '64p')
        """
        return [(r if r in self.trained_resolutions else f"{r} · experimental", r) for r in self.resolutions]

    def frames_note(self) -> str:
        """"trained for 9 frames; other counts are experimental" — said next to the frame slider."""
        low, high = self.trained_frames
        trained = f"{low}" if low == high else f"{low}–{high}"
        every = [n for n in self.frames.choices() if not low <= n <= high]
        return f"trained for {trained} frames" + ("; other counts are experimental" if every else "")

    @property
    def display_name(self) -> str:
        return f"{self.label} — {self.notice}" if self.notice else self.label

    @classmethod
    def from_card(cls, path: Path) -> ModelSpec:
        card = ModelCard.load(path)
        meta = card.data.to_dict()
        s = meta.get("sandbox")
        if not isinstance(s, dict):
            raise ValueError(f"model card {path.name}: front matter has no `sandbox:` section")
        try:
            return cls(
                id=path.stem, label=s["label"], repo_id=s["repo_id"], revision=str(s.get("revision", "main")),
                pipeline_class=s["pipeline_class"], tasks=tuple(s["tasks"]),
                torch_dtype=s.get("torch_dtype", "bfloat16"), fps=int(s["fps"]),
                frames=FrameRule(**s["frames"]), size=SizeRule(**s["size"]),
                resolutions={str(k): int(v) for k, v in s["resolutions"].items()},
                default_resolution=str(s["default_resolution"]),
                trained_resolutions=tuple(str(r) for r in s["trained"]["resolutions"]),
                trained_frames=tuple(int(n) for n in s["trained"]["frames"]),
                examples=tuple(str(e) for e in s["examples"]), steps=int(s["steps"]),
                guidance=float(s["guidance"]), memory_gb=_memory_gb(path.stem, s),
                license=str(meta.get("license", "unknown")), description=card.text.strip(),
                embedded=bool(s.get("embedded", False)), builder=s.get("builder"), shipped=s.get("shipped"),
                default=bool(s.get("default", False)), default_aspect=s.get("default_aspect", "landscape 16:9"),
                notice=s.get("notice", ""), presets=dict(s.get("presets") or {}), speed=dict(s.get("speed") or {}),
                sound=str(s.get("sound") or ""),
            )
        except KeyError as exc:
            raise ValueError(f"model card {path.name}: `sandbox.{exc.args[0]}` is missing") from exc


def card_kind(path: Path) -> str:
    """``pipeline`` (a video model this registry serves; the default) or another kind, e.g. ``analysis`` for
    the face models the cameo check uses (model_cards/dlib-face.md), which the registry skips."""
    s = ModelCard.load(path).data.to_dict().get("sandbox")
    return str(s.get("kind", "pipeline")) if isinstance(s, dict) else "pipeline"


def card_paths(cards_dir: Path = CARDS_DIR) -> list[Path]:
    """Every pipeline model card in a folder: each ``*.md`` but the folder's README (how to add a model) and
    cards of another ``sandbox.kind`` (the cameo check's face models)."""
    return sorted(p for p in Path(cards_dir).glob("*.md") if p.name != "README.md" and card_kind(p) == "pipeline")


def _memory_gb(card_id: str, section: dict) -> float:
    """The card's own figure (embedded models), else the weights counted from its shipped configs
    (``model_configs/sizes.json``, made by ``python -m sandbox sizes --write``): one home for each number."""
    if "memory_gb" in section:
        return float(section["memory_gb"])
    from sandbox.models.arch import memory_gb

    counted = memory_gb(card_id)
    if counted is None:
        raise KeyError("memory_gb")
    return counted


class ModelRegistry:
    """All model cards in a folder.

    >>> reg = ModelRegistry()
    >>> reg.get("tiny-wan-vace").pipeline_class
    'WanVACEPipeline'
    """

    def __init__(self, cards_dir: Path = CARDS_DIR) -> None:
        self.cards_dir = Path(cards_dir)
        self.specs: dict[str, ModelSpec] = {
            s.id: s for s in sorted((ModelSpec.from_card(p) for p in card_paths(self.cards_dir)),
                                   key=lambda s: (not s.embedded, not s.default, s.id))
        }
        if not self.specs:
            raise ValueError(f"no model cards found in {self.cards_dir}")

    def get(self, model_id: str) -> ModelSpec:
        spec = self.specs.get(model_id)
        if spec is None:  # also accept the Hub repo id
            spec = next((s for s in self.specs.values() if s.repo_id == model_id), None)
        if spec is None:
            raise NotFound(f"`model` must be one of {list(self.specs)} but is {model_id!r}")
        return spec

    @property
    def embedded(self) -> ModelSpec:
        """The embedded default (``default: true`` in its card), else the first embedded model."""
        return next(s for s in self.specs.values() if s.embedded)

    def get_embedded(self) -> list[ModelSpec]:
        return [s for s in self.specs.values() if s.embedded]

    def __iter__(self):
        return iter(self.specs.values())
