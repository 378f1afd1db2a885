"""Context parallelism (SANDBOX_PARALLEL) on 2 CPU processes under torchrun (gloo) against one process."""

import os
import subprocess
import sys

import numpy as np
import pytest

from sandbox.models.parallel import ParallelConfig
from sandbox.models.twins import build
from tests.conftest import REPO

WORKER = REPO / "tests" / "models" / "parallel_worker.py"


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(float) - b.astype(float)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    path = tmp_path_factory.mktemp("cp-twins")
    build("wan2.1-t2v-1.3b", path / "wan2.1-t2v-1.3b")
    return path


def run(card: str, twins, out, parallel: str | None):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    env.pop("SANDBOX_PARALLEL", None)
    if parallel:
        env["SANDBOX_PARALLEL"] = parallel
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", str(WORKER)]
    else:
        cmd = [sys.executable, str(WORKER)]
    subprocess.run([*cmd, card, str(twins), str(out)], env=env, cwd=REPO, timeout=240, capture_output=True)
    error = out.with_suffix(".error")
    return (np.load(out) if out.exists() else None), (error.read_text() if error.exists() else "")


def test_ulysses_on_two_cpu_processes_gives_the_frames_of_one(twins, tmp_path):
    one, err = run("wan2.1-t2v-1.3b", twins, tmp_path / "one.npy", None)
    two, err2 = run("wan2.1-t2v-1.3b", twins, tmp_path / "two.npy", "ulysses:2")
    assert one is not None and two is not None, (err, err2)
    assert psnr(one, two) >= 40


def test_ring_on_cpu_says_exactly_why_it_cannot_run(twins, tmp_path):
    frames, error = run("wan2.1-t2v-1.3b", twins, tmp_path / "ring.npy", "ring:2")
    assert frames is None
    assert "Native attention does not support return_lse=True" in error


def test_bad_parallel_settings_are_named():
    with pytest.raises(ValueError, match="`SANDBOX_PARALLEL` kind must be one of"):
        ParallelConfig.parse("stripes:2")
    with pytest.raises(ValueError, match="degree must be at least 2"):
        ParallelConfig.parse("ulysses:1")
