"""`make space-check`: is this repo a working Hugging Face Space?

1. README front matter: every field a Space needs, sdk_version equal to the gradio pin, models equal to the
   Hub repo ids in model_cards/ (video cards and sound cards in model_cards/sound/), colours and hardware
   from the allowed values.
2. app.py starts in a fresh virtualenv that has only requirements.txt installed (no dev tools), and answers.

Usage: python scripts/space_check.py [--front-matter-only]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
COLORS = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
HARDWARE = {"cpu-basic", "cpu-upgrade", "t4-small", "t4-medium", "l4x1", "l4x4", "a10g-small", "a10g-large",
            "a10g-largex2", "a10g-largex4", "a100-large", "l40sx1", "l40sx4", "l40sx8", "h100", "h100x8", "zero-a10g"}


def front_matter() -> dict:
    text = (REPO / "README.md").read_text()
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    if not match:
        raise SystemExit("README.md has no YAML front matter")
    return yaml.safe_load(match.group(1))


def hub_models() -> set[str]:
    """The Hub repo ids the app can use: every video card's and every sound card's that is not embedded."""
    sys.path.insert(0, str(REPO))
    from sandbox.models.cards import ModelRegistry
    from sandbox.sound.cards import SoundRegistry

    return ({s.repo_id for s in ModelRegistry() if not s.embedded}
            | {s.repo_id for s in SoundRegistry().specs.values() if not s.embedded})


def check_front_matter(meta: dict | None = None) -> list[str]:
    """What is wrong with the README's front matter (or ``meta``) as a Space configuration; [] when nothing."""
    meta = front_matter() if meta is None else meta
    problems = [f"`{k}` is missing" for k in ("title", "emoji", "colorFrom", "colorTo", "sdk", "sdk_version",
                                               "app_file", "models", "suggested_hardware", "python_version")
                if k not in meta]
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)", (REPO / "requirements.txt").read_text(), re.M))
    if meta.get("sdk") != "gradio":
        problems.append(f"`sdk` must be gradio but is {meta.get('sdk')!r}")
    if str(meta.get("sdk_version")) != pins.get("gradio"):
        problems.append(f"`sdk_version` {meta.get('sdk_version')} differs from requirements.txt "
                        f"gradio=={pins.get('gradio')}")
    if not (REPO / str(meta.get("app_file", ""))).is_file():
        problems.append(f"`app_file` {meta.get('app_file')!r} does not exist")
    for key in ("colorFrom", "colorTo"):
        if meta.get(key) not in COLORS:
            problems.append(f"`{key}` must be one of {sorted(COLORS)} but is {meta.get(key)!r}")
    if meta.get("suggested_hardware") not in HARDWARE:
        problems.append(f"`suggested_hardware` {meta.get('suggested_hardware')!r} is not a Space hardware name")
    hub, listed = hub_models(), set(meta.get("models") or [])
    if listed != hub:
        problems.append(f"`models` differ from the video and sound cards in model_cards/: missing "
                        f"{sorted(hub - listed)}, not a card {sorted(listed - hub)}")
    return problems


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_start(timeout: float = 240) -> list[str]:
    """Fresh venv, `pip install -r requirements.txt` only, then `python app.py` must answer."""
    venv = Path(tempfile.mkdtemp(prefix="space-venv-"))
    data = Path(tempfile.mkdtemp(prefix="space-data-"))
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r", str(REPO / "requirements.txt")]
        if subprocess.run(pip).returncode:
            return ["pip install -r requirements.txt failed"]
        port = free_port()
        env = {**os.environ, "SANDBOX_DATA_DIR": str(data), "SANDBOX_PORT": str(port), "HF_HUB_OFFLINE": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONPATH": ""}
        proc = subprocess.Popen([str(venv / "bin" / "python"), "app.py"], cwd=REPO, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    return [f"app.py exited with {proc.returncode}:\n{proc.stdout.read()[-2000:]}"]
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2)
                    return []
                except OSError:
                    time.sleep(1)
            return [f"app.py did not answer within {timeout:.0f} s"]
        finally:
            proc.terminate()
            proc.wait(20)
    finally:
        shutil.rmtree(venv, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--front-matter-only", action="store_true")
    args = parser.parse_args()
    problems = check_front_matter()
    print("front matter:", "ok" if not problems else "\n  - " + "\n  - ".join(problems))
    if not args.front_matter_only and not problems:
        t0 = time.monotonic()
        started = check_start()
        print(f"app.py with only requirements.txt: {'starts and answers' if not started else started[0]} "
              f"({time.monotonic() - t0:.0f} s incl. install)")
        problems += started
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
