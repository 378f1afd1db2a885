"""Persistence: SQLAlchemy models and sessions (SQLite WAL by default, PostgreSQL by URL), and media files."""

from sandbox.store.db import Database
from sandbox.store.media import MediaStore
from sandbox.store.schema import (
    Base,
    Block,
    Comment,
    Draft,
    Follow,
    InviteCode,
    Like,
    Notification,
    Post,
    SeeLess,
    User,
    View,
)

__all__ = [
    "Base", "Block", "Comment", "Database", "Draft", "Follow", "InviteCode", "Like", "MediaStore", "Notification",
    "Post", "SeeLess", "User", "View",
]
