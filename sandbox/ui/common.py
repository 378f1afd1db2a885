"""Shared UI plumbing: refusals become ``gr.Error``; the acting user comes from the request."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import gradio as gr

from sandbox.context import Sandbox
from sandbox.errors import SandboxError
from sandbox.store.schema import User

log = logging.getLogger("sandbox.ui")


def user_errors(fn: Callable) -> Callable:
    """Show domain refusals to the user as ``gr.Error`` with the domain's message; log anything else."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
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


def progress_adapter(progress: gr.Progress | None) -> Callable[[float, str], None]:
    if progress is None:
        return lambda _f, _d: None
    return lambda fraction, desc: progress(fraction, desc=desc)
