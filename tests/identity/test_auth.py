import pytest
from sqlalchemy import select

from sandbox.config import SandboxConfig
from sandbox.errors import NotFound, PermissionDenied
from sandbox.identity.auth import IdentityService, normalize_handle, parse_users, resolve_actor
from sandbox.store.db import Database
from sandbox.store.schema import Follow, User

PERSONAS = ["ana", "ben"]


def test_personas_mode_selects_the_persona():
    assert resolve_actor("personas", None, None, PERSONAS) == "ana"
    assert resolve_actor("personas", "@Ben", None, PERSONAS) == "ben"
    with pytest.raises(NotFound, match="`user` must be one of the personas"):
        resolve_actor("personas", "mallory", None, PERSONAS)


@pytest.mark.parametrize("mode", ["password", "hf"])
def test_signed_in_modes_act_only_as_the_session_user(mode):
    assert resolve_actor(mode, "", "ana", []) == "ana"
    assert resolve_actor(mode, "ANA", "ana", []) == "ana"
    with pytest.raises(PermissionDenied, match="signed in as @ana and cannot act as @ben"):
        resolve_actor(mode, "ben", "ana", [])
    with pytest.raises(PermissionDenied, match="sign in first"):
        resolve_actor(mode, "ana", None, [])


def test_handles_fold_confusable_forms():
    assert normalize_handle("＠Ａｎａ") == "ana"  # full-width forms fold under NFKC


def test_parse_users():
    assert parse_users("ana:pw, ben:x:y", None) == {"ana": "pw", "ben": "x:y"}
    with pytest.raises(ValueError, match="must look like `handle:password`"):
        parse_users("ana", None)


def test_personas_are_seeded_with_a_friend_graph(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    cfg = SandboxConfig(data_dir=tmp_path)
    IdentityService(db, cfg)
    IdentityService(db, cfg)  # seeding twice adds nothing
    with db.session() as s:
        handles = set(s.scalars(select(User.handle)))
        assert {"ana", "ben", "chloe", "dev", "emi", "mod"} <= handles
        ids = {u.handle: u.id for u in s.scalars(select(User))}
        pairs = {(f.follower_id, f.followee_id) for f in s.scalars(select(Follow))}
        assert (ids["ana"], ids["ben"]) in pairs and (ids["ben"], ids["ana"]) in pairs
        assert len(pairs) == 10


def test_password_mode(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    ids = IdentityService(db, SandboxConfig(data_dir=tmp_path, identity_mode="password", users="ana:s3cret"))
    assert ids.check_password("ana", "s3cret") and not ids.check_password("ana", "wrong")
    assert not ids.check_password("ben", "s3cret")
    assert ids.actor("", "ana").handle == "ana"
    with pytest.raises(PermissionDenied):
        ids.actor("mod", "ana")


def test_hf_mode_creates_the_account_on_first_sight(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    ids = IdentityService(db, SandboxConfig(data_dir=tmp_path, identity_mode="hf"))
    assert ids.actor(None, "Julien").handle == "julien"
    assert ids.actor("julien", "Julien").id == ids.actor(None, "julien").id


def test_password_mode_needs_users(tmp_path):
    with pytest.raises(ValueError, match="SANDBOX_USERS"):
        SandboxConfig(data_dir=tmp_path, identity_mode="password")
