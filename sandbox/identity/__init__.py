"""Who is acting: seeded personas for local demos, password users, or Hugging Face accounts."""

from sandbox.identity.auth import IdentityService, resolve_actor
from sandbox.identity.personas import PERSONAS

__all__ = ["PERSONAS", "IdentityService", "resolve_actor"]
