"""Which rows use a media file, and deleting the file once none does."""

from __future__ import annotations

from sqlalchemy import func, select

from sandbox.store.db import Database
from sandbox.store.media import MediaStore
from sandbox.store.schema import Draft, Post


def release_media(db: Database, media: MediaStore, sha: str) -> None:
    """Delete a content-addressed file once no draft and no live post references it (two drafts or a
    draft and a post can share one file: same bytes, same name)."""
    with db.session() as s:
        drafts = s.scalar(select(func.count()).select_from(Draft).where(Draft.media_sha256 == sha))
        posts = s.scalar(select(func.count()).select_from(Post).where(Post.media_sha256 == sha,
                                                                      Post.deleted.is_(False)))
        if not drafts and not posts:
            media.delete(sha)
