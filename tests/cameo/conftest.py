"""Cameo test helpers (the `clips` and `upload` fixtures live in tests/conftest.py)."""

from __future__ import annotations


def make_cameo(sb, handle: str, upload, policy: str = "everyone", **settings) -> str:
    owner = sb.identity.actor(handle, None)
    created = sb.cameos.create(owner.id, upload("live"))
    assert created["status"] == "verified", created["report"]
    sb.cameos.settings(owner.id, policy=policy, **settings)
    return created["cameo_id"]
