"""Shared UI plumbing: refusals become ``gr.Error``; the acting user comes from the request."""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import gradio as gr
import numpy as np

from sandbox.context import Sandbox
from sandbox.errors import GenerationCancelled, SandboxError
from sandbox.store.schema import User

log = logging.getLogger("sandbox.ui")


def user_errors(fn: Callable) -> Callable:
    """Show domain refusals to the user as ``gr.Error`` with the domain's message; log anything else."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except GenerationCancelled as exc:  # the person asked for it: say so, not "Error"
            raise gr.Error(str(exc), title="Cancelled", duration=6, print_exception=False) from exc
        except SandboxError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc
        except gr.Error:
            raise
        except Exception as exc:  # a bug or a broken dependency: say so plainly, keep serving
            log.exception("unexpected error in %s", fn.__name__)
            raise gr.Error(f"something went wrong on the server ({exc.__class__.__name__}); "
                           "nothing was saved — please try again", print_exception=False) from exc

    return wrapper


def session_user(request: gr.Request | None) -> str | None:
    """The signed-in user: Gradio ``auth=`` sets ``username``; HF OAuth keeps the profile in the session."""
    if request is None:
        return None
    if getattr(request, "username", None):
        return request.username
    try:
        from gradio.oauth import _get_valid_oauth_info_from_session

        info = _get_valid_oauth_info_from_session(request.session)
        return info["userinfo"]["preferred_username"] if info else None
    except Exception:  # no session middleware: not an OAuth app
        return None


def acting_user(sb: Sandbox, user: str | None, request: gr.Request | None) -> User:
    """The user this request acts for, checked against the session (see ``sandbox.identity.auth``)."""
    return sb.identity.actor(user, session_user(request))


def is_upload(path: str) -> bool:
    """Only files in Gradio's upload folder are ours to delete after processing."""
    from pathlib import Path

    from gradio.utils import get_upload_folder

    return Path(path).resolve().is_relative_to(Path(get_upload_folder()).resolve())


def progress_adapter(progress: gr.Progress | None) -> Callable[[float, str], None]:
    if progress is None:
        return lambda _f, _d: None
    return lambda fraction, desc: progress(fraction, desc=desc)


class CancelSwitch:
    """One Cancel flag per browser session: Cancel sets it, the running generation's progress sees it at the
    next denoising step and stops (``sandbox.generation.service.cancellable``). Gradio's own ``cancels=`` only
    stops waiting for the result; the pipeline thread would run on and save the draft."""

    def __init__(self) -> None:
        self._flags: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(request: gr.Request | None) -> str:
        return getattr(request, "session_hash", None) or "no-session"

    def arm(self, request: gr.Request | None) -> threading.Event:
        """A fresh flag for the job this session starts now."""
        flag = threading.Event()
        with self._lock:
            self._flags[self._key(request)] = flag
        return flag

    def finish(self, request: gr.Request | None) -> None:
        """The job ended (done, failed or stopped): a Cancel pressed now has nothing to stop."""
        with self._lock:
            self._flags.pop(self._key(request), None)

    def is_cancelled(self, request: gr.Request | None) -> bool:
        """Cancel was pressed for this session's running job (also while it still waits for its turn)."""
        with self._lock:
            flag = self._flags.get(self._key(request))
        return flag is not None and flag.is_set()

    def cancel(self, request: gr.Request = None) -> None:
        with self._lock:
            flag = self._flags.get(self._key(request))
        if flag is None:
            gr.Info("Nothing to cancel: no generation is running")
            return
        flag.set()
        gr.Info("Cancelled: the generation stops at the next step and nothing is saved")


@dataclass
class RunningJob:
    """What a service needs to run one job of the Queue: its id, progress that Cancel stops, the cancelled check
    (Cancel, or the client gone while waiting) and the live-preview sink (``None`` where the tab shows none)."""

    id: str
    progress: Callable[[float, str], None]
    cancelled: Callable[[], bool]
    preview: Callable[[np.ndarray], None] | None


