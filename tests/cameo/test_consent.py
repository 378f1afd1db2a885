"""The consent matrix: every policy × every relation to the owner, at generation and at publish — for a
person's cameo (@ana) and for a character (@ana.rex, her cat): the same rules, decided in one place.

Owner @ana. Relations (set up from the persona world): @ben mutual, @chloe approved (follows ana one way),
@dev follows ana one way, @emi stranger, @mod blocked by ana.
"""

from __future__ import annotations

import pytest

from sandbox.context import Sandbox
from sandbox.errors import PermissionDenied
from sandbox.generation import GenerationRequest
from tests.cameo.conftest import make_cameo, make_character
from tests.conftest import CPU_ONLY, SMALL_VIDEO

RELATIONS = {"owner": "ana", "approved": "chloe", "mutual": "ben", "follower": "dev", "stranger": "emi",
             "blocked": "mod"}
ALLOWED = {
    "only_me": {"owner"},
    "approved": {"owner", "approved"},
    "mutuals": {"owner", "approved", "mutual"},
    "everyone": {"owner", "approved", "mutual", "follower", "stranger"},
}
SUBJECTS = {"person": ("@ana", ""), "character": ("@ana.rex", "rex")}  # mention, settings `cameo`
CASES = [(subject, policy, relation) for subject in SUBJECTS for policy in ALLOWED for relation in RELATIONS]


@pytest.fixture(scope="module")
def world(tmp_path_factory, models_dir, clips):
    """One sandbox for the matrix: ana's cameo, the relations above, and a draft per user made while the
    cameo was open to everyone and nobody was blocked (for the publish half of the matrix)."""
    from sandbox.config import SandboxConfig

    root = tmp_path_factory.mktemp("consent")
    sb = Sandbox(SandboxConfig(data_dir=root / "data", models_dir=models_dir, rate_limit=None), hardware=CPU_ONLY)
    users = {rel: sb.identity.actor(h, None) for rel, h in RELATIONS.items()}
    counter = iter(range(100))

    def upload(kind):
        dest = root / f"{kind}-{next(counter)}.mp4"
        dest.write_bytes(clips[kind].read_bytes())
        return dest

    make_cameo(sb, "ana", upload, policy="everyone")
    make_character(sb, "ana", "rex", clips["pet"], policy="everyone")
    ana = users["owner"]
    sb.graph.unfollow(ana.id, "chloe")  # chloe now follows ana one way
    sb.graph.unfollow(ana.id, "emi")
    drafts = {(subject, rel): sb.cameos.generate(u.id, GenerationRequest(prompt=f"{mention} waving", seed=1,
                                                                         **SMALL_VIDEO)).draft_id
              for subject, (mention, _) in SUBJECTS.items() for rel, u in users.items()}
    for _, name in SUBJECTS.values():
        sb.cameos.settings(ana.id, approved=["chloe"], cameo=name)
    sb.graph.block(ana.id, "mod")
    yield sb, users, drafts
    sb.close()


@pytest.mark.parametrize(("subject", "policy", "relation"), CASES)
def test_generation(world, subject, policy, relation):
    sb, users, _ = world
    mention, name = SUBJECTS[subject]
    sb.cameos.settings(users["owner"].id, policy=policy, cameo=name)
    request = GenerationRequest(prompt=f"{mention} surfing", seed=2, **SMALL_VIDEO)
    if relation in ALLOWED[policy]:
        result = sb.cameos.generate(users[relation].id, request)
        assert result.request["cameo_ids"]
    else:
        with pytest.raises(PermissionDenied, match="@ana"):
            sb.cameos.generate(users[relation].id, request)


@pytest.mark.parametrize(("subject", "policy", "relation"), CASES)
def test_publish_rechecks_consent(world, subject, policy, relation):
    """The drafts were made when everyone was allowed; publishing asks again under today's policy."""
    sb, users, drafts = world
    sb.cameos.settings(users["owner"].id, policy=policy, cameo=SUBJECTS[subject][1])
    if relation in ALLOWED[policy]:
        assert sb.posts.publish(users[relation].id, drafts[subject, relation])["post_id"]
    else:
        with pytest.raises(PermissionDenied, match="@ana"):
            sb.posts.publish(users[relation].id, drafts[subject, relation])


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("relation", ["approved", "mutual", "stranger"])
def test_pause_stops_everyone_but_the_owner(world, subject, relation):
    sb, users, _ = world
    owner = users["owner"]
    mention, name = SUBJECTS[subject]
    sb.cameos.settings(owner.id, policy="everyone", paused=True, cameo=name)
    try:
        with pytest.raises(PermissionDenied, match="paused"):
            sb.cameos.generate(users[relation].id, GenerationRequest(prompt=mention, seed=3, **SMALL_VIDEO))
        assert sb.cameos.generate(owner.id, GenerationRequest(prompt=mention, seed=3, **SMALL_VIDEO)).draft_id
    finally:
        sb.cameos.settings(owner.id, paused=False, cameo=name)
