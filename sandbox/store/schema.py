"""SQLAlchemy 2 models. Ids are short random strings so that they cannot be enumerated."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(6)}"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # stored naive-UTC: SQLite keeps no zone


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict] = {dict: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=lambda: new_id("u"))
    handle: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(64))
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar: Mapped[str] = mapped_column(String(16), default="🙂")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    drafts: Mapped[list[Draft]] = relationship(back_populates="user")


class Follow(Base):
    """``follower`` follows ``followee``. Two rows in both directions make friends (mutuals)."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("follower_id", "followee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    follower_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    followee_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Draft(Base):
    """A generated video, private to its creator until published."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=lambda: new_id("d"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    media_sha256: Mapped[str] = mapped_column(String(64), index=True)
    prompt: Mapped[str] = mapped_column(Text)
    negative_prompt: Mapped[str] = mapped_column(Text, default="")
    request: Mapped[dict] = mapped_column(JSON)
    model_id: Mapped[str] = mapped_column(String(128))
    model_revision: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    timings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship(back_populates="drafts")


class Block(Base):
    """``blocker`` never sees ``blocked``'s posts, and ``blocked`` cannot follow or comment on ``blocker``."""

    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("blocker_id", "blocked_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    blocker_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    blocked_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class InviteCode(Base):
    __tablename__ = "invite_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    used_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Post(Base):
    """A published draft. Engagement counters are kept on the row (updated in the same transaction as the
    like/comment/remix) so that ranking a page never has to count interactions."""

    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_user_created", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=lambda: new_id("p"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # unique: a draft becomes at most one post (publishing twice answers with the first post)
    draft_id: Mapped[str | None] = mapped_column(ForeignKey("drafts.id", ondelete="SET NULL"), nullable=True,
                                                 unique=True)
    media_sha256: Mapped[str] = mapped_column(String(64), index=True)
    caption: Mapped[str] = mapped_column(Text, default="")
    prompt: Mapped[str] = mapped_column(Text)
    model_id: Mapped[str] = mapped_column(String(128))
    seed: Mapped[int] = mapped_column(Integer)
    parent_post_id: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    remix_policy: Mapped[str] = mapped_column(String(16), default="everyone")  # everyone | friends | nobody
    cameo_ids: Mapped[dict] = mapped_column(JSON, default=dict)  # {"ids": [...]} (cameo issue)
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    remix_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    dwell_ms: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)  # no index: it misleads the planner
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Like(Base):
    __tablename__ = "likes"
    __table_args__ = (UniqueConstraint("user_id", "post_id"), Index("ix_likes_post_user", "post_id", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=lambda: new_id("c"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class View(Base):
    """One viewing of a post: feeds never repeat what was seen; dwell time feeds engagement."""

    __tablename__ = "views"
    __table_args__ = (Index("ix_views_user_post", "user_id", "post_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    dwell_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class SeeLess(Base):
    __tablename__ = "see_less"
    __table_args__ = (UniqueConstraint("user_id", "post_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # follow | like | comment | remix | cameo
    actor_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Fingerprint(Base):
    """Perceptual hashes of a media file's frames: finds the original after the manifest was stripped."""

    __tablename__ = "fingerprints"

    media_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    hashes: Mapped[dict] = mapped_column(JSON)  # {"frames": ["0f3a…", …]}
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Mark(Base):
    """The invisible mark's table: the short code hidden in a video's frames → the media file it was written
    into (and through it the draft and the post). The code is derived from the unmarked frames, so the same
    frames by the same creator get the same code and stay one content-addressed file."""

    __tablename__ = "marks"

    code: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    frames_sha256: Mapped[str] = mapped_column(String(64))  # the unmarked frames the code was made for
    media_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ModerationDecision(Base):
    """Every moderation decision, allowed or refused, with the rule that decided it."""

    __tablename__ = "moderation_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    field: Mapped[str] = mapped_column(String(32))
    allowed: Mapped[bool] = mapped_column(Boolean)
    rule: Mapped[str] = mapped_column(String(64), default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("reporter_id", "post_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | taken_down | dismissed
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Cameo(Base):
    """A user's verified likeness (``kind`` person: one live per owner) or a character of theirs (``kind``
    character: a pet or an object, handle ``@owner.name``). Rejected attempts keep their reasons.

    The reference crops live in the private media store (never served by URL); ``descriptor`` holds the
    dlib face descriptor and its mirrored twin, used to refuse a cameo of a face that already has one."""

    __tablename__ = "cameos"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=lambda: new_id("c"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")  # person | character
    name: Mapped[str] = mapped_column(String(32), default="")  # a character's name: @owner.name
    status: Mapped[str] = mapped_column(String(16))  # verified | rejected | deleted
    checks: Mapped[dict] = mapped_column(JSON, default=dict)  # {"checks": [{name, passed, detail}, …]}
    reference_shas: Mapped[dict] = mapped_column(JSON, default=dict)  # {"ids": [sha256 of PNG crops]}
    descriptor: Mapped[dict] = mapped_column(JSON, default=dict)  # {"v": [128 floats], "mirrored": [...]}
    policy: Mapped[str] = mapped_column(String(16), default="only_me")  # see sandbox.cameo.consent
    instructions: Mapped[str] = mapped_column(Text, default="")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    challenge: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CameoAccess(Base):
    """The owner's word about one user: ``approved`` (may use it under the approved/mutuals policies) or
    ``revoked`` (may never use it, whatever the policy)."""

    __tablename__ = "cameo_access"
    __table_args__ = (UniqueConstraint("cameo_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cameo_id: Mapped[str] = mapped_column(ForeignKey("cameos.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # approved | revoked
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CameoUse(Base):
    """The usage ledger: every draft and post that shows a cameo. Rows stay after a take-down (``removed``)
    so the owner keeps the history; the media they pointed to is gone."""

    __tablename__ = "cameo_uses"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=lambda: new_id("cu"))
    cameo_id: Mapped[str] = mapped_column(ForeignKey("cameos.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # draft | post
    draft_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    post_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    media_sha256: Mapped[str] = mapped_column(String(64), index=True)
    removed: Mapped[str] = mapped_column(String(64), default="")  # why it was taken down; "" = live
    likeness: Mapped[dict] = mapped_column(JSON, default=dict)  # {"distance": 0.71} | {"face": false}
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class CameoChallenge(Base):
    """A liveness challenge the server issued: it must come back with the clip before it expires, once."""

    __tablename__ = "cameo_challenges"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=lambda: new_id("ch"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)  # sandbox.cameo.challenge.Challenge.text
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
