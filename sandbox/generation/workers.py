"""Where the pipeline runs: in this process (``SANDBOX_WORKERS=local``, the default and the Space) or in the
worker actors of a Ray cluster (``auto``: a local cluster started here; ``ray://head:10001``: a running one).

The app keeps everything that touches people and files — checks, the fair gate, sound, watermark, signing,
the draft — and hands a worker only the validated request (and conditioning pictures); the worker loads the
pipeline once through the same :class:`~sandbox.models.loader.ModelLoader` and placement policy and sends the
frames (and a joint pipeline's sound) back. Workers never see the database or the media folder.

One Ray actor per GPU (or per CPU core on a machine without one), each a threaded actor so ``status`` and
``cancel`` answer while a job runs: the app polls the job's progress (and live preview) and forwards it to
the browser; Cancel sets the job's event in the worker, which stops between two denoising steps. A worker that
dies mid-job (a killed process, a lost node) is restarted by Ray and the job is retried once on another
worker; the draft is only saved by the app after frames came back, so nothing is half-written.

>>> worker_address("ray://head:10001"), worker_address("10.0.0.5:6379"), worker_address("auto")
(('ray://', 'head', 10001), ('', '10.0.0.5', 6379), None)
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import socket
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from sandbox.errors import GenerationCancelled, SandboxError

if TYPE_CHECKING:
    from sandbox.config import SandboxConfig
    from sandbox.generation.preview import PreviewSink
    from sandbox.generation.request import GenerationRequest
    from sandbox.models.cards import ModelSpec
    from sandbox.models.loader import ModelLoader
    from sandbox.models.placement import Hardware

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
POLL_S = 0.05  # how often the app asks a worker how far its job is (one actor call ≈ 1 ms here)
CONNECT_TIMEOUT_S = 5.0  # an address that does not answer within this stops the start
READY_TIMEOUT_S = 180.0  # workers start (import torch, diffusers) within this, or the cluster has no room
CANCEL_GRACE_S = 30.0  # after Cancel, how long the app waits for the worker to stop before freeing its slot
WAITING_PER_WORKER = 4  # with Ray and no SANDBOX_WAITING_MAX: jobs that may wait per worker before "busy"
ADDRESS = re.compile(r"^(ray://)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


def worker_address(value: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of a Ray cluster address; ``None`` for ``local`` and ``auto``. A bad value is a
    ValueError naming ``SANDBOX_WORKERS``."""
    if value in ("local", "auto"):
        return None
    match = ADDRESS.match(value.strip())
    if not match or not 1 <= int(match.group(3)) <= 65535:
        raise ValueError(f"`SANDBOX_WORKERS` must be `local`, `auto` or a Ray cluster address such as "
                         f"`ray://head:10001` (Ray client) or `head:6379` (on a cluster node) but is {value!r}")
    return match.group(1) or "", match.group(2).strip("[]"), int(match.group(3))


@dataclass
class WorkerResult:
    """What a run sends back: frames (T, H, W, 3) uint8, a joint pipeline's sound and its sample rate, and
    where the time went (``hop_s``: the time the trip to a worker and back added, 0 in-process)."""

    frames: np.ndarray
    audio: Any = None
    sample_rate: int | None = None
    load_s: float = 0.0
    pipeline_s: float = 0.0
    hop_s: float = 0.0
    worker: str = "local"


class Workers(Protocol):
    """Runs pipelines. ``slots``: jobs it runs at once (``None``: the configured generation concurrency)."""

    slots: int | None

    def run(self, spec: ModelSpec, request: GenerationRequest, progress: Progress, *,
            preview: PreviewSink | None = None, conditioning: dict | None = None) -> WorkerResult: ...

    def prepare(self, spec: ModelSpec) -> None: ...

    def close(self) -> None: ...


