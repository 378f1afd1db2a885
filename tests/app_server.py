"""Start ``app.py`` as a real server process on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.pg_server import free_port

REPO = Path(__file__).resolve().parents[1]


class AppServer:
    def __init__(self, data_dir: Path, models_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = Path(data_dir) / "server.log"
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "SANDBOX_DATA_DIR": str(data_dir), "SANDBOX_MODELS_DIR": str(models_dir),
                    "SANDBOX_PORT": str(self.port), "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                    "PYTHONUNBUFFERED": "1", **env}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 900) -> AppServer:  # a loaded 2-core machine seeds the demo world slowly
        with open(self.log, "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app.py exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(self.url + "config", timeout=2)
                return self
            except urllib.error.HTTPError:  # an answer (e.g. 401 behind a login) means it is up
                return self
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"app.py did not answer on {self.url} within {timeout}s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
