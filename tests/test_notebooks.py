"""Every walkthrough in notebooks/ runs top to bottom on the embedded model (nbclient, a real kernel)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, models_dir, monkeypatch):
    monkeypatch.setenv("SANDBOX_MODELS_DIR", str(models_dir))
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit notebooks without outputs"
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


def test_there_is_a_walkthrough_per_built_component():
    names = {p.stem.split("_", 1)[1] for p in NOTEBOOKS}
    assert {"models_and_sharding", "prompt_to_video", "cameo", "remix", "feed_ranking", "provenance",
            "micro_model"} <= names