class LocalWorkers:
    """Today's in-process path: load through the app's loader, run on its GPU (``spaces.GPU`` on ZeroGPU)."""

    slots: int | None = None
    name = "local"

    def __init__(self, loader: ModelLoader, run_on_gpu: Callable[..., np.ndarray]) -> None:
        self.loader, self.run_on_gpu = loader, run_on_gpu

    def run(self, spec: ModelSpec, request: GenerationRequest, progress: Progress, *,
            preview: PreviewSink | None = None, conditioning: dict | None = None) -> WorkerResult:
        t0 = time.perf_counter()
        loaded = self.loader.load(spec, preset=request.preset)  # loaded once, then reused
        t1 = time.perf_counter()
        sound: list = []
        frames = self.run_on_gpu(loaded, request, progress, preview=preview, sound_out=sound, **(conditioning or {}))
        audio = sound[0] if sound else None
        rate = None
        if audio is not None:
            from sandbox.sound.service import joint_sample_rate

            rate = joint_sample_rate(loaded.pipe)
        return WorkerResult(frames, audio, rate, t1 - t0, time.perf_counter() - t1)

    def prepare(self, spec: ModelSpec) -> None:
        self.loader.load(spec)

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------------------------- the worker side
@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs to load pipelines like the app would: the models folder (on the worker's machine:
    the embedded model is built there if missing, Hub models come from its Hugging Face cache), placement and
    speed settings. ``threads``: torch threads (CPU workers: their one core)."""

    models_dir: str
    device_map: str = "auto"
    max_memory: str | None = None
    offload: str = "auto"
    speed: str | None = None
    default_model: str | None = None
    threads: int | None = None

    @classmethod
    def of(cls, config: SandboxConfig) -> WorkerSetup:
        return cls(str(config.resolved_models_dir.resolve()), config.device_map, config.max_memory, config.offload,
                   config.speed, config.model)


@dataclass
class _Job:
    cancel: threading.Event = field(default_factory=threading.Event)
    fraction: float = 0.0
    desc: str = ""
    picture: np.ndarray | None = None
    shown: int = 0  # previews made
    sent: int = 0  # previews sent to the app

    def report(self, fraction: float, desc: str) -> None:
        self.fraction, self.desc = fraction, desc

    def show(self, picture: np.ndarray) -> None:
        self.picture, self.shown = picture, self.shown + 1


class PipelineWorker:
    """The body of one Ray actor (``ray.remote`` is applied by :class:`RayWorkers`, so this module imports
    without Ray). Pipelines are loaded once and kept; one job runs at a time (``loaded.lock``); ``status`` and
    ``cancel`` run on other threads of the actor."""

    def __init__(self, setup: WorkerSetup) -> None:
        from sandbox.models.cards import ModelRegistry
        from sandbox.models.loader import ModelLoader
        from sandbox.models.placement import PlacementConfig, parse_max_memory
        from sandbox.models.speed import SpeedConfig

        if setup.threads:
            import torch

            torch.set_num_threads(setup.threads)  # one core per CPU worker: two workers do not fight over cores
        placement = PlacementConfig(device_map=setup.device_map, max_memory=parse_max_memory(setup.max_memory),
                                    offload=setup.offload,  # scratch space of its own, never the app's data folder
                                    offload_folder=Path(tempfile.gettempdir()) / "sandbox-offload")
        self.loader = ModelLoader(ModelRegistry(), Path(setup.models_dir), placement,
                                  default_model=setup.default_model,
                                  speed=SpeedConfig.parse(setup.speed) if setup.speed else None)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._jobs: dict[str, _Job] = {}
        self._finished: deque[str] = deque(maxlen=256)  # a Cancel arriving after the end creates nothing
        self._lock = threading.Lock()

    def ready(self) -> tuple[str, Hardware]:
        """Its name and hardware (the app places models by what the workers have)."""
        return self.name, self.loader.hardware

    def prepare(self, model_id: str) -> float:
        """Load a model before the first job asks for it; returns the seconds it took."""
        t0 = time.perf_counter()
        self.loader.load(model_id)
        return time.perf_counter() - t0

    def _job(self, job_id: str) -> _Job:
        with self._lock:
            return self._jobs.setdefault(job_id, _Job())

    def generate(self, job_id: str, model_id: str, request: dict, conditioning: dict, want_preview: bool) -> dict:
        from sandbox.generation.request import GenerationRequest
        from sandbox.generation.service import cancellable, run_pipeline

        job = self._job(job_id)  # Cancel may have arrived first
        try:
            req = GenerationRequest(**{**request, "cameo_ids": tuple(request.get("cameo_ids") or ())})
            t0 = time.perf_counter()
            loaded = self.loader.load(model_id, preset=req.preset)
            t1 = time.perf_counter()
            sound: list = []
            frames = run_pipeline(loaded, req, cancellable(job.report, job.cancel),
                                  preview=job.show if want_preview else None, sound_out=sound, **conditioning)
            audio, rate = (sound[0] if sound else None), None
            if audio is not None:
                from sandbox.sound.service import joint_sample_rate

                rate = joint_sample_rate(loaded.pipe)
            return {"frames": frames, "audio": audio, "sample_rate": rate, "load_s": t1 - t0,
                    "pipeline_s": time.perf_counter() - t1, "worker": self.name}
        finally:
            with self._lock:
                self._jobs.pop(job_id, None)
                self._finished.append(job_id)

    def status(self, job_id: str) -> tuple[float, str, np.ndarray | None]:
        """(fraction, step description, a new preview picture or None) of a running job."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return 0.0, "", None
            picture = job.picture if job.shown > job.sent else None
            job.sent = job.shown
            return job.fraction, job.desc, picture

    def cancel(self, job_id: str) -> bool:
        """Stop the job at its next denoising step (or before it starts)."""
        with self._lock:
            if job_id in self._finished:
                return False
            self._jobs.setdefault(job_id, _Job()).cancel.set()
            return True


