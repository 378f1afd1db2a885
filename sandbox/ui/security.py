"""Web-layer protection: what Gradio serves and to whom.

- **Files handed out live only as long as what they show.** Gradio copies every file an event returns into
  its cache (``GRADIO_TEMP_DIR``, else ``<tmp>/gradio``) as ``<seeded sha256 of the bytes>/<file name>`` and
  serves it at ``/gradio_api/file=<path>``. Two layers: (1) when the media store deletes a file, every cached
  copy goes with it (the folder named by Gradio's hash of the bytes, and any copy with the media's name);
  (2) a guard refuses any ``file=`` request whose name is a media content hash that no draft or live post
  shows any more (the one rule, ``sandbox.store.references.media_is_live``) — so a copy made after a
  take-down, by a request in flight, is refused too. Private files (cameo reference crops) are never handed
  out as files: the Cameo tab shows them inline (``inline_images``).
- **Queue results bound to the person** (password and hf modes): a ``session_hash`` belongs to the signed-in
  user who first used it (``/queue/join``, ``/queue/data``, ``/cancel``, ``/heartbeat``); the ``event_id``
  of a REST call (``/call/<api>``) belongs to its caller. Anyone else gets 403 and nothing.
- **Password sign-in throttling**: ``POST /login`` is counted per account and per client address
  (:class:`sandbox.identity.throttle.LoginThrottle`); over the limit, 429 with the wait, before Gradio looks
  at the password.

All three run as one pure ASGI middleware given to the FastAPI app through ``launch(app_kwargs=…)``
(:func:`launch_options`); :func:`protect` connects the cache purge to the media stores.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import html
import io
import json
import re
import shutil
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

from sandbox.context import Sandbox
from sandbox.errors import SandboxError
from sandbox.store.references import media_is_live

API = "/gradio_api"
MEDIA_NAME = re.compile(r"^([0-9a-f]{64})")  # media files are named by the SHA-256 of their bytes
MAX_SESSIONS = 100_000  # session bindings kept (oldest forgotten first)
GENERATION_WORKERS = 16  # generation events Gradio hands to the fair gate at once; the gate decides the order


# ---------------------------------------------------------------------------------------------- cached copies
def gradio_cache() -> Path:
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder())


def cached_copies(path: Path, cache: Path | None = None) -> list[Path]:
    """Folders in Gradio's cache holding a copy of ``path``: the one Gradio names by the hash of its bytes,
    and any holding a file of the same name (content-hash names are unique to their content)."""
    from gradio.processing_utils import hash_file

    cache = cache or gradio_cache()
    folders = set()
    if path.is_file() and (by_content := cache / hash_file(path)).is_dir():
        folders.add(by_content)
    folders.update(p.parent for p in cache.glob(f"*/{path.stem}*") if p.parent != cache)
    return sorted(folders)


def purge_cached_copies(path: Path) -> None:
    """``MediaStore.before_delete`` hook: the copies Gradio handed out go with the file."""
    for folder in cached_copies(Path(path)):
        shutil.rmtree(folder, ignore_errors=True)


def protect(sb: Sandbox) -> None:
    """Connect the cache purge to the stores whose files the app shows."""
    for store in (sb.media, sb.cameos.private):
        if purge_cached_copies not in store.before_delete:
            store.before_delete.append(purge_cached_copies)


def inline_images(paths: list[str], caption: str) -> str:
    """Private pictures as inline HTML (``data:`` URLs): shown to the one person asking, never given a URL."""
    from PIL import Image

    tags = []
    for path in paths:
        buf = io.BytesIO()
        Image.open(path).convert("RGB").save(buf, format="PNG")
        data = base64.b64encode(buf.getvalue()).decode()
        tags.append(f'<img src="data:image/png;base64,{data}" alt="{html.escape(caption)}" '
                    'style="height:120px;margin:4px;border-radius:6px">')
    return "".join(tags)


# ---------------------------------------------------------------------------------------------- cancellation
def cancel_check() -> Callable[[], bool]:
    """For a generation waiting in the fair gate (on a Gradio worker thread): true once Gradio cancelled this
    event (Cancel button, ``job.cancel()``) or its client went away. Outside an event: never."""
    import anyio.from_thread
    from gradio.context import LocalContext

    event_id, blocks = LocalContext.event_id.get(None), LocalContext.blocks.get(None)
    if not event_id or blocks is None:
        return lambda: False

    def on_loop() -> bool:
        for task in asyncio.all_tasks():
            if task.get_name().endswith(f"<gradio-sep>{event_id}") and task.cancelling():
                return True
        return any(event._id == event_id and not event.alive
                   for job in blocks._queue.active_jobs if job for event in job)

    def cancelled() -> bool:
        try:
            return anyio.from_thread.run_sync(on_loop)
        except Exception:  # not on a worker thread of the server's loop
            return False

    return cancelled


# ---------------------------------------------------------------------------------------------- middleware
class SecurityMiddleware:
    """Pure ASGI middleware (see the module docstring)."""

    def __init__(self, app, sandbox: Sandbox) -> None:
        self.app = app
        self.sb = sandbox
        self.bound_users = sandbox.config.identity_mode in ("password", "hf")
        self.sessions: OrderedDict[str, str] = OrderedDict()  # session_hash or event_id → user

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope["method"]
        if path.startswith(f"{API}/file=") and method in ("GET", "HEAD"):
            if not self.file_allowed(path[len(f"{API}/file="):]):
                return await respond(send, 404, {"detail": "File not found: it was removed."})
        elif path.rstrip("/") == "/login" and method == "POST" and self.sb.config.identity_mode == "password":
            return await self.login(scope, receive, send)
        elif self.bound_users:
            return await self.bound(scope, receive, send)
        return await self.app(scope, receive, send)

    # --- files
    def file_allowed(self, file_path: str) -> bool:
        match = MEDIA_NAME.match(Path(file_path).name)
        return match is None or media_is_live(self.sb.db, match.group(1))

    # --- login throttling
    async def login(self, scope, receive, send) -> None:
        body, receive = await read_body(receive)
        form = parse_qs(body.decode("utf-8", "replace"))
        account = (form.get("username") or [""])[0].strip()
        address = (scope.get("client") or ("?", 0))[0]
        try:
            self.sb.login_throttle.check(account, address)
        except SandboxError as exc:
            return await respond(send, 429, {"detail": str(exc)})
        status = {}

        async def watch(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if status.get("code") == 200:
            self.sb.login_throttle.succeeded(account)
        elif status.get("code") in (400, 401):
            self.sb.login_throttle.failed(account, address)

    # --- sessions bound to people
    def user_of(self, scope) -> str | None:
        app = scope.get("app")
        cookies = parse_cookies(scope)
        if app is not None and getattr(app, "tokens", None) is not None:
            token = (cookies.get(f"access-token-{app.cookie_id}")
                     or cookies.get(f"access-token-unsecure-{app.cookie_id}"))
            if token and (user := app.tokens.get(token)):
                return user
        try:
            from gradio.oauth import _get_valid_oauth_info_from_session

            info = _get_valid_oauth_info_from_session(scope.get("session") or {})
            return info["userinfo"]["preferred_username"] if info else None
        except Exception:
            return None

    def claim(self, key: str | None, user: str | None) -> bool:
        """Bind ``key`` to ``user`` on first use; afterwards only that user may use it."""
        if not key:
            return True
        owner = self.sessions.get(key)
        if owner is None:
            if user is None:
                return True  # not signed in: Gradio's own login check answers
            self.sessions[key] = user
            if len(self.sessions) > MAX_SESSIONS:
                self.sessions.popitem(last=False)
            return True
        self.sessions.move_to_end(key)
        return owner == user

    async def bound(self, scope, receive, send) -> None:
        path, method = scope["path"].rstrip("/"), scope["method"]
        user = self.user_of(scope)
        refuse = {"detail": "this session belongs to another signed-in user"}
        if method == "POST" and path in (f"{API}/queue/join", f"{API}/cancel"):
            body, receive = await read_body(receive)
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                data = {}
            session = data.get("session_hash") if isinstance(data, dict) else None
            if not self.claim(session if isinstance(session, str) else None, user):
                return await respond(send, 403, refuse)
        elif method == "GET" and path == f"{API}/queue/data":
            session = (parse_qs(scope.get("query_string", b"").decode()).get("session_hash") or [None])[0]
            if not self.claim(session, user):
                return await respond(send, 403, refuse)
        elif method == "GET" and path.startswith(f"{API}/heartbeat/"):
            if not self.claim(path.rsplit("/", 1)[1], user):
                return await respond(send, 403, refuse)
        elif path.startswith(f"{API}/call/"):
            parts = path[len(f"{API}/call/"):].split("/")
            if parts[0] == "v2":
                parts = parts[1:]
            if method == "GET" and len(parts) == 2:  # /call/<api>/<event_id>: the caller's own result only
                if not self.claim(parts[1], user):
                    return await respond(send, 403, refuse)
            elif method == "POST" and len(parts) == 1:  # the event id it answers belongs to the caller
                return await self.app(scope, receive, self.bind_event_id(send, user))
        return await self.app(scope, receive, send)

    def bind_event_id(self, send, user: str | None):
        chunks: list[bytes] = []

        async def watch(message) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    with contextlib.suppress(ValueError, AttributeError):  # not JSON: no event id to bind
                        self.claim(json.loads(b"".join(chunks)).get("event_id"), user)
            await send(message)

        return watch


async def read_body(receive) -> tuple[bytes, Callable]:
    """The whole request body, and a ``receive`` that hands it on unchanged."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def respond(send, status: int, payload: dict) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def parse_cookies(scope) -> dict[str, str]:
    from http.cookies import SimpleCookie

    raw = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie").decode("latin-1")
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:
        return {}
    return {k: m.value for k, m in jar.items()}


# ---------------------------------------------------------------------------------------------- launch
def launch_options(sb: Sandbox) -> dict:
    """``Blocks.launch`` keyword arguments: sign-in, what may be served, and the middleware above."""
    from starlette.middleware import Middleware

    return dict(auth=sb.identity.check_password if sb.config.identity_mode == "password" else None,
                allowed_paths=[str(sb.config.media_dir.resolve())],
                blocked_paths=[str(sb.config.private_dir.resolve())],
                app_kwargs={"middleware": [Middleware(SecurityMiddleware, sandbox=sb)]})


def queue_options(sb: Sandbox) -> dict:
    """``Blocks.queue`` keyword arguments: a bounded queue."""
    return dict(default_concurrency_limit=8, max_size=sb.config.queue_max)
