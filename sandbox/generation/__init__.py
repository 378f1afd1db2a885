"""Prompt → pipeline → frames → H.264 MP4 → draft."""

from sandbox.generation.request import GenerationRequest, check_inputs
from sandbox.generation.service import GenerationResult, GenerationService

__all__ = ["GenerationRequest", "GenerationResult", "GenerationService", "check_inputs"]
