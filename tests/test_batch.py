"""Batch generation: one process, resume, and two CPU processes under torchrun (gloo)."""

import os
import subprocess
import sys

import pandas as pd
import pytest

from sandbox.generation.video import probe
from tests.conftest import REPO

PROMPTS = "prompt,seed,num_frames,width,height,steps,sound\n" + "\n".join(  # silent: these test the processes
    f"{p},{i},5,32,32,1,0" for i, p in enumerate(["a red circle", "a fox", "a robot", "a star", "a cat", "a dog"]))


def _run(cmd: list[str], models_dir, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SANDBOX_MODELS_DIR": str(models_dir), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out


@pytest.fixture
def prompts(tmp_path):
    path = tmp_path / "prompts.csv"
    path.write_text(PROMPTS)
    return path


def test_one_process_then_resume(prompts, tmp_path, models_dir):
    out = tmp_path / "out"
    _run([sys.executable, "-m", "sandbox.batch", str(prompts), "--out", str(out)], models_dir, tmp_path)
    results = pd.read_csv(out / "results.csv")
    assert list(results["row"]) == list(range(6)) and set(results["process_index"]) == {0}
    assert probe(out / "row_00003.mp4")["codec"] == "h264"
    first_mtime = (out / "row_00000.mp4").stat().st_mtime_ns

    (out / "row_00004.mp4").unlink()  # lost
    (out / ".row_00005.mp4.tmp").write_bytes(b"half a video")  # a crash's leftover never counts as done
    (out / "row_00005.mp4").unlink()
    log = _run([sys.executable, "-m", "sandbox.batch", str(prompts), "--out", str(out)], models_dir, tmp_path)
    assert "(2 made now" in log.stdout
    assert (out / "row_00000.mp4").stat().st_mtime_ns == first_mtime, "done rows are skipped"
    assert len(pd.read_csv(out / "results.csv")) == 6
    assert probe(out / "row_00005.mp4")["frames"] == 5


def test_two_cpu_processes_under_torchrun(prompts, tmp_path, models_dir):
    out = tmp_path / "out"
    _run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "sandbox.batch",
          str(prompts), "--out", str(out)], models_dir, tmp_path)
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 6
    assert set(results["process_index"]) == {0, 1}, "both processes really made videos"
    for video in results["video"]:
        assert (out / video).stat().st_size > 0


def test_missing_prompt_column(tmp_path, models_dir):
    bad = tmp_path / "bad.csv"
    bad.write_text("text\nhello\n")
    env = {**os.environ, "SANDBOX_MODELS_DIR": str(models_dir)}
    out = subprocess.run([sys.executable, "-m", "sandbox.batch", str(bad), "--out", str(tmp_path / "o")], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "needs a `prompt` column" in out.stderr


def test_batch_rows_have_the_same_sound_as_generate(sb, tmp_path):
    """A row gets its card's sound by default (the micro sound model: red → red's pitch band), named in its
    credentials and results; ``sound`` 0 makes it silent; a bad ``sound`` cell is refused by name."""
    import numpy as np

    from sandbox.batch import generate_rows
    from sandbox.models.micro_audio.analysis import analyse_sound
    from sandbox.models.micro_audio.world import SAMPLE_RATE, pitch_hz
    from sandbox.sound.media import has_audio, read_audio

    prompts = pd.DataFrame({"prompt": ["a red circle moving right on a blue background", "a red circle"],
                            "seed": [3, 1], "num_frames": [9, 5], "steps": [1, 1], "width": [32, 32],
                            "height": [32, 32], "sound": ["", 0]})  # the sound does not need a good picture
    results = generate_rows([0, 1], prompts, tmp_path, sb, 0)
    assert [r["sound_model"] for r in results] == ["sandbox-local/micro-sound", ""]
    assert has_audio(tmp_path / "row_00000.mp4") and not has_audio(tmp_path / "row_00001.mp4")
    samples, rate = read_audio(tmp_path / "row_00000.mp4", rate=SAMPLE_RATE)
    assert abs(samples.shape[1] / rate - 9 / 8) <= 1 / 8
    hz = analyse_sound(samples).pitch_hz
    assert hz is not None and abs(12 * np.log2(hz / pitch_hz("red"))) < 2
    claims = sb.provenance.credentials.read(tmp_path / "row_00000.mp4").claims
    assert (claims["sound_model"], claims["sound"]) == ("sandbox-local/micro-sound", "generated")
    with pytest.raises(SystemExit, match="`sound` must be 1 or 0"):
        generate_rows([0], prompts.assign(sound="maybe"), tmp_path, sb, 0)
