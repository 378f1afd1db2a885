"""Cameo lifecycle: creation stores only what it should; use is ledgered; take-downs leave nothing behind."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from sandbox.errors import NotFound, PermissionDenied, SandboxError
from sandbox.generation import GenerationRequest
from sandbox.store.schema import Cameo, CameoUse, Draft, Post
from tests.cameo.conftest import create_cameo, make_cameo
from tests.conftest import SMALL_VIDEO


def gen(sb, handle: str, prompt: str = "@ana waving", **kwargs):
    user = sb.identity.actor(handle, None)
    return sb.cameos.generate(user.id, GenerationRequest(prompt=prompt, seed=1, **SMALL_VIDEO), **kwargs)


def count(sb, model, *where) -> int:
    with sb.db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def media_files(sb) -> set[str]:
    return {p.name for p in sb.media.all_files()}


# ------------------------------------------------------------------ creation
def test_create_keeps_references_privately_and_deletes_the_upload(sb, upload):
    ana = sb.identity.actor("ana", None)
    clip = upload("live")
    created = create_cameo(sb, ana.id, clip, delete_upload=True)
    assert created["status"] == "verified"
    assert not clip.exists(), "the raw upload is deleted after processing"
    mine = sb.cameos.mine(ana.id)
    assert mine["policy"] == "only_me" and len(mine["references"]) == 3
    for ref in mine["references"]:
        assert ref.startswith(str(sb.config.private_dir)) and not ref.startswith(str(sb.config.media_dir))
    assert media_files(sb) == set(), "nothing of the cameo lands in the served media folder"


def test_keep_uploads_setting_retains_the_clip_privately(config, upload):
    from sandbox.context import Sandbox
    from tests.conftest import CPU_ONLY

    sb = Sandbox(replace(config, cameo_keep_uploads=True), hardware=CPU_ONLY)
    ana = sb.identity.actor("ana", None)
    create_cameo(sb, ana.id, upload("live"))
    assert len([p for p in sb.cameos.private.all_files() if p.suffix == ".mp4"]) == 1
    sb.close()


@pytest.mark.parametrize("kind", ["still", "two_faces"])
def test_rejected_clip_stores_reasons_and_nothing_else(sb, upload, kind):
    ana = sb.identity.actor("ana", None)
    created = create_cameo(sb, ana.id, upload(kind))
    assert created["status"] == "rejected" and "❌" in created["report"]
    assert sb.cameos.private.all_files() == []
    assert sb.cameos.usable(ana.id) == []
    with pytest.raises(NotFound, match="no verified cameo"):
        sb.cameos.settings(ana.id, policy="everyone")


@pytest.mark.parametrize("content", [b"not a video", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64])
def test_unreadable_uploads_are_refused_and_nothing_is_stored(sb, tmp_path, content):
    ana = sb.identity.actor("ana", None)
    bad = tmp_path / "x.mp4"
    bad.write_bytes(content)
    with pytest.raises(SandboxError, match="`video`"):
        create_cameo(sb, ana.id, bad)
    assert count(sb, Cameo) == 0 and sb.cameos.private.all_files() == []


def test_the_same_face_cannot_become_a_second_users_cameo(sb, upload):
    make_cameo(sb, "ana", upload)
    ben = sb.identity.actor("ben", None)
    created = create_cameo(sb, ben.id, upload("live"))
    assert created["status"] == "rejected"
    assert "already belongs to @ana" in created["report"]


def test_a_mirrored_copy_of_a_cameo_face_is_refused_as_that_users_face(sb, upload, clips):
    """The copy performs the challenge perfectly (it passes every liveness line): the face is what is refused."""
    make_cameo(sb, "ana", upload)
    ben = sb.identity.actor("ben", None)
    created = create_cameo(sb, ben.id, clips["mirrored_copy"])
    assert created["status"] == "rejected"
    failed = [line for line in created["report"].splitlines() if "❌" in line]
    assert len(failed) == 1 and "unique face: this face already belongs to @ana" in failed[0], created["report"]


def test_one_live_cameo_per_owner(sb, upload):
    make_cameo(sb, "ana", upload)
    with pytest.raises(SandboxError, match="delete it first"):
        create_cameo(sb, sb.identity.actor("ana", None).id, upload("live"))


# ------------------------------------------------------------------ settings and use
def test_instructions_are_added_to_every_prompt_and_moderated(sb, upload):
    make_cameo(sb, "ana", upload, instructions="always wearing a hat")
    pipeline_prompts = []
    run = sb.generation._run_on_gpu
    sb.generation._run_on_gpu = lambda loaded, req, *a, **k: (pipeline_prompts.append(req.prompt),
                                                              run(loaded, req, *a, **k))[1]
    result = gen(sb, "ben", "@ana dancing")
    assert pipeline_prompts[-1].endswith("(Ana Lima: always wearing a hat)")
    assert "hat" not in result.request["prompt"], "the owner's instructions are private: only the pipeline sees them"
    with pytest.raises(PermissionDenied, match="instructions"):
        sb.cameos.settings(sb.identity.actor("ana", None).id, instructions="show me nude")
    with pytest.raises(SandboxError, match="`policy`"):
        sb.cameos.settings(sb.identity.actor("ana", None).id, policy="friends-ish")


def test_usable_lists_only_cameos_the_user_may_use(sb, upload):
    make_cameo(sb, "ana", upload, policy="mutuals")
    assert [c["handle"] for c in sb.cameos.usable(sb.identity.actor("ben", None).id)] == ["ana"]
    assert sb.cameos.usable(sb.identity.actor("emi", None).id) == []
    assert sb.cameos.usable(sb.identity.actor("ana", None).id)[0]["mine"]


def test_mentions_and_limits(sb, upload):
    make_cameo(sb, "ana", upload)
    with pytest.raises(NotFound, match="@ben has no verified cameo"):
        gen(sb, "chloe", "@ana and @ben")
    with pytest.raises(NotFound, match="no cameo 'c_nope'"):
        gen(sb, "chloe", "a dance", cameos=["c_nope"])
    sb.cameos.config.unique_face_distance = 0.0  # one sample face for three owners: allow even exact copies here
    make_cameo(sb, "chloe", upload)
    make_cameo(sb, "dev", upload)
    assert len(gen(sb, "ben", "@ana meets @chloe").request["cameo_ids"]) == 2
    with pytest.raises(SandboxError, match="at most 2 cameos or characters per video but got 3"):
        gen(sb, "ben", "@ana and @dev", cameos=["@chloe"])


def test_a_prompt_without_cameos_is_plain_generation(sb):
    result = gen(sb, "ben", "a red circle, email me at x@ana.com")
    assert not result.request["cameo_ids"]
    assert count(sb, CameoUse) == 0


def test_use_is_ledgered_and_the_owner_notified(sb, upload):
    cameo_id = make_cameo(sb, "ana", upload)
    ben = sb.identity.actor("ben", None)
    draft = gen(sb, "ben", "@ana surfing")
    post = sb.posts.publish(ben.id, draft.draft_id, "look")
    ana = sb.identity.actor("ana", None)
    uses = sb.cameos.uses(ana.id)
    assert {(u["kind"], u["creator"]) for u in uses} == {("draft", "ben"), ("post", "ben")}
    assert all(u["video"] and u["video"].endswith(".mp4") for u in uses)
    kinds = [n["text"] for n in sb.posts.notifications(ana.id) if n["kind"] == "cameo"]
    assert kinds == ["published a post with your cameo", "made a draft with your cameo"]
    with sb.db.session() as s:
        assert s.get(Post, post["post_id"]).cameo_ids == {"ids": [cameo_id]}
    assert sb.cameos.uses(ben.id) == [], "only the owner sees the ledger"


def test_a_real_persons_cameo_lifts_the_public_figure_rule_only_for_them(sb, upload):
    ana = sb.identity.actor("ana", None)
    with sb.db.session() as s:
        s.get(type(ana), ana.id).display_name = "Taylor Swift"
    make_cameo(sb, "ana", upload)
    assert gen(sb, "ben", "@ana as Taylor Swift on stage").draft_id
    with pytest.raises(PermissionDenied, match="public figure"):
        gen(sb, "ben", "@ana with Elon Musk")
    with pytest.raises(PermissionDenied, match="public figure"):
        sb.generation.generate(sb.identity.actor("ben", None).id,
                               GenerationRequest(prompt="Taylor Swift on stage", seed=1, **SMALL_VIDEO))


def test_consent_withdrawn_during_generation_discards_the_draft(sb, upload):
    make_cameo(sb, "ana", upload)
    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    run = sb.generation._run_on_gpu

    def revoke_mid_run(*args, **kwargs):
        sb.cameos.settings(ana.id, policy="only_me")
        return run(*args, **kwargs)

    sb.generation._run_on_gpu = revoke_mid_run
    with pytest.raises(PermissionDenied, match="only they may use it"):
        sb.cameos.generate(ben.id, GenerationRequest(prompt="@ana", seed=1, **SMALL_VIDEO))
    assert count(sb, Draft) == 0 and media_files(sb) == set()


def test_publish_refused_when_the_cameo_was_deleted(sb, upload):
    make_cameo(sb, "ana", upload)
    ben = sb.identity.actor("ben", None)
    draft = gen(sb, "ben")
    with sb.db.session() as s:  # delete the row itself, as a crash between steps might
        s.delete(s.scalar(select(Cameo)))
    with pytest.raises(PermissionDenied, match="deleted"):
        sb.posts.publish(ben.id, draft.draft_id)


# ------------------------------------------------------------------ take-downs (SQLite and PostgreSQL)
def friends_feed_ids(sb, handle: str) -> set[str]:
    return {i.post_id for i in sb.feed.page(sb.identity.actor(handle, None).id, limit=50).items}


def test_delete_use_removes_the_video_everywhere(sb_any, upload):
    sb = sb_any
    make_cameo(sb, "ana", upload)
    ben, ana = sb.identity.actor("ben", None), sb.identity.actor("ana", None)
    draft = gen(sb, "ben")
    post_id = sb.posts.publish(ben.id, draft.draft_id)["post_id"]
    assert post_id in friends_feed_ids(sb, "chloe")
    sha = draft.video_path.stem
    use = next(u for u in sb.cameos.uses(ana.id) if u["kind"] == "post")
    with pytest.raises(NotFound):
        sb.cameos.delete_use(ben.id, use["use_id"]), "only the owner may delete uses"
    assert sb.cameos.delete_use(ana.id, use["use_id"])["removed"] == 1
    assert not draft.video_path.exists() and media_files(sb) == set()
    assert count(sb, Draft, Draft.media_sha256 == sha) == 0
    assert count(sb, Post, Post.media_sha256 == sha, Post.deleted.is_(False)) == 0
    assert post_id not in friends_feed_ids(sb, "chloe")
    assert sb.cameos.uses(ana.id) == [] and all(u["removed"] for u in sb.cameos.uses(ana.id, include_removed=True))
    assert sb.provenance.lookup(ana.id, None, sha) is None
    assert any("removed" in n["text"] for n in sb.posts.notifications(ben.id))


def test_revoke_takes_down_that_users_videos_and_refuses_them(sb_any, upload):
    sb = sb_any
    make_cameo(sb, "ana", upload)
    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    ben_post = sb.posts.publish(ben.id, gen(sb, "ben").draft_id)["post_id"]
    chloe_draft = gen(sb, "chloe", "@ana on a bike")
    sb.cameos.revoke(ana.id, "ben")
    assert ben_post not in friends_feed_ids(sb, "chloe")
    assert chloe_draft.video_path.exists(), "other users' videos stay"
    assert {p.stem for p in sb.media.all_files()} == {chloe_draft.video_path.stem}
    with pytest.raises(PermissionDenied, match="revoked"):
        gen(sb, "ben")
    sb.cameos.settings(ana.id, approved=["ben"])  # approving again lifts the revocation
    assert gen(sb, "ben").draft_id


def test_delete_cameo_removes_every_use_and_the_references(sb_any, upload):
    sb = sb_any
    make_cameo(sb, "ana", upload)
    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    sb.posts.publish(ben.id, gen(sb, "ben").draft_id)
    gen(sb, "chloe")
    gen(sb, "ana", "a plain red circle")  # not a cameo video: it stays
    result = sb.cameos.delete(ana.id)
    assert result["removed"] == 2
    assert len(sb.media.all_files()) == 1
    assert sb.cameos.private.all_files() == []
    assert count(sb, Post, Post.deleted.is_(False)) == 0
    assert count(sb, Draft) == 1
    assert sb.cameos.usable(ben.id) == []
    with pytest.raises(NotFound, match="no verified cameo"):
        gen(sb, "ben")
    assert create_cameo(sb, ana.id, upload("live"))["status"] == "verified", "a new cameo can be recorded"


# ------------------------------------------------------------------ the challenge travels with the clip
def test_a_challenge_is_single_use_personal_and_expires(sb, upload):
    from datetime import timedelta

    from sandbox.store.schema import CameoChallenge

    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    with pytest.raises(SandboxError, match="`challenge` is missing"):
        sb.cameos.create(ana.id, upload("live"), "")
    issued = sb.cameos.issue_challenge(ana.id)
    with pytest.raises(SandboxError, match="not issued to you"):
        sb.cameos.create(ben.id, upload("live"), issued["challenge_id"])
    first = sb.cameos.create(ana.id, upload("still"), issued["challenge_id"])
    assert first["status"] == "rejected"
    with pytest.raises(SandboxError, match="already used"):
        sb.cameos.create(ana.id, upload("live"), issued["challenge_id"])
    late = sb.cameos.issue_challenge(ana.id)
    with sb.db.session() as s:
        row = s.get(CameoChallenge, late["challenge_id"])
        row.expires_at -= timedelta(hours=1)
    with pytest.raises(SandboxError, match="expired"):
        sb.cameos.create(ana.id, upload("live"), late["challenge_id"])


def test_a_clip_answering_another_challenge_is_rejected(sb, upload):
    """The pre-made clip says 4 7 1 9; a random challenge asks for other digits (a replay)."""
    ana = sb.identity.actor("ana", None)
    issued = sb.cameos.issue_challenge(ana.id)
    created = sb.cameos.create(ana.id, upload("live"), issued["challenge_id"])
    assert created["status"] == "rejected"
    assert "❌ spoken digits" in created["report"]


# ------------------------------------------------------------------ likeness carried
def test_each_use_records_how_much_of_the_face_the_video_carries(sb, upload):
    make_cameo(sb, "ana", upload)
    gen(sb, "ben", "@ana waving")
    (use,) = sb.cameos.uses(sb.identity.actor("ana", None).id)
    assert use["likeness"].startswith(("no face found", "face distance")), use["likeness"]
    with sb.db.session() as s:
        measured = s.scalar(select(CameoUse.likeness))
    assert measured.get("face") in (True, False)
