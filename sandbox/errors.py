"""Errors that are meant to be shown to the person who caused them.

Domain code raises these with a message that says what to change; the UI layer turns them
into ``gr.Error`` so the browser and ``gradio_client`` show the same text.
"""


class SandboxError(ValueError):
    """A request the sandbox refuses, with a message that says what to change."""


class PermissionDenied(SandboxError):
    """The acting user may not do this (consent, identity or ownership)."""


class NotFound(SandboxError):
    """The referenced user, draft, post or model does not exist (or is not visible to the actor)."""


class ModelUnavailable(SandboxError):
    """The model exists in model_cards/ but cannot be loaded here (not downloaded, offline, too big)."""


class GenerationCancelled(SandboxError):
    """The person pressed Cancel: the pipeline stopped between denoising steps and nothing was saved."""
