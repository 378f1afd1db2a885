"""Generation served by a Ray cluster (SANDBOX_WORKERS): one local cluster with 2 CPU workers for the module.

It serves /generate to 6 concurrent clients (every request answered, each draft saved once); a worker killed
mid-job loses nothing (the job is retried on the other, the killed one comes back and serves again); Cancel
reaches the worker and stops it between steps; a full cluster answers "busy, N jobs ahead"; an unreachable
address stops the start with a message naming SANDBOX_WORKERS.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from sandbox.config import SandboxConfig
from sandbox.errors import GenerationCancelled, SandboxError
from sandbox.generation import GenerationRequest
from sandbox.generation.service import cancellable
from tests.conftest import CPU_ONLY
from tests.pg_server import free_port

SMALL = {"num_frames": 5, "width": 32, "height": 32}


# ---------------------------------------------------------------- no cluster needed
def test_an_unreachable_cluster_stops_the_start_naming_sandbox_workers(tmp_path, models_dir):
    from sandbox.context import Sandbox

    address = f"ray://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(SandboxError, match=r"`SANDBOX_WORKERS` is 'ray://127\.0\.0\.1:\d+' but nothing answers"):
        Sandbox(SandboxConfig(data_dir=tmp_path, models_dir=models_dir, workers=address), hardware=CPU_ONLY)
    assert time.monotonic() - started < 10, "a short connect timeout, not Ray's half-minute of retries"


@pytest.mark.parametrize("value", ["ray:/head:10001", "head", "ray://head:99999", "remote"])
def test_a_malformed_workers_value_names_the_variable(value):
    with pytest.raises(ValueError, match="`SANDBOX_WORKERS` must be `local`, `auto` or a Ray cluster address"):
        SandboxConfig.from_env({"SANDBOX_WORKERS": value})


def test_workers_settings_are_read_from_the_environment():
    config = SandboxConfig.from_env({"SANDBOX_WORKERS": "ray://head:10001", "SANDBOX_RAY_WORKERS": "4",
                                     "SANDBOX_WAITING_MAX": "0"})
    assert (config.workers, config.ray_workers, config.waiting_max) == ("ray://head:10001", 4, 0)
    assert SandboxConfig().workers == "local", "the in-process path stays the default (and the Space's)"


# ---------------------------------------------------------------- one local cluster for the module
@pytest.fixture(scope="module")
def cluster():
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, object_store_memory=200 * 2**20,
             log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def sb(cluster, tmp_path_factory, models_dir):
    from sandbox.context import Sandbox

    config = SandboxConfig(data_dir=tmp_path_factory.mktemp("ray") / "data", models_dir=models_dir,
                           workers="auto", rate_limit=None, demo_posts=0)
    sandbox = Sandbox(config, hardware=CPU_ONLY)
    sandbox.workers.prepare(sandbox.loader.default_model())  # both workers load the micro model at once
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="module")
def app_url(sb):
    from sandbox.ui.app import build_demo, launch

    demo = build_demo(sb)
    sb.config.port = free_port()
    launch(demo, sb, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{sb.config.port}/"
    demo.close()


def draft_rows(sb) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from sandbox.store.schema import Draft

    with sb.db.session() as s:
        return [(d.id, d.prompt) for d in s.scalars(select(Draft))]


def test_two_ray_workers_serve_six_concurrent_generate_clients(sb, app_url):
    from gradio_client import Client

    assert sb.generation.gate.slots == 2, "the fair gate admits as many jobs as there are workers"
    users = ["ana", "ben", "chloe", "dev", "emi", "ana"]
    before = {i for i, _ in draft_rows(sb)}

    def client_call(i: int) -> dict:
        client = Client(app_url, verbose=False)
        _, details = client.predict(user=users[i], prompt=f"a red circle moving right, client {i}", seed=i,
                                    steps=2, sound=False, api_name="/generate", **SMALL)
        return details

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(client_call, range(6)))
    new = [(i, p) for i, p in draft_rows(sb) if i not in before]
    assert sorted(a["draft_id"] for a in answers) == sorted(i for i, _ in new), "one draft per request, once"
    assert sorted(p for _, p in new) == sorted(f"a red circle moving right, client {i}" for i in range(6))
    workers = {a["timings"]["worker"] for a in answers}
    assert len(workers) == 2, f"both workers served: {workers}"
    assert all(a["timings"]["hop_s"] < a["timings"]["pipeline_s"] for a in answers)


def test_a_worker_killed_mid_job_loses_nothing_and_comes_back(sb, cluster):
    ana = sb.identity.actor("ana", None)
    workers = sb.workers
    started = threading.Event()

    def progress(_fraction: float, desc: str) -> None:
        if desc.startswith("denoising step"):
            started.set()

    before = len(draft_rows(sb))
    retries, served = workers.retries, list(workers.served)
    with ThreadPoolExecutor(1) as pool:
        job = pool.submit(sb.generation.generate, ana.id,
                          GenerationRequest(prompt="a blue square moving left", seed=3, steps=40, sound=False,
                                            **SMALL), progress)
        assert started.wait(120), "the job started on a worker"
        (killed,) = workers.busy()
        cluster.kill(workers.actors[killed], no_restart=False)  # the process dies mid-job; Ray restarts it
        result = job.result(timeout=300)
    assert workers.retries == retries + 1
    assert result.timings["worker"] != workers.names[killed], "retried on the other worker"
    assert len(draft_rows(sb)) == before + 1, "exactly one draft: none from the killed run"
    # while Ray restarts the killed worker (it refuses calls meanwhile), the app keeps serving on the other
    meanwhile = sb.generation.generate(ana.id, GenerationRequest(prompt="a red square", seed=6, steps=2,
                                                                 sound=False, **SMALL))
    assert meanwhile.timings["worker"] != workers.names[killed] or killed not in workers.reviving
    deadline = time.monotonic() + 180
    while killed in workers.reviving and time.monotonic() < deadline:  # Ray restarts it (a new process)
        time.sleep(0.2)
    assert killed not in workers.reviving, "the killed worker came back within 3 minutes"
    with ThreadPoolExecutor(2) as pool:  # two at once: both workers take one, the restarted one included
        list(pool.map(lambda seed: sb.generation.generate(ana.id, GenerationRequest(
            prompt="a green circle", seed=seed, steps=2, sound=False, **SMALL)), (4, 5)))
    assert workers.served[killed] > served[killed], "the worker that came back serves again"


def test_cancel_reaches_the_worker_and_a_full_cluster_answers_busy(sb):
    gate, workers = sb.generation.gate, sb.workers
    long_job = GenerationRequest(prompt="a white triangle moving up", seed=7, steps=100, sound=False, **SMALL)
    users = {h: sb.identity.actor(h, None).id for h in ("ben", "chloe", "dev", "emi")}
    stops = {h: threading.Event() for h in users}
    running = {h: threading.Event() for h in users}

    def progress_of(handle: str):
        def progress(_fraction: float, desc: str) -> None:
            if desc.startswith("denoising step"):
                running[handle].set()
        return cancellable(progress, stops[handle])

    def generate(handle: str):
        return sb.generation.generate(users[handle], long_job, progress_of(handle))

    gate.max_waiting, saved_bound = 1, gate.max_waiting
    before = len(draft_rows(sb))
    stopped = len(workers.stopped)
    try:
        with ThreadPoolExecutor(3) as pool:
            ben, chloe = pool.submit(generate, "ben"), pool.submit(generate, "chloe")
            assert running["ben"].wait(120) and running["chloe"].wait(120), "both workers are generating"
            dev = pool.submit(generate, "dev")
            deadline = time.monotonic() + 10
            while gate.load(users["dev"])[0] != 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert gate.load(users["dev"])[0] == 1, "a third job waits for a worker"
            asked = time.monotonic()
            with pytest.raises(SandboxError, match=r"busy, 3 jobs ahead \(2 generating, 1 waiting\)"):
                generate("emi")
            assert time.monotonic() - asked < 2, "answered at once, not a hang"
            for handle in ("ben", "chloe", "dev"):
                stops[handle].set()  # Cancel: ben's and chloe's workers stop between two steps
            for job in (ben, chloe, dev):
                with pytest.raises((GenerationCancelled, SandboxError), match="cancelled"):
                    job.result(timeout=120)
    finally:
        gate.max_waiting = saved_bound
    answers = workers.stopped[stopped:]
    assert len(answers) == 2, f"both workers answered the Cancel: {answers}"
    steps = [int(a.split("denoising step ")[1].split("/")[0]) for a in answers]
    assert all(s < 100 for s in steps), f"the workers stopped between steps, not at the end: {answers}"
    assert len(draft_rows(sb)) == before, "nothing was saved"
    assert workers.busy() == [], "both workers are free again"


def test_a_storyboard_runs_its_shots_on_the_workers_and_the_app_loads_no_model(sb):
    """The app only conditions and stitches: every shot goes to a worker, and the app's own loader stays empty
    (on a GPU-less app server in front of a cluster, loading a card there would be the whole cost again)."""
    from sandbox.storyboard.shots import Shot

    ana = sb.identity.actor("ana", None)
    result = sb.storyboards.create(ana.id, [Shot("a red circle moving right on a blue background", 1.0),
                                            Shot("a red circle moving down on a blue background", 1.0)],
                                   steps=2, seed=3)
    assert [s["prompt"] for s in result.request["storyboard"]["shots"]] == [
        "a red circle moving right on a blue background", "a red circle moving down on a blue background"]
    assert sb.loader._cache == {}, "the app loaded a pipeline itself"
