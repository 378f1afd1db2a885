"""Engine and session handling: SQLite (WAL) file by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sandbox.store.schema import Base


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened (corrupt file, server down, wrong URL): said at start, not later."""


def redact(url: str) -> str:
    """The URL without its password."""
    import re

    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers do not block the writer, so the feed stays responsive while a draft is saved.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """A database at ``url``; the schema is created on open.

    >>> db = Database("sqlite:///:memory:")
    >>> with db.session() as s:
    ...     s.execute(text("select 1")).scalar()
    1
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = self._create_engine(url)
        try:
            Base.metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            self.engine.dispose()
            why = getattr(exc, "orig", None) or exc
            raise DatabaseUnavailable(f"the database {redact(url)} cannot be opened ({why}): restore a backup, or "
                                      "move the file away to start fresh") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @staticmethod
    def _create_engine(url: str) -> Engine:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return create_engine(url, pool_pre_ping=True)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back (nothing written) on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def integrity_check(self) -> str:
        """``"ok"`` when the database file is sound (SQLite ``integrity_check``; PostgreSQL: a query works)."""
        with self.engine.connect() as conn:
            if self.backend == "sqlite":
                return str(conn.execute(text("PRAGMA integrity_check")).scalar())
            conn.execute(text("select 1"))
            return "ok"

    def dispose(self) -> None:
        self.engine.dispose()


def add_once(session: Session, row) -> bool:
    """Insert ``row`` unless a unique constraint says it is there already (idempotent actions such as a
    second like). Returns whether it was inserted; the surrounding transaction goes on either way."""
    from sqlalchemy.exc import IntegrityError

    try:
        with session.begin_nested():
            session.add(row)
        return True
    except IntegrityError:
        return False