# ---------------------------------------------------------------------------------------------- the app side
def _ray():
    try:
        import ray
    except ImportError as exc:  # the Space installs requirements.txt only
        raise SandboxError("`SANDBOX_WORKERS` names a Ray cluster but Ray is not installed here: "
                           "`pip install \"ray[client]==2.60.0\"`, or set SANDBOX_WORKERS=local") from exc
    return ray


def connect(workers: str, *, connect_timeout_s: float = CONNECT_TIMEOUT_S, **init: Any) -> None:
    """Join the cluster ``workers`` names (``auto``: start one on this machine). A process already connected
    (a test's cluster, a notebook's) stays on its connection. Unreachable: a SandboxError naming
    ``SANDBOX_WORKERS``, after at most ``connect_timeout_s``."""
    ray = _ray()
    address = worker_address(workers)
    if address is not None:
        scheme, host, port = address
        try:  # Ray's own client retries for half a minute; a closed port or a wrong host answers here in seconds
            socket.create_connection((host, port), timeout=connect_timeout_s).close()
        except OSError as exc:
            raise SandboxError(
                f"`SANDBOX_WORKERS` is {workers!r} but nothing answers at {host}:{port} ({exc.strerror or exc}): "
                "start the cluster (`ray start --head` on that machine), fix the address, or set "
                "SANDBOX_WORKERS=local") from exc
    if ray.is_initialized():
        return
    if address is not None and "RAY_AUTH_MODE" not in os.environ and (
            os.environ.get("RAY_AUTH_TOKEN") or (Path.home() / ".ray" / "auth_token").is_file()):
        # a cluster started with Ray's token authentication (the default in 2.60) refuses a client that does not
        # send the token, and Ray's client only sends it in token mode (measured: a silent 30 s timeout)
        os.environ["RAY_AUTH_MODE"] = "token"
    if address is None:
        ray.init(address="local", include_dashboard=False, **init)
        return
    try:
        ray.init(address=f"{scheme}{host}:{port}", **init)
    except Exception as exc:  # a port that answers but is not Ray, a version mismatch, a refused token
        raise SandboxError(f"`SANDBOX_WORKERS` is {workers!r}: could not join the Ray cluster there "
                           f"({exc.__class__.__name__}: {str(exc)[:200]}); check the address, that the cluster "
                           "runs ray==2.60.0 and that this machine has its token (~/.ray/auth_token), or set "
                           "SANDBOX_WORKERS=local") from exc


