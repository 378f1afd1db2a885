import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from sandbox.errors import ModelUnavailable
from sandbox.generation.request import GenerationRequest, resolve_defaults
from sandbox.generation.service import run_pipeline
from sandbox.models.cards import ModelRegistry
from sandbox.models.loader import ModelLoader
from sandbox.models.placement import Hardware, PlacementConfig
from tests.conftest import CPU_ONLY, REPO


def _frames(loader: ModelLoader, seed: int = 7) -> np.ndarray:
    spec = loader.registry.get("tiny-wan-vace")
    req = resolve_defaults(GenerationRequest(prompt="a red circle moving right", seed=seed, num_frames=9,
                                             width=64, height=64, steps=3), spec)
    return run_pipeline(loader.load(spec), req)


def test_loaded_pipeline_is_cached(models_dir):
    loader = ModelLoader(ModelRegistry(), models_dir, hardware=CPU_ONLY)
    first = loader.load("tiny-wan-vace")
    assert loader.load("tiny-wan-vace") is first
    assert first.label == "tiny offline model · cpu"
    assert len(loader.loaded()) == 1


def test_disk_offload_gives_the_same_frames_as_plain_cpu(models_dir, tmp_path):
    plain = ModelLoader(ModelRegistry(), models_dir, hardware=CPU_ONLY)
    budget = PlacementConfig(max_memory={"cpu": 50_000}, offload_folder=tmp_path / "offload")
    offloaded = ModelLoader(ModelRegistry(), models_dir, budget, hardware=CPU_ONLY)
    assert offloaded.placement(offloaded.registry.get("tiny-wan-vace")).kind == "disk_offload"
    a, b = _frames(plain), _frames(offloaded)
    assert list((tmp_path / "offload").rglob("*.dat")), "weights really went to disk"
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_hub_model_without_gpu_is_unavailable_with_reason(models_dir):
    loader = ModelLoader(ModelRegistry(), models_dir, hardware=CPU_ONLY)
    spec = loader.registry.get("wan2.1-vace-1.3b")
    availability = loader.availability(spec)
    assert not availability.available
    with pytest.raises(ModelUnavailable):
        loader.load(spec)
    assert loader.default_model().embedded


def test_hub_model_not_cached_offline_names_the_fetch_command(models_dir):
    loader = ModelLoader(ModelRegistry(), models_dir, hardware=Hardware(gpu_memory=(80 * 2**30,)))
    reason = loader.availability(loader.registry.get("ltx-video")).reason
    assert "not in the local Hugging Face cache" in reason
    assert "`hf download Lightricks/LTX-Video`" in reason


HUB_SCRIPT = textwrap.dedent("""
    import sys, numpy as np
    from pathlib import Path
    from sandbox.models.cards import ModelRegistry
    from sandbox.models.loader import ModelLoader
    from sandbox.models.placement import Hardware, PlacementConfig
    from sandbox.generation.request import GenerationRequest, resolve_defaults
    from sandbox.generation.service import run_pipeline
    reg = ModelRegistry(Path(sys.argv[1]))
    loader = ModelLoader(reg, Path(sys.argv[2]), PlacementConfig(device_map="cpu"), hardware=Hardware())
    spec = reg.get("sandbox-test/tiny-wan-vace")
    assert loader.is_cached(spec), "snapshot in the HF cache"
    assert loader.availability(spec).available
    assert loader.default_model().id == spec.id, "a cached runnable Hub model is picked automatically"
    req = resolve_defaults(GenerationRequest(prompt="a red circle", seed=1, num_frames=9, width=64, height=64,
                                             steps=2), spec)
    frames = run_pipeline(loader.load(spec), req)
    print("OK", frames.shape)
""")


def test_hub_path_loads_a_cached_snapshot_offline(models_dir, tmp_path):
    """The real Hub code path (repo id → local cache → from_pretrained) on a snapshot laid out like the Hub's."""
    commit = "0" * 39 + "1"
    repo = tmp_path / "hub" / "models--sandbox-test--tiny-wan-vace"
    shutil.copytree(models_dir / "tiny-wan-vace", repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    cards = tmp_path / "cards"
    cards.mkdir()
    card = (REPO / "model_cards" / "tiny-wan-vace.md").read_text()
    card = (card.replace("repo_id: sandbox-local/tiny-wan-vace", "repo_id: sandbox-test/tiny-wan-vace")
                .replace("embedded: true", "embedded: false").replace("revision: local", "revision: main"))
    (cards / "hub-tiny.md").write_text(card)
    shutil.copy(REPO / "model_cards" / "tiny-wan-vace.md", cards)
    env = {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", HUB_SCRIPT, str(cards), str(models_dir)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "OK (9, 64, 64, 3)" in out.stdout
