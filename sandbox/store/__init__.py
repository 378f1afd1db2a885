"""Persistence: SQLAlchemy models and sessions (SQLite WAL by default, PostgreSQL by URL), and media files."""

from sandbox.store.db import Database
from sandbox.store.media import MediaStore
from sandbox.store.schema import Base, Draft, Follow, User

__all__ = ["Base", "Database", "Draft", "Follow", "MediaStore", "User"]
