"""Shared fixtures: a tiny model built once, a fresh sandbox per test, SQLite and PostgreSQL databases."""

from __future__ import annotations

import itertools
import os
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach the Hub
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
if os.environ.get("PYTEST_XDIST_WORKER"):  # one worker process per core: one math thread each, not one per core
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest

from sandbox.config import SandboxConfig
from sandbox.models.placement import Hardware

REPO = Path(__file__).resolve().parents[1]
CPU_ONLY = Hardware(gpu_memory=(), cpu_memory=24 * 2**30)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """The embedded model, built once per run through the same builder `make run` uses."""
    from sandbox.models.cards import ModelRegistry
    from sandbox.models.loader import ModelLoader

    path = tmp_path_factory.mktemp("models")
    ModelLoader(ModelRegistry(), path, hardware=CPU_ONLY).prepare_all_embedded()
    return path


@pytest.fixture
def config(tmp_path, models_dir) -> SandboxConfig:
    return SandboxConfig(data_dir=tmp_path / "data", models_dir=models_dir)


@pytest.fixture
def sb(config):
    from sandbox.context import Sandbox

    sandbox = Sandbox(config, hardware=CPU_ONLY)
    yield sandbox
    sandbox.close()


# ---------------------------------------------------------------- PostgreSQL
_pg_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server for the run: SANDBOX_TEST_PG_URL if set, else one started on loopback."""
    url = os.environ.get("SANDBOX_TEST_PG_URL")
    if url:
        yield url, None
        return
    from tests.pg_server import PostgresServer, pg_bin

    if pg_bin() is None:
        warnings.warn("PostgreSQL is not installed: PostgreSQL store tests are SKIPPED "
                      "(apt-get install postgresql, or set SANDBOX_TEST_PG_URL)", stacklevel=1)
        pytest.skip("PostgreSQL server not installed (apt-get install postgresql)")
    server = PostgresServer()
    url = server.start()
    yield url, server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """Every store test runs on SQLite (a file, WAL) and on a real PostgreSQL server (a fresh database)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url, server = request.getfixturevalue("pg_server")
    if server is None:
        return url
    return server.create_database(f"t{next(_pg_counter)}")


@pytest.fixture
def sb_any(tmp_path, models_dir, db_url):
    """A sandbox on SQLite and on PostgreSQL (the social and feed tests run on both)."""
    from sandbox.context import Sandbox

    sandbox = Sandbox(SandboxConfig(data_dir=tmp_path / "data", models_dir=models_dir, db_url=db_url),
                      hardware=CPU_ONLY)
    yield sandbox
    sandbox.close()


SMALL_VIDEO = {"num_frames": 5, "width": 32, "height": 32, "steps": 1}


def make_post(sb, handle: str, prompt: str = "a red circle", caption: str = "", **kwargs) -> str:
    """Generate a tiny draft as @handle and publish it; returns the post id."""
    from sandbox.generation import GenerationRequest

    user = sb.identity.actor(handle, None)
    draft = sb.generation.generate(user.id, GenerationRequest(prompt=prompt, seed=1, **SMALL_VIDEO))
    return sb.posts.publish(user.id, draft.draft_id, caption, **kwargs)["post_id"]


# ---------------------------------------------------------------- cameo clips
class _Clips(dict):
    """Cameo clips made on first use (a genuine one takes a few seconds), then shared by the whole run."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def __missing__(self, kind: str) -> Path:
        from sandbox.cameo.samples import (
            CHARACTER_KINDS,
            SAMPLE_CHALLENGE,
            Look,
            write_character_clip,
            write_clip,
            write_mp4,
        )
        from sandbox.generation.video import read_frames

        path = self.folder / f"{kind}.mp4"
        if kind == "short":  # a second of the genuine clip
            write_mp4(read_frames(self["live"])[:10], None, path)
        elif kind in CHARACTER_KINDS:
            write_character_clip(kind, path)
        elif kind == "mirrored_copy":  # the genuine clip's face, mirrored: a copy of someone else's cameo
            write_clip("genuine", SAMPLE_CHALLENGE, path, look=Look(edit="mirrored"))
        else:
            write_clip(LEGACY_KINDS.get(kind, kind), SAMPLE_CHALLENGE, path)
        self[kind] = path
        return path


LEGACY_KINDS = {"live": "genuine", "still": "still_photo", "two_faces": "two_people"}


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    """Cameo clips (sandbox.cameo.samples) answering ``SAMPLE_CHALLENGE``: ``live`` (genuine), ``still``,
    ``two_faces``, ``panned_photo``, ``no_face``, ``short``, and any kind of ``samples.KINDS``. Speaking the
    digits needs the ``flite`` synthesiser: without it every test that needs a clip is SKIPPED, loudly."""
    from sandbox.cameo.samples import flite_available

    if not flite_available():
        warnings.warn("flite is not installed: cameo tests that need a spoken clip are SKIPPED "
                      "(apt-get install flite, or make system-deps)", stacklevel=1)
        pytest.skip("flite speech synthesiser not installed (apt-get install flite)")
    return _Clips(tmp_path_factory.mktemp("clips"))


@pytest.fixture
def upload(clips, tmp_path):
    """``upload("live")``: a fresh copy of a sample clip, as Gradio hands over an upload (it gets consumed)."""
    import shutil

    def copy(kind: str) -> Path:
        dest = tmp_path / "uploads" / f"{kind}.mp4"
        dest.parent.mkdir(exist_ok=True)
        return Path(shutil.copyfile(clips[kind], dest))

    return copy


# ---------------------------------------------------------------- parallel runs (pytest-xdist)
def pytest_collection_modifyitems(config, items):
    """Under ``--dist loadgroup`` tests spread one by one over the workers, except a module that shares a module
    or class fixture (an app server, a browser, a Ray cluster): its tests stay together, so it is built once."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info is not None else ()
        if any(d.scope in ("module", "class", "package") for chain in defs for d in chain):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


# ---------------------------------------------------------------- reliability report
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Rows the test recorded for the printed tables ride in its report (to the xdist controller, if any)."""
    from tests.tables import PROPERTY, drain

    outcome = yield
    rows = drain()
    if rows:
        outcome.get_result().user_properties.append((PROPERTY, rows))


def pytest_runtest_logreport(report):
    from tests.cameo import attack_report
    from tests.reliability import report as reliability
    from tests.tables import PROPERTY

    merge = {"reliability": reliability.merge, "attacks": attack_report.merge}
    for name, rows in report.user_properties:
        if name == PROPERTY:
            for table, key, good, tried in rows:
                merge[table](tuple(key) if isinstance(key, list) else key, good, tried)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from tests.cameo import attack_report
    from tests.reliability.report import table

    for title, text, name in (("reliability: what was tried and survived", table(), "reliability.md"),
                              ("cameo attacks: clips tried and refused", attack_report.table(), "attacks.md")):
        if text:
            terminalreporter.write_sep("=", title)
            terminalreporter.write_line(text)
            out = REPO / "test-artifacts"
            out.mkdir(exist_ok=True)
            (out / name).write_text(text + "\n")
