import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from sandbox.store.db import Database
from sandbox.store.schema import Draft, Follow, User


def _user(handle: str) -> User:
    return User(handle=handle, display_name=handle.title())


def test_schema_roundtrip(db_url):
    db = Database(db_url)
    with db.session() as s:
        ana = _user("ana")
        s.add(ana)
        s.flush()
        s.add(Draft(user_id=ana.id, media_sha256="a" * 64, prompt="p", request={"steps": 3, "nested": [1, 2]},
                    model_id="m", model_revision="r", seed=5))
    with db.session() as s:
        draft = s.scalars(select(Draft)).one()
        assert draft.request == {"steps": 3, "nested": [1, 2]}
        assert draft.user.handle == "ana"
        assert draft.id.startswith("d_") and len(draft.id) == 14
    assert db.integrity_check() == "ok"
    db.dispose()


def test_a_failed_transaction_writes_nothing(db_url):
    db = Database(db_url)
    with pytest.raises(RuntimeError), db.session() as s:
        s.add(_user("ana"))
        s.flush()
        raise RuntimeError("boom")
    with db.session() as s:
        assert s.scalars(select(User)).all() == []
    db.dispose()


def test_unique_handles_and_follows(db_url):
    db = Database(db_url)
    with db.session() as s:
        a, b = _user("ana"), _user("ben")
        s.add_all([a, b])
        s.flush()
        s.add(Follow(follower_id=a.id, followee_id=b.id))
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(_user("ana"))
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(Follow(follower_id=a.id, followee_id=b.id))
    db.dispose()


def test_backend_is_what_the_url_says(db_url):
    db = Database(db_url)
    assert db.backend == ("sqlite" if db_url.startswith("sqlite") else "postgresql")
    if db.backend == "sqlite":
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    db.dispose()


def test_a_database_made_by_an_earlier_schema_gains_the_new_columns_with_their_defaults(tmp_path):
    """The cameo work added cameos.kind, cameos.name and cameo_uses.likeness: a database made before them
    opens, the columns are added, and old rows read the defaults (not NULL) through the ORM."""
    import sqlite3

    from sandbox.store.schema import Cameo, CameoUse

    path = tmp_path / "old.db"
    db = Database(f"sqlite:///{path}")
    with db.session() as s:
        ana = _user("ana")
        s.add(ana)
        s.flush()
        cameo = Cameo(owner_id=ana.id, status="verified")
        s.add(cameo)
        s.flush()
        s.add(CameoUse(cameo_id=cameo.id, user_id=ana.id, kind="post", media_sha256="a" * 64))
    db.dispose()
    with sqlite3.connect(path) as old:  # back to the earlier schema
        for table, column in (("cameos", "kind"), ("cameos", "name"), ("cameo_uses", "likeness")):
            old.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        assert "kind" not in {row[1] for row in old.execute("PRAGMA table_info(cameos)")}

    db = Database(f"sqlite:///{path}")
    with db.session() as s:
        cameo = s.scalars(select(Cameo)).one()
        use = s.scalars(select(CameoUse)).one()
        assert (cameo.kind, cameo.name, use.likeness) == ("person", "", {})
    with db.session() as s:  # and new rows write them
        s.add(Cameo(owner_id=cameo.owner_id, status="rejected", kind="character", name="rex"))
    with db.session() as s:
        assert sorted(s.scalars(select(Cameo.kind))) == ["character", "person"]
    assert db.integrity_check() == "ok"
    db.dispose()


def test_opening_a_current_database_adds_nothing(tmp_path):
    from sandbox.store.db import add_missing_columns

    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    assert add_missing_columns(db.engine) == []
    db.dispose()
