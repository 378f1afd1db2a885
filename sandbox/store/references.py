"""Which rows use a media file, and deleting the file once none does: the one rule for what may be shown.
A file (and every copy of it handed out) lives only as long as a draft or a live post shows it."""

from __future__ import annotations

from sqlalchemy import func, select

from sandbox.store.db import Database
from sandbox.store.media import MediaStore
from sandbox.store.schema import Draft, Post, User


def media_is_live(db: Database, sha: str) -> bool:
    """True while a draft or a live post shows the file with this content hash."""
    with db.session() as s:
        drafts = s.scalar(select(func.count()).select_from(Draft).where(Draft.media_sha256 == sha))
        posts = s.scalar(select(func.count()).select_from(Post).where(Post.media_sha256 == sha,
                                                                      Post.deleted.is_(False)))
        return bool(drafts or posts)


def origin_of(s, sha: str, viewer_id: str) -> dict | None:
    """The post (or draft) whose file is ``sha``, as ``viewer_id`` may see it: posts are public, a draft's id
    is shown only to its creator (others read "an unpublished draft"). None: no row shows that file."""
    post = s.execute(select(Post, User.handle).join(User, User.id == Post.user_id)
                     .where(Post.media_sha256 == sha, Post.deleted.is_(False))).first()
    draft = s.execute(select(Draft, User.handle).join(User, User.id == Draft.user_id)
                      .where(Draft.media_sha256 == sha).order_by(Draft.created_at)).first()
    if post is None and draft is None:
        return None
    return {"creator": (post or draft)[1], "post_id": post[0].id if post else None,
            "draft_id": draft[0].id if draft and draft[0].user_id == viewer_id else None,
            "private_draft": post is None and draft is not None and draft[0].user_id != viewer_id}


def release_media(db: Database, media: MediaStore, sha: str) -> None:
    """Delete a content-addressed file once no draft and no live post references it (two drafts or a
    draft and a post can share one file: same bytes, same name). The media store's ``before_delete`` hooks
    remove the copies handed out of it."""
    if not media_is_live(db, sha):
        media.delete(sha)
