"""Property-based: random sequences of follows, blocks, generations, publishes, cameo permission changes,
revocations and deletes (hypothesis, stateful) keep the invariants after every step:
no orphan or missing files, consent never bypassed, feeds never show blocked users or deleted posts."""

from __future__ import annotations

import shutil

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from sandbox.cameo.consent import POLICIES, use_refusal
from sandbox.config import SandboxConfig
from sandbox.context import Sandbox
from sandbox.errors import SandboxError
from sandbox.generation import GenerationRequest
from sandbox.social.graph import blocked_ids
from sandbox.store.schema import Cameo, CameoAccess, Draft, Post
from tests.cameo.conftest import create_cameo
from tests.conftest import CPU_ONLY, SMALL_VIDEO
from tests.reliability.report import record

PEOPLE = ("ana", "ben", "chloe", "dev", "emi")
who = st.sampled_from(PEOPLE)
STATS = {"steps": 0, "refused": 0, "checks": 0}


class SandboxMachine(RuleBasedStateMachine):
    models_dir = None
    clip = None
    tmp = None

    @initialize()
    def start(self):
        import tempfile
        from pathlib import Path

        self.root = Path(tempfile.mkdtemp(dir=self.tmp))
        self.sb = Sandbox(SandboxConfig(data_dir=self.root / "data", models_dir=self.models_dir, rate_limit=None),
                          hardware=CPU_ONLY)
        self.ids = {h: self.sb.identity.actor(h, None).id for h in PEOPLE}
        upload = self.root / "clip.mp4"
        shutil.copyfile(self.clip, upload)
        assert create_cameo(self.sb, self.ids["ana"], upload)["status"] == "verified"

    def teardown(self):
        if hasattr(self, "sb"):
            self.sb.close()
            shutil.rmtree(self.root, ignore_errors=True)

    def attempt(self, fn, *args, **kwargs):
        STATS["steps"] += 1
        try:
            return fn(*args, **kwargs)
        except SandboxError:
            STATS["refused"] += 1
            return None

    # ------------------------------------------------------------------ rules
    @rule(a=who, b=who)
    def follow(self, a, b):
        self.attempt(self.sb.graph.follow, self.ids[a], b)

    @rule(a=who, b=who)
    def block(self, a, b):
        self.attempt(self.sb.graph.block, self.ids[a], b)

    @rule(a=who, b=who)
    def unblock(self, a, b):
        self.attempt(self.sb.graph.unblock, self.ids[a], b)

    @rule(a=who, with_cameo=st.booleans())
    def generate(self, a, with_cameo):
        with self.sb.db.session() as s:
            cameo = s.scalar(select(Cameo).where(Cameo.status == "verified"))
            allowed = cameo is not None and use_refusal(s, cameo, self.ids[a]) is None
        result = self.attempt(self.sb.cameos.generate, self.ids[a],
                              GenerationRequest(prompt="@ana dancing" if with_cameo else "a dance", seed=1,
                                                **SMALL_VIDEO))
        if with_cameo:
            assert (result is not None) == allowed, "consent decided generation"

    @rule(a=who, data=st.data())
    def publish(self, a, data):
        with self.sb.db.session() as s:
            drafts = list(s.scalars(select(Draft.id).where(Draft.user_id == self.ids[a])))
        if drafts:
            self.attempt(self.sb.posts.publish, self.ids[a], data.draw(st.sampled_from(drafts)))

    @rule(a=who, data=st.data())
    def delete_post(self, a, data):
        with self.sb.db.session() as s:
            posts = list(s.scalars(select(Post.id).where(Post.deleted.is_(False))))
        if posts:
            self.attempt(self.sb.posts.delete, self.ids[a], data.draw(st.sampled_from(posts)))

    @rule(policy=st.sampled_from(POLICIES), approved=st.lists(who, max_size=2), paused=st.booleans())
    def cameo_settings(self, policy, approved, paused):
        self.attempt(self.sb.cameos.settings, self.ids["ana"], policy, approved, None, paused)

    @rule(b=who)
    def revoke(self, b):
        self.attempt(self.sb.cameos.revoke, self.ids["ana"], b)

    @rule(data=st.data())
    def delete_use(self, data):
        uses = self.sb.cameos.uses(self.ids["ana"])
        if uses:
            self.attempt(self.sb.cameos.delete_use, self.ids["ana"], data.draw(st.sampled_from(uses))["use_id"])

    # ------------------------------------------------------------------ invariants
    @invariant()
    def files_match_rows(self):
        if not hasattr(self, "sb"):
            return
        STATS["checks"] += 1
        with self.sb.db.session() as s:
            live = set(s.scalars(select(Draft.media_sha256))) | set(
                s.scalars(select(Post.media_sha256).where(Post.deleted.is_(False))))
        on_disk = {p.stem for p in self.sb.media.all_files()}
        assert on_disk == live, f"orphans {on_disk - live}, missing {live - on_disk}"

    @invariant()
    def revoked_users_show_no_cameo(self):
        if not hasattr(self, "sb"):
            return
        with self.sb.db.session() as s:
            revoked = set(s.scalars(select(CameoAccess.user_id).where(CameoAccess.status == "revoked")))
            for post in s.scalars(select(Post).where(Post.deleted.is_(False))):
                if post.cameo_ids.get("ids"):
                    assert post.user_id not in revoked, "a revoked user's cameo post survived"

    @invariant()
    def feeds_hide_blocked_and_deleted(self):
        if not hasattr(self, "sb"):
            return
        for h in PEOPLE:
            page = self.sb.feed.page(self.ids[h], limit=20)
            with self.sb.db.session() as s:
                hidden = blocked_ids(s, self.ids[h])
                for item in page.items:
                    post = s.get(Post, item.post_id)
                    assert not post.deleted and post.user_id not in hidden


def test_invariants_hold_under_random_sequences(models_dir, clips, tmp_path):
    SandboxMachine.models_dir, SandboxMachine.clip, SandboxMachine.tmp = models_dir, clips["live"], tmp_path
    run_state_machine_as_test(SandboxMachine, settings=settings(
        max_examples=6, stateful_step_count=14, deadline=None, suppress_health_check=list(HealthCheck)))
    record("invariants", f"random action sequences ({STATS['steps']} actions, {STATS['refused']} refused), "
           "invariants checked after each", STATS["checks"], STATS["checks"])