class RayWorkers:
    """A pool of ``count`` :class:`PipelineWorker` actors on the connected Ray cluster (default: one per GPU of
    the cluster, else 2 CPU workers). Each job takes an idle worker, polls it for progress, and frees it."""

    name = "ray"

    def __init__(self, setup: WorkerSetup, count: int | None = None, *, ready_timeout_s: float = READY_TIMEOUT_S,
                 poll_s: float = POLL_S) -> None:
        ray = _ray()
        gpus = int(ray.cluster_resources().get("GPU", 0))
        self.count = count or gpus or 2
        self.slots: int | None = self.count
        self.poll_s = poll_s
        options: dict[str, Any] = {"num_cpus": 1, "num_gpus": 1} if gpus else {"num_cpus": 1}
        if not gpus:
            setup = replace(setup, threads=setup.threads or 1)
        actor = ray.remote(PipelineWorker).options(
            max_concurrency=4,  # the job, its status polls, a Cancel, a preparation
            max_restarts=-1, max_task_retries=0,  # a dead worker comes back; its job is retried here, once
            **options)
        self.actors = [actor.remote(setup) for _ in range(self.count)]
        self.names = ["starting"] * self.count
        self.served = [0] * self.count  # jobs each worker finished (a restarted worker serves again)
        self.retries = 0
        self.reviving: set[int] = set()  # workers Ray is restarting: out of the pool until they answer
        self.stopped: list[str] = []  # what workers answered to a Cancel ("cancelled at denoising step 3/40 …")
        self._idle = list(range(self.count))
        self._cond = threading.Condition()
        self._ids = itertools.count()
        refs = [a.ready.remote() for a in self.actors]
        ready, pending = ray.wait(refs, num_returns=len(refs), timeout=ready_timeout_s)
        if pending:
            free = ray.available_resources()
            self.close()
            raise SandboxError(
                f"the Ray cluster started {len(ready)} of {self.count} workers within {ready_timeout_s:.0f} s "
                f"({'1 GPU' if gpus else '1 CPU'} each; free now: {free.get('CPU', 0):g} CPUs, "
                f"{free.get('GPU', 0):g} GPUs): lower SANDBOX_RAY_WORKERS or add machines to the cluster")
        answers = ray.get(refs)
        self.names = [name for name, _ in answers]
        self.hardware: Hardware = answers[0][1]

    @classmethod
    def from_config(cls, config: SandboxConfig) -> RayWorkers:
        """Connect as ``SANDBOX_WORKERS`` says and start ``SANDBOX_RAY_WORKERS`` workers."""
        connect(config.workers)
        return cls(WorkerSetup.of(config), config.ray_workers)

    # --- the pool ---
    def _acquire(self, avoid: set[int]) -> int:
        """An idle worker, preferring one not in ``avoid`` (the one that just failed). The fair gate admits
        at most ``slots`` jobs, so one is normally idle at once."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._idle, timeout=120):
                restarting = f", {len(self.reviving)} restarting" if self.reviving else ""
                raise SandboxError(f"busy: none of the {self.count} workers is free{restarting}; "
                                   "try again in a minute")
            index = next((i for i in self._idle if i not in avoid), self._idle[0])
            self._idle.remove(index)
            return index

    def _release(self, index: int) -> None:
        with self._cond:
            self._idle.append(index)  # at the end: the others go first, a restarted one when its turn comes
            self._cond.notify()

    def _revive(self, index: int, model_id: str) -> None:
        """Back in the pool once Ray has restarted it and it has loaded ``model_id`` again: a restarting actor
        refuses calls at once ("The actor is restarting"), so it must not be handed a job before."""
        ray = _ray()
        with self._cond:
            self.reviving.add(index)

        def wait_until_back() -> None:
            pause = 0.5
            while self.actors:  # close() empties it
                try:
                    self.names[index] = ray.get(self.actors[index].ready.remote(), timeout=60)[0]
                    ray.get(self.actors[index].prepare.remote(model_id), timeout=600)
                    break
                except Exception as exc:  # still restarting (or its node is still coming back)
                    log.info("worker %d not back yet: %s", index, exc.__class__.__name__)
                    time.sleep(pause)
                    pause = min(pause * 2, 10.0)
            with self._cond:
                self.reviving.discard(index)
            self._release(index)

        threading.Thread(target=wait_until_back, name=f"revive-worker-{index}", daemon=True).start()

    def busy(self) -> list[int]:
        """The workers running a job now."""
        with self._cond:
            return [i for i in range(self.count) if i not in self._idle and i not in self.reviving]

    # --- running ---
    def prepare(self, spec: ModelSpec) -> None:
        """Load ``spec`` on every worker at once (the first request should not pay for it)."""
        ray = _ray()
        ray.get([a.prepare.remote(spec.id) for a in self.actors])

    def run(self, spec: ModelSpec, request: GenerationRequest, progress: Progress, *,
            preview: PreviewSink | None = None, conditioning: dict | None = None) -> WorkerResult:
        """Run on an idle worker; a worker that dies mid-job is replaced by another for one retry."""
        ray = _ray()
        failed: set[int] = set()
        last: Exception | None = None
        for _attempt in range(2):
            index = self._acquire(failed)
            try:
                result = self._run_on(index, spec, request, progress, preview, conditioning or {})
            except ray.exceptions.RayActorError as exc:  # died, or its node is gone: Ray restarts it
                log.warning("worker %s stopped during a job (%s); retrying on another", self.names[index], exc)
                failed.add(index)
                last = exc
                with self._cond:
                    self.retries += 1
                self._revive(index, spec.id)
                continue
            except BaseException:
                self._release(index)
                raise
            with self._cond:
                self.served[index] += 1
            self._release(index)
            return result
        raise SandboxError(f"the worker running this video stopped, and so did the one that retried it "
                           f"({last.__class__.__name__}); nothing was saved — try again in a minute")

    def _run_on(self, index: int, spec: ModelSpec, request: GenerationRequest, progress: Progress,
                preview: PreviewSink | None, conditioning: dict) -> WorkerResult:
        ray = _ray()
        actor = self.actors[index]
        job_id = f"{uuid.uuid4().hex[:12]}-{next(self._ids)}"
        t0 = time.perf_counter()
        ref = actor.generate.remote(job_id, spec.id, request.to_dict(), conditioning, preview is not None)
        try:
            while not ray.wait([ref], timeout=self.poll_s)[0]:
                fraction, desc, picture = ray.get(actor.status.remote(job_id))
                if desc:
                    progress(fraction, desc)  # a Cancel raises here (sandbox.generation.service.cancellable)
                if picture is not None and preview is not None:
                    preview(picture)
        except GenerationCancelled:
            actor.cancel.remote(job_id)
            if ray.wait([ref], timeout=CANCEL_GRACE_S)[0]:  # it stops at its next step; then its slot is free
                try:
                    ray.get(ref)
                except ray.exceptions.RayTaskError as exc:
                    with self._cond:
                        self.stopped.append(str(exc.cause))
                except ray.exceptions.RayActorError:
                    pass  # it died meanwhile: stopped all the same
            raise
        try:
            out = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # the worker's own error (a refused size, a Cancel): as is
            raise exc.cause if isinstance(exc.cause, Exception) else exc from None
        wall = time.perf_counter() - t0
        return WorkerResult(out["frames"], out["audio"], out["sample_rate"], out["load_s"], out["pipeline_s"],
                            max(wall - out["load_s"] - out["pipeline_s"], 0.0), out["worker"])

    def close(self) -> None:
        """Stop this app's workers (the cluster itself keeps running)."""
        ray = _ray()
        for actor in self.actors:
            with contextlib.suppress(Exception):  # already gone, or the cluster went first
                ray.kill(actor, no_restart=True)
        self.actors = []
