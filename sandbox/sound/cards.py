"""Sound cards: one Markdown file per text-to-audio model in ``model_cards/sound/``, front matter under
``sandbox:`` like the video cards. A video card names its sound source with ``sound:`` — ``joint`` (the
pipeline returns sound with the picture, LTX-2), a sound card id, or nothing (silent).

>>> SoundRegistry().get("micro-sound").pipeline_class
'StableAudioPipeline'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import ModelCard

from sandbox.errors import NotFound
from sandbox.models.cards import CARDS_DIR

SOUND_CARDS_DIR = CARDS_DIR / "sound"
JOINT = "joint"  # a video card's `sound: joint`: its pipeline returns the sound itself


@dataclass(frozen=True)
class SoundSpec:
    id: str
    label: str
    repo_id: str
    revision: str
    pipeline_class: str
    steps: int
    guidance: float
    license: str
    embedded: bool = False
    shipped: str | None = None  # weights committed in the repo at this path (the micro sound model)
    twin: str | None = None  # offline stand-in: a module whose ``build(target)`` makes a tiny random twin

    def __post_init__(self) -> None:
        if not 1 <= self.steps <= 200:
            raise ValueError(f"sound card {self.id!r}: `steps` must be between 1 and 200 but is {self.steps}")

    @classmethod
    def from_card(cls, path: Path) -> SoundSpec:
        card = ModelCard.load(path)
        meta = card.data.to_dict()
        s = meta.get("sandbox")
        if not isinstance(s, dict):
            raise ValueError(f"sound card {path.name}: front matter has no `sandbox:` section")
        try:
            return cls(id=path.stem, label=s["label"], repo_id=s["repo_id"], revision=str(s.get("revision", "main")),
                       pipeline_class=s["pipeline_class"], steps=int(s["steps"]), guidance=float(s["guidance"]),
                       license=str(meta.get("license", "unknown")), embedded=bool(s.get("embedded", False)),
                       shipped=s.get("shipped"), twin=s.get("twin"))
        except KeyError as exc:
            raise ValueError(f"sound card {path.name}: `sandbox.{exc.args[0]}` is missing") from exc


class SoundRegistry:
    def __init__(self, cards_dir: Path = SOUND_CARDS_DIR) -> None:
        self.specs = {s.id: s for s in (SoundSpec.from_card(p) for p in sorted(Path(cards_dir).glob("*.md")))}

    def get(self, sound_id: str) -> SoundSpec:
        spec = self.specs.get(sound_id) or next((s for s in self.specs.values() if s.repo_id == sound_id), None)
        if spec is None:
            raise NotFound(f"sound model must be one of {list(self.specs)} but is {sound_id!r}")
        return spec
