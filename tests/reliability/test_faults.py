"""Faults: a kill mid-generation, a full disk, an unwritable media folder, a corrupt database, a broken model.
Each is injected for real; afterwards nothing is lost or half-written, and the error says what to do."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gradio_client import Client
from sqlalchemy import select

from sandbox.errors import SandboxError
from sandbox.generation import GenerationRequest
from sandbox.store.db import Database
from sandbox.store.schema import Draft
from tests.app_server import REPO, AppServer
from tests.conftest import SMALL_VIDEO
from tests.reliability.report import record

SLOW = {"prompt": "a slow one", "num_frames": 33, "width": 128, "height": 128, "steps": 40, "seed": 5,
        "model": "tiny-wan-vace"}  # the bigger embedded model: a generation long enough to kill in the middle


def rows_point_to_files(data: Path) -> tuple[int, int]:
    db = Database(f"sqlite:///{data / 'sandbox.db'}")
    with db.session() as s:
        shas = list(s.scalars(select(Draft.media_sha256)))
    db.dispose()
    return sum((data / "media" / sha[:2] / f"{sha}.mp4").is_file() for sha in shas), len(shas)


def test_sigkill_mid_generation_then_restart(tmp_path, models_dir):
    data = tmp_path / "data"
    srv = AppServer(data, models_dir, SANDBOX_RATE_LIMIT="", SANDBOX_DEMO_POSTS="0").start()  # no demo posts to make
    try:
        client = Client(srv.url, verbose=False)
        client.predict(user="ana", prompt="before the crash", num_frames=5, width=32, height=32, steps=1,
                       api_name="/generate")
        job = client.submit(user="ana", api_name="/generate", **SLOW)
        deadline = time.monotonic() + 60
        while job.status().code.name != "PROCESSING" and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # inside the denoising loop
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait(10)
    finally:
        srv.stop()
    with AppServer(data, models_dir, SANDBOX_RATE_LIMIT="", SANDBOX_DEMO_POSTS="0") as again:
        db = Database(f"sqlite:///{data / 'sandbox.db'}")
        integrity = db.integrity_check()
        db.dispose()
        leftovers = [p for p in (data / "media").rglob("*") if p.name.startswith(".tmp-")]
        ok, total = rows_point_to_files(data)
        _, details = Client(again.url, verbose=False).predict(user="ana", api_name="/generate",
                                                              **{**SLOW, "steps": 2, "num_frames": 9})
        checks = [integrity == "ok", not leftovers, ok == total, bool(details["draft_id"])]
    record("faults", "SIGKILL mid-generation → restart: integrity, no temp files, rows→files, retry", sum(checks),
           len(checks))
    assert integrity == "ok" and not leftovers and ok == total and details["draft_id"]


def test_full_disk_is_a_clear_error_and_leaves_nothing(sb):
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs to fill needs root")
    media = sb.media.root
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", str(media)]).returncode:
        pytest.skip("cannot mount tmpfs here")
    try:
        ana = sb.identity.actor("ana", None)
        with pytest.raises(SandboxError, match=r"could not write to the media folder.*No space left"):
            sb.generation.generate(ana.id, GenerationRequest(prompt="too big", seed=1, num_frames=17, width=128,
                                                             height=128, steps=1, model="tiny-wan-vace"))
        with sb.db.session() as s:
            assert s.scalar(select(Draft)) is None
        assert list(media.iterdir()) == [], "no half-written file"
    finally:
        subprocess.run(["umount", str(media)])
    assert sb.generation.generate(ana.id, GenerationRequest(prompt="space again", seed=1, **SMALL_VIDEO)).draft_id
    record("faults", "full disk: clear error, no row, no file, works after", 1, 1)


def test_unwritable_media_folder_is_a_clear_error(sb):
    ana = sb.identity.actor("ana", None)
    media = sb.media.root
    shutil.rmtree(media)
    media.write_text("not a folder")  # even root cannot write into a file
    try:
        with pytest.raises(SandboxError, match="could not write to the media folder"):
            sb.generation.generate(ana.id, GenerationRequest(prompt="x", seed=1, **SMALL_VIDEO))
        assert sb.media.writable() is not None
    finally:
        media.unlink()
        media.mkdir()
    assert sb.media.writable() is None
    record("faults", "unwritable media folder: clear error, doctor says so", 1, 1)


def test_corrupt_database_is_said_at_start(tmp_path, models_dir):
    data = tmp_path / "data"
    data.mkdir()
    (data / "sandbox.db").write_bytes(b"this is not a database" * 100)
    env = {**os.environ, "SANDBOX_DATA_DIR": str(data), "SANDBOX_MODELS_DIR": str(models_dir), "HF_HUB_OFFLINE": "1"}
    doctor = subprocess.run([sys.executable, "-m", "sandbox", "doctor"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120)
    app = subprocess.run([sys.executable, "app.py"], cwd=REPO, env={**env, "SANDBOX_PORT": "1"}, capture_output=True,
                         text=True, timeout=120)
    said = "cannot be opened" in doctor.stdout and "cannot be opened" in app.stderr
    record("faults", "corrupt database: doctor and app start say so", int(said and doctor.returncode == 1
                                                                          and app.returncode != 0), 1)
    assert doctor.returncode == 1 and "file is not a database" in doctor.stdout
    assert app.returncode != 0 and "cannot be opened" in app.stderr


def test_a_model_that_fails_to_load_is_a_clear_error(sb, tmp_path):
    spec = sb.loader.default_model()
    broken = tmp_path / "broken"
    shutil.copytree(sb.loader.local_path(spec), broken)
    for weights in broken.rglob("*.safetensors"):
        weights.write_bytes(b"\0" * 64)
    sb.loader.local_path = lambda s: broken  # point the real loader at the damaged copy
    sb.loader._cache.clear()
    ana = sb.identity.actor("ana", None)
    with pytest.raises(SandboxError, match="could not load"):
        sb.generation.generate(ana.id, GenerationRequest(prompt="x", seed=1, **SMALL_VIDEO))
    assert sb.media.all_files() == []
    record("faults", "damaged model weights: clear error on the request", 1, 1)