@contextmanager
def running_job(sb: Sandbox, cancel: CancelSwitch, request: gr.Request | None, user_id: str, kind: str, label: str,
                progress: gr.Progress | None, previews: PreviewBoard | None = None) -> Iterator[RunningJob]:
    """One job of this browser session, from its Cancel flag to its line in My jobs: armed now, finished however
    the body ends. Create, Remix, Storyboard and re-shoot all run through it."""
    from sandbox.generation.service import cancellable
    from sandbox.ui import security

    flag = cancel.arm(request)
    gone = security.cancel_check()  # while waiting in the fair gate: Gradio cancelled it, or its client left
    try:
        with sb.jobs.track(user_id, kind, label, flag) as job:
            yield RunningJob(job.id, cancellable(job.watching(progress_adapter(progress)), flag),
                             lambda: flag.is_set() or gone(),
                             job.showing(previews.sink(request)) if previews is not None else None)
    finally:
        cancel.finish(request)


class PreviewBoard:
    """The latest live-preview picture of each browser session's running job; a timer shows it while the job
    runs (the endpoints' outputs stay the MP4 and its details). Create and Storyboard each keep one."""

    def __init__(self) -> None:
        self._latest: dict[str, np.ndarray | None] = {}

    @staticmethod
    def _key(request: gr.Request | None) -> str:
        return getattr(request, "session_hash", None) or "no-session"

    def sink(self, request: gr.Request | None):
        key = self._key(request)
        self._latest[key] = None
        return lambda image: self._latest.__setitem__(key, image)

    def latest(self, request: gr.Request = None):
        return self._latest.get(self._key(request))


def wire_live_preview(previews: PreviewBoard, image: gr.Image, buttons: list[gr.Button], events: list) -> None:
    """While a job started by one of ``buttons`` runs, a timer shows its latest preview in ``image`` (every half
    second); when any of ``events`` ends (done, failed or cancelled) the timer stops and the image hides."""
    timer = gr.Timer(0.5, active=False)
    timer.tick(previews.latest, None, image, api_visibility="private", queue=False)
    for button in buttons:
        button.click(lambda: (gr.Timer(active=True), gr.Image(value=None, visible=True)), None, [timer, image],
                     api_visibility="private", queue=False)
    for event in events:
        event.then(lambda: (gr.Timer(active=False), gr.Image(visible=False)), None, [timer, image],
                   api_visibility="private", queue=False)


def clear_on_persona_switch(user: gr.Component, components: list, values: list) -> None:
    """Another persona: set ``components`` to ``values`` (the previous persona's clip, result, details are not
    theirs). Done in the browser at once: through the queue it could land after the new persona's first click
    and wipe what that click brought (a sample clip, a picked draft)."""
    user.change(None, None, components, js=f"() => {json.dumps(values)}", api_visibility="private")


def sound_wanted(sound: bool | None) -> bool | None:
    """The Sound checkbox (or API `sound`) as the services take it: on (or left out) means "where the model has
    a sound source" (None), so a silent model is not an error; off means silent."""
    return None if sound in (None, True) else False


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    """"1 follower", "2 followers", "0 likes".

    >>> plural(1, "follower"), plural(2, "like"), plural(0, "video"), plural(3, "remix", "remixes")
    ('1 follower', '2 likes', '0 videos', '3 remixes')
    """
    return f"{count} {word if count == 1 else plural_form or word + 's'}"


def details_markdown(sb: Sandbox, details: dict) -> str:
    """The generation details as a sentence (the JSON stays in the accordion)."""
    req, timings = details.get("request") or {}, details.get("timings") or {}
    try:
        model = sb.registry.get(details.get("model", "")).label
    except Exception:
        model = details.get("model", "?")
    cameos = req.get("cameo_ids") or []
    parts = [f"Draft `{details['draft_id']}`", f"{model}",
             f"{req.get('width')}×{req.get('height')}", plural(int(req.get("num_frames") or 0), "frame"),
             plural(int(req.get("steps") or 0), "step"), f"guidance {req.get('guidance')}",
             f"seed {details.get('seed')}"]
    if cameos:
        parts.append(plural(len(cameos), "cameo"))
    sound = details.get("sound")
    parts.append(f"🔊 sound by {sound['model']} ({sound['seconds']:.2f} s, {sound['sample_rate']} Hz, "
                 f"{sound['source']})" if sound else "🔇 silent")
    if "total_s" in timings:
        parts.append(f"made in {timings['total_s']:.1f} s (pipeline {timings.get('pipeline_s', 0):.1f} s)")
    return "✅ " + " · ".join(parts)
