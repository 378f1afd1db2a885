"""Cameo clips made once per run (sandbox.cameo.samples), copied per test because uploads are consumed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sandbox.cameo.samples import KINDS, write_sample_clip


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    made = {kind: write_sample_clip(kind, folder / f"{kind}.mp4") for kind in KINDS}
    made["short"] = write_sample_clip("live", folder / "short.mp4", seconds=1.0)
    return made


@pytest.fixture
def upload(clips, tmp_path):
    """``upload("live")``: a fresh copy of a sample clip, as Gradio would hand over an upload."""

    def copy(kind: str) -> Path:
        dest = tmp_path / "uploads" / f"{kind}.mp4"
        dest.parent.mkdir(exist_ok=True)
        return Path(shutil.copyfile(clips[kind], dest))

    return copy


def make_cameo(sb, handle: str, upload, policy: str = "everyone", **settings) -> str:
    owner = sb.identity.actor(handle, None)
    created = sb.cameos.create(owner.id, upload("live"))
    assert created["status"] == "verified", created["report"]
    sb.cameos.settings(owner.id, policy=policy, **settings)
    return created["cameo_id"]
