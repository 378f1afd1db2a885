"""Invite-only sign-up, invite codes and profiles."""

from __future__ import annotations

import re
import secrets
import unicodedata

from sqlalchemy import func, select

from sandbox.errors import NotFound, PermissionDenied, SandboxError
from sandbox.identity.auth import normalize_handle
from sandbox.social.graph import follower_ids, following_ids, friend_ids, user_by_handle
from sandbox.social.text import clean_text
from sandbox.store.db import Database
from sandbox.store.schema import Block, InviteCode, Post, User, utcnow

INVITES_PER_USER = 3
HANDLE_RE = re.compile(r"^[a-z0-9_]{3,20}$")
# Characters people confuse in handles: folded before comparing with existing handles.
CONFUSABLES = str.maketrans({"0": "o", "1": "l", "i": "l", "3": "e", "4": "a", "5": "s", "7": "t", "_": ""})


def skeleton(handle: str) -> str:
    """A handle's look-alike key: ``ana`` and ``аna`` (Cyrillic а) or ``an_a`` share one."""
    folded = unicodedata.normalize("NFKD", handle.casefold())
    latin = "".join(ch for ch in folded if not unicodedata.combining(ch))
    homoglyphs = str.maketrans("аеорсухіјԁӏ", "aeopcyxijdl")  # Cyrillic look-alikes of Latin letters
    return latin.translate(homoglyphs).translate(CONFUSABLES)


def check_handle(handle: str) -> str:
    h = normalize_handle(handle)
    if not HANDLE_RE.match(h):
        raise SandboxError(f"`handle` must be 3–20 characters of a–z, 0–9 and _ but is {handle!r}")
    return h


class AccountService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def invite_codes(self, actor_id: str) -> list[dict]:
        """The actor's invite codes, creating their allowance on first call."""
        with self.db.session() as s:
            codes = s.scalars(select(InviteCode).where(InviteCode.owner_id == actor_id)).all()
            if not codes:
                codes = [InviteCode(code=secrets.token_hex(4), owner_id=actor_id) for _ in range(INVITES_PER_USER)]
                s.add_all(codes)
                s.flush()
            return [{"code": c.code, "used": c.used_by_id is not None} for c in codes]

    def mint_invites(self, actor_id: str, count: int = 5) -> list[str]:
        with self.db.session() as s:
            actor = s.get(User, actor_id)
            if not actor or not actor.is_admin:
                raise PermissionDenied("only admins can mint invite codes")
            if not 1 <= count <= 100:
                raise SandboxError(f"`count` must be between 1 and 100 but is {count}")
            codes = [InviteCode(code=secrets.token_hex(4), owner_id=actor_id) for _ in range(count)]
            s.add_all(codes)
            return [c.code for c in codes]

    def signup(self, code: str, handle: str, display_name: str = "") -> dict:
        """Create an account with an unused invite code. The new user follows the inviter and vice versa."""
        h = check_handle(handle)
        name = clean_text("display_name", display_name or h)
        with self.db.session() as s:
            invite = s.get(InviteCode, (code or "").strip().lower())
            if invite is None:
                raise SandboxError("`code` is not a valid invite code: ask a friend for one")
            if invite.used_by_id is not None:
                raise SandboxError("`code` was already used: each invite code works once")
            if s.scalar(select(User.id).where(User.handle == h)):
                raise SandboxError(f"@{h} is taken: pick another handle")
            key = skeleton(h)
            for existing in s.scalars(select(User.handle)):
                if skeleton(existing) == key:
                    raise SandboxError(f"@{h} looks too much like @{existing}: pick a handle that is clearly different")
            user = User(handle=h, display_name=name)
            s.add(user)
            s.flush()
            invite.used_by_id, invite.used_at = user.id, utcnow()
            from sandbox.store.schema import Follow

            s.add_all([Follow(follower_id=user.id, followee_id=invite.owner_id),
                       Follow(follower_id=invite.owner_id, followee_id=user.id)])
            return {"user_id": user.id, "handle": h, "invited_by": s.get(User, invite.owner_id).handle}

    def profile(self, viewer_id: str, handle: str) -> dict:
        """A user's page. Someone the viewer blocked shows as blocked (so they can be unblocked), with
        nothing else; someone who blocked the viewer does not exist for them."""
        with self.db.session() as s:
            user = user_by_handle(s, handle)
            from sandbox.social.graph import blocked_ids

            if s.scalar(select(Block.id).where(Block.blocker_id == viewer_id, Block.blocked_id == user.id)):
                return {"handle": user.handle, "display_name": user.display_name, "avatar": user.avatar, "bio": "",
                        "blocked": True, "followers": 0, "following": 0, "friends": 0, "remix_count": 0,
                        "posts": []}
            if user.id in blocked_ids(s, viewer_id):
                raise NotFound(f"no user @{normalize_handle(handle)}: check the handle")
            posts = s.scalars(select(Post).where(Post.user_id == user.id, Post.deleted.is_(False))
                              .order_by(Post.created_at.desc()).limit(50)).all()
            remixes = s.scalar(select(func.coalesce(func.sum(Post.remix_count), 0))
                               .where(Post.user_id == user.id, Post.deleted.is_(False)))
            return {
                "handle": user.handle, "display_name": user.display_name, "avatar": user.avatar, "bio": user.bio,
                "blocked": False,
                "followers": len(follower_ids(s, user.id)), "following": len(following_ids(s, user.id)),
                "friends": len(friend_ids(s, user.id)), "remix_count": int(remixes or 0),
                "posts": [{"post_id": p.id, "caption": p.caption, "likes": p.like_count,
                           "created_at": p.created_at.isoformat(timespec="seconds")} for p in posts],
            }
