"""Identity rules: who the acting user is, checked on the server for every acting endpoint.

- ``personas``: local demos. The ``user`` argument selects a seeded persona; acting-as is explicit.
- ``password``: Gradio ``auth=``; the session's username is the actor. ``user`` must be empty or equal it.
- ``hf``: Hugging Face OAuth on a Space; same rule as ``password`` with the HF username.
"""

from __future__ import annotations

import hmac
import unicodedata
from pathlib import Path

from sqlalchemy import select

from sandbox.config import SandboxConfig
from sandbox.errors import NotFound, PermissionDenied, SandboxError
from sandbox.identity.personas import FOLLOWS, PERSONAS
from sandbox.store.db import Database
from sandbox.store.schema import Follow, User


def normalize_handle(handle: str) -> str:
    """Handles compare after NFKC folding and lower-casing, and without a leading ``@``."""
    return unicodedata.normalize("NFKC", handle or "").strip().lstrip("@").casefold()


def resolve_actor(mode: str, requested: str | None, session_user: str | None, personas: list[str]) -> str:
    """Return the handle that acts for this request, or refuse.

    >>> resolve_actor("personas", "ben", None, ["ana", "ben"])
    'ben'
    >>> resolve_actor("password", "", "ana", [])
    'ana'
    >>> resolve_actor("password", "ben", "ana", [])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sandbox.errors.PermissionDenied: you are signed in as @ana and cannot act as @ben; leave `user` ...
    """
    requested_handle = normalize_handle(requested or "")
    if mode == "personas":
        if not requested_handle:
            return personas[0]
        if requested_handle not in personas:
            raise NotFound(f"`user` must be one of the personas {personas} but is {requested!r}")
        return requested_handle
    if not session_user:
        raise PermissionDenied("sign in first: this sandbox runs in "
                               f"{'password' if mode == 'password' else 'Hugging Face'} mode")
    actor = normalize_handle(session_user)
    if requested_handle and requested_handle != actor:
        raise PermissionDenied(
            f"you are signed in as @{actor} and cannot act as @{requested_handle}; "
            f"leave `user` empty or set it to {actor!r}"
        )
    return actor


def parse_users(spec: str | None, path: Path | None) -> dict[str, str]:
    """``handle:password`` pairs from ``SANDBOX_USERS`` (comma-separated) and/or a file (one per line)."""
    lines: list[str] = []
    if spec:
        lines += spec.split(",")
    if path:
        lines += Path(path).read_text().splitlines()
    users: dict[str, str] = {}
    for raw in lines:
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        handle, sep, password = raw.partition(":")
        if not sep or not password:
            raise ValueError(f"a user entry must look like `handle:password` but is {raw.split(':')[0]!r}:…")
        users[normalize_handle(handle)] = password
    return users


class IdentityService:
    """Users in the database, seeded for the configured identity mode."""

    def __init__(self, db: Database, config: SandboxConfig) -> None:
        self.db = db
        self.mode = config.identity_mode
        self._passwords = parse_users(config.users, config.users_file) if self.mode == "password" else {}
        self.seed()

    # --- seeding ---
    def seed(self) -> None:
        with self.db.session() as s:
            existing = set(s.scalars(select(User.handle)))
            if self.mode == "personas":
                for p in PERSONAS:
                    if p.handle not in existing:
                        s.add(User(handle=p.handle, display_name=p.display_name, avatar=p.avatar,
                                   bio=p.bio, is_admin=p.is_admin))
                s.flush()
                ids = dict(s.execute(select(User.handle, User.id)).tuples().all())
                have = set(s.execute(select(Follow.follower_id, Follow.followee_id)).tuples().all())
                for a, b in FOLLOWS:
                    if (ids[a], ids[b]) not in have:
                        s.add(Follow(follower_id=ids[a], followee_id=ids[b]))
            elif self.mode == "password":
                for handle in self._passwords:
                    if handle not in existing:
                        s.add(User(handle=handle, display_name=handle))

    # --- queries ---
    def persona_handles(self) -> list[str]:
        """Personas mode: the seeded personas first, then accounts made with invite codes."""
        if self.mode != "personas":
            return []
        seeded = [p.handle for p in PERSONAS]
        with self.db.session() as s:
            others = s.scalars(select(User.handle).where(User.handle.not_in(seeded)).order_by(User.created_at))
            return seeded + list(others)

    def check_password(self, username: str, password: str) -> bool:
        """Gradio ``auth=`` callback for password mode (constant-time comparison)."""
        expected = self._passwords.get(normalize_handle(username))
        return expected is not None and hmac.compare_digest(expected.encode(), password.encode())

    def actor(self, requested: str | None, session_user: str | None) -> User:
        """The acting user for a request (see :func:`resolve_actor`), created on first sight in hf mode."""
        handle = resolve_actor(self.mode, requested, session_user, self.persona_handles())
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.handle == handle))
            if user is None:
                if self.mode != "hf":
                    raise NotFound(f"no user @{handle}")
                if len(handle) > 32:
                    raise SandboxError(f"handle @{handle} is longer than 32 characters")
                user = User(handle=handle, display_name=session_user or handle)
                s.add(user)
                s.flush()
            return user

    def get(self, handle: str) -> User:
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.handle == normalize_handle(handle)))
            if user is None:
                raise NotFound(f"no user @{normalize_handle(handle)}")
            return user
