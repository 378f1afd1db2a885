"""Cameo test helpers (the `clips` and `upload` fixtures live in tests/conftest.py)."""

from __future__ import annotations

from sandbox.cameo.samples import SAMPLE_CHALLENGE


def create_cameo(sb, owner_id: str, clip, **kwargs) -> dict:
    """Ask the server for a challenge and answer it with a pre-made clip: the service is told to issue
    ``SAMPLE_CHALLENGE`` (the one the `clips` fixture's clips answer) instead of a random one."""
    sb.cameos.challenge_source = lambda: SAMPLE_CHALLENGE
    issued = sb.cameos.issue_challenge(owner_id)
    return sb.cameos.create(owner_id, clip, issued["challenge_id"], **kwargs)


def make_cameo(sb, handle: str, upload, policy: str = "everyone", **settings) -> str:
    owner = sb.identity.actor(handle, None)
    created = create_cameo(sb, owner.id, upload("live"))
    assert created["status"] == "verified", created["report"]
    sb.cameos.settings(owner.id, policy=policy, **settings)
    return created["cameo_id"]


def make_character(sb, handle: str, name: str, clip, policy: str = "everyone", **settings) -> str:
    owner = sb.identity.actor(handle, None)
    created = sb.cameos.create_character(owner.id, name, clip)
    assert created["status"] == "verified", created["report"]
    sb.cameos.settings(owner.id, policy=policy, cameo=name, **settings)
    return created["cameo_id"]
