"""Who follows whom, who blocked whom, and how two users relate."""

from __future__ import annotations

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from sandbox.errors import NotFound, SandboxError
from sandbox.generation.ratelimit import ActionLimits
from sandbox.identity.auth import normalize_handle
from sandbox.store.db import Database, add_once
from sandbox.store.schema import Block, Follow, Notification, User

RELATIONS = ("self", "friend", "following", "follower", "stranger", "blocked")


def user_by_handle(s: Session, handle: str) -> User:
    user = s.scalar(select(User).where(User.handle == normalize_handle(handle)))
    if user is None:
        raise NotFound(f"no user @{normalize_handle(handle)}: check the handle")
    return user


def following_ids(s: Session, user_id: str) -> set[str]:
    return set(s.scalars(select(Follow.followee_id).where(Follow.follower_id == user_id)))


def follower_ids(s: Session, user_id: str) -> set[str]:
    return set(s.scalars(select(Follow.follower_id).where(Follow.followee_id == user_id)))


def friend_ids(s: Session, user_id: str) -> set[str]:
    """Mutual follows."""
    return following_ids(s, user_id) & follower_ids(s, user_id)


def blocked_ids(s: Session, user_id: str) -> set[str]:
    """Users hidden from ``user_id`` either way: the ones they blocked and the ones who blocked them."""
    rows = s.execute(select(Block.blocker_id, Block.blocked_id).where(
        or_(Block.blocker_id == user_id, Block.blocked_id == user_id))).all()
    return {b if a == user_id else a for a, b in rows}


def relation(s: Session, viewer_id: str, other_id: str) -> str:
    """One of ``RELATIONS``: how ``other`` relates to ``viewer``."""
    if viewer_id == other_id:
        return "self"
    if other_id in blocked_ids(s, viewer_id):
        return "blocked"
    follows = s.scalar(select(Follow.id).where(Follow.follower_id == viewer_id, Follow.followee_id == other_id))
    followed = s.scalar(select(Follow.id).where(Follow.follower_id == other_id, Follow.followee_id == viewer_id))
    if follows and followed:
        return "friend"
    return "following" if follows else "follower" if followed else "stranger"


class SocialGraph:
    """Follow, unfollow, block, unblock. Every method takes the acting user's id (already authenticated)."""

    def __init__(self, db: Database, limits: ActionLimits | None = None) -> None:
        self.db = db
        self.limits = limits or ActionLimits({})  # follows per user per window

    def follow(self, actor_id: str, handle: str) -> dict:
        self.limits.check("follow", actor_id)
        with self.db.session() as s:
            target = user_by_handle(s, handle)
            if target.id == actor_id:
                raise SandboxError("you cannot follow yourself: pick someone else's handle")
            if target.id in blocked_ids(s, actor_id):
                raise SandboxError(f"you cannot follow @{target.handle}: one of you blocked the other")
            if not s.scalar(select(Follow.id).where(Follow.follower_id == actor_id,
                                                    Follow.followee_id == target.id)):
                s.add(Follow(follower_id=actor_id, followee_id=target.id))
                s.add(Notification(user_id=target.id, kind="follow", actor_id=actor_id, text="started following you"))
            return {"following": target.handle, "relation": relation(s, actor_id, target.id)}

    def unfollow(self, actor_id: str, handle: str) -> dict:
        with self.db.session() as s:
            target = user_by_handle(s, handle)
            s.execute(delete(Follow).where(Follow.follower_id == actor_id, Follow.followee_id == target.id))
            return {"unfollowed": target.handle, "relation": relation(s, actor_id, target.id)}

    def block(self, actor_id: str, handle: str) -> dict:
        """Blocking also removes follows both ways: a blocked user is not a friend."""
        with self.db.session() as s:
            target = user_by_handle(s, handle)
            if target.id == actor_id:
                raise SandboxError("you cannot block yourself")
            add_once(s, Block(blocker_id=actor_id, blocked_id=target.id))  # already blocked: fine
            s.execute(delete(Follow).where(or_(
                (Follow.follower_id == actor_id) & (Follow.followee_id == target.id),
                (Follow.follower_id == target.id) & (Follow.followee_id == actor_id))))
            return {"blocked": target.handle}

    def unblock(self, actor_id: str, handle: str) -> dict:
        with self.db.session() as s:
            target = user_by_handle(s, handle)
            s.execute(delete(Block).where(Block.blocker_id == actor_id, Block.blocked_id == target.id))
            return {"unblocked": target.handle}
