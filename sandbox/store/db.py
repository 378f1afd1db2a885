"""Engine and session handling: SQLite (WAL) file by default, PostgreSQL by URL.

Schema changes: on open, tables that are missing are created and columns that a newer schema added are
added to existing tables (``add_missing_columns``), with each row given the column's default. That is the
only migration there is: renamed or removed columns and changed types are not handled.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sandbox.store.schema import Base

log = logging.getLogger("sandbox.store")


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
            added = add_missing_columns(self.engine)
        except SQLAlchemyError as exc:
            self.engine.dispose()
            why = getattr(exc, "orig", None) or exc
            raise DatabaseUnavailable(f"the database {redact(url)} cannot be opened ({why}): restore a backup, or "
                                      "move the file away to start fresh") from exc
        if added:
            log.info("database %s: added columns %s (the schema gained them)", redact(url), ", ".join(added))
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


def add_missing_columns(engine: Engine) -> list[str]:
    """Add the columns the schema has and the database's existing tables lack (a database made by an earlier
    version), filling existing rows with each column's default. Returns ``table.column`` for each one added.

    The columns are added nullable (``ALTER TABLE … ADD COLUMN`` cannot add NOT NULL without a constant
    default on every backend); the ORM always writes them. A missing primary-key column cannot be added and
    raises, so that the start fails with the database's own words instead of later queries.
    """
    existing = inspect(engine)
    tables = set(existing.get_table_names())
    added = []
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            continue
        have = {c["name"] for c in existing.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as conn:
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
                if column.default is not None and not column.primary_key:
                    arg = column.default.arg
                    value = arg(None) if callable(arg) else arg  # SQLAlchemy wraps callables to take a context
                    conn.execute(update(table).values({column.name: value}))
            added.append(f"{table.name}.{column.name}")
    return added


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
