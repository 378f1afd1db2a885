"""The model layer: Hub model cards, placement policy, loading with accelerate, the embedded tiny model."""

from sandbox.models.cards import ModelRegistry, ModelSpec
from sandbox.models.placement import Hardware, Placement, PlacementConfig, choose_placement

__all__ = ["Hardware", "ModelRegistry", "ModelSpec", "Placement", "PlacementConfig", "choose_placement"]
