"""README's API section is true: every endpoint it lists exists, and its gradio_client example runs as written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from gradio_client import Client

from tests.app_server import AppServer

README = Path(__file__).resolve().parents[2] / "README.md"


def api_section() -> str:
    text = README.read_text()
    return text[text.index("## API"):text.index("## Measured")]


def documented_endpoints() -> set[str]:
    rows = [line for line in api_section().splitlines() if line.startswith("| `/")]
    return {name for row in rows for name in re.findall(r"`(/[a-z_]+)`", row.split("|")[1])}


@pytest.fixture(scope="module")
def server(tmp_path_factory, models_dir):
    with AppServer(tmp_path_factory.mktemp("readme"), models_dir, SANDBOX_RATE_LIMIT="") as srv:
        yield srv


def test_every_documented_endpoint_exists_and_every_endpoint_is_documented(server):
    api = Client(server.url, verbose=False).view_api(return_format="dict", print_info=False)["named_endpoints"]
    documented = documented_endpoints()
    assert len(documented) >= 30
    assert documented <= set(api), f"documented but missing: {documented - set(api)}"
    assert set(api) <= documented, f"undocumented endpoints: {set(api) - documented}"


def test_the_readme_example_runs_as_written(server, tmp_path, clips, monkeypatch):
    code = re.search(r"```python\n(.*?)```", api_section(), re.S).group(1)
    code = code.replace('Client("http://127.0.0.1:7860/")', f'Client("{server.url}", verbose=False)')
    shutil.copyfile(clips["live"], tmp_path / "me.mp4")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["details"]["draft_id"] and namespace["tree"]["post"]["post_id"] == namespace["post"]["post_id"]


def test_the_readme_jobs_example_runs_as_written(server):
    """The second example: three jobs at once, one moved, all stopped — each ends done or cancelled, and the
    cancelled ones saved no draft."""
    import time

    code = re.findall(r"```python\n(.*?)```", api_section(), re.S)[1]
    client = Client(server.url, verbose=False)
    drafts_before = len(client.predict(user="ben", api_name="/my_drafts"))
    namespace: dict = {"client": client}
    exec(compile(code, "README.md", "exec"), namespace)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        jobs = client.predict(user="ben", api_name="/my_jobs")
        if all(j["state"] not in ("waiting", "running") for j in jobs):
            break
        time.sleep(0.5)
    runs = [j for j in jobs if j["prompt"] in ("a red circle moving right", "a blue square moving up",
                                               "a green star spinning")]
    assert len(runs) == 3 and {j["state"] for j in runs} <= {"done", "cancelled"}, runs
    assert any(j["state"] == "cancelled" for j in runs), "at least the waiting jobs were stopped"
    done = sum(j["state"] == "done" for j in runs)
    assert len(client.predict(user="ben", api_name="/my_drafts")) == drafts_before + done
