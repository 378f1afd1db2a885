"""Attacker's tests for limits that must hold whatever the other inputs are, fair turns between users, social
rate limits, private cameo instructions, the remix mention rule and text that never becomes a link."""

from __future__ import annotations

import threading
import time

import pytest

from sandbox.errors import PermissionDenied, SandboxError
from sandbox.generation import GenerationRequest
from sandbox.generation.fairness import FairGate
from sandbox.generation.ratelimit import ActionLimits
from tests.cameo.conftest import make_cameo
from tests.conftest import SMALL_VIDEO, make_post
from tests.reliability.report import record


# ------------------------------------------------------------------ sizes, frames, steps
@pytest.mark.parametrize("overrides", [{"width": 512}, {"height": 1024}, {"width": 33}, {"num_frames": 400},
                                       {"steps": 1000}, {"width": 0}, {"height": -16}])
def test_every_size_input_is_checked_whatever_the_others_are(sb, overrides):
    ana = sb.identity.actor("ana", None)
    calls = []
    sb.generation._run_on_gpu = lambda *a, **k: calls.append(a)  # must never be reached
    with pytest.raises(SandboxError, match="|".join(overrides)):
        sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle", **overrides))
    assert calls == [] and sb.media.all_files() == []


# ------------------------------------------------------------------ cost budget and fair turns
def test_a_users_queued_and_running_work_is_held_to_a_budget(sb):
    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    sb.generation.gate = FairGate(slots=1, budget=1.5)
    with sb.generation.gate.admit(ana.id, cost=1.0):  # ana has a default-size video running
        with pytest.raises(SandboxError, match=r"you have 0 jobs waiting and 1 running"):
            sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle"))  # one more default video
        done = []
        other = threading.Thread(target=lambda: done.append(
            sb.generation.generate(ben.id, GenerationRequest(prompt="a red circle", seed=1, **SMALL_VIDEO))))
        other.start()  # ben is not refused: he waits for his turn
        time.sleep(0.5)
        assert not done, "ben waits while the only slot is busy"
    other.join(60)
    assert done and done[0].timings["wait_s"] >= 0.4


def _line_up(gate: FairGate, jobs: list[tuple[str, float]], arrive_every: float = 0.05) -> dict[str, list[float]]:
    """Submit (user, seconds of work) jobs in this order; returns each user's waits (arrival → admission)."""
    waits: dict[str, list[float]] = {}
    lock = threading.Lock()

    def run(user: str, seconds: float) -> None:
        arrived = time.monotonic()
        with gate.admit(user, cost=0.1):
            with lock:
                waits.setdefault(user, []).append(time.monotonic() - arrived)
            time.sleep(seconds)

    threads = []
    for user, seconds in jobs:
        threads.append(threading.Thread(target=run, args=(user, seconds)))
        threads[-1].start()
        time.sleep(arrive_every)
    for t in threads:
        t.join(30)
    return waits


def test_one_users_backlog_does_not_starve_another_users_small_job():
    heavy = [("heavy", 0.4)] * 4
    waits = _line_up(FairGate(slots=1, budget=None), [*heavy, ("small", 0.01)])
    small_wait = waits["small"][0]
    # first come, first served would make the small job wait for all four heavy jobs (≈ 1.6 s); in turn it
    # waits for the one running when it arrived and at most one more
    record("limits", f"small job's wait behind another user's 4-job backlog: {small_wait:.2f} s "
           "(first-come-first-served ≈ 1.6 s)", int(small_wait < 0.9), 1)
    assert small_wait < 0.9, waits


def test_a_cancelled_waiting_job_leaves_the_line():
    gate = FairGate(slots=1, budget=None)
    cancel = threading.Event()
    outcome = []

    def waiting_job() -> None:
        try:
            with gate.admit("ben", cost=0.1, cancelled=cancel.is_set):
                outcome.append("ran")
        except SandboxError as exc:
            outcome.append(str(exc))

    with gate.admit("ana", cost=0.1):
        t = threading.Thread(target=waiting_job)
        t.start()
        time.sleep(0.3)
        assert gate.load("ben") == (1, 0, 0.1)
        cancel.set()
        t.join(2)
        assert not t.is_alive() and "cancelled" in outcome[0], "it left while the slot was still busy"
        assert gate.load("ben") == (0, 0, 0.0)
    with gate.admit("cy", cost=0.1):  # and the slot is free for the next one
        pass


# ------------------------------------------------------------------ social actions
def test_comments_likes_follows_and_views_are_rate_limited(sb):
    limits = ActionLimits.parse("comment=3/60,like=3/60,follow=2/60,view=3/60")
    sb.posts.limits = sb.graph.limits = limits
    ana = sb.identity.actor("ana", None)
    post = make_post(sb, "ben")
    attempts = {  # the limiter counts attempts: liking the same post again is still a like
        "comment": [lambda: sb.posts.comment(ana.id, post, "hi")] * 4,
        "like": [lambda: sb.posts.like(ana.id, post)] * 4,
        "follow": [lambda h=h: sb.graph.follow(ana.id, h) for h in ("ben", "chloe", "dev")],
        "view": [lambda: sb.posts.view(ana.id, post, 1000)] * 4,
    }
    refused_last = 0
    for action, calls in attempts.items():
        for call in calls[:-1]:
            call()
        with pytest.raises(SandboxError, match=rf"you made \d+ {action}s in the last 60 s.*try again in \d+ s"):
            calls[-1]()
        refused_last += 1
    record("limits", "comment / like / follow / view floods refused with a wait", refused_last, len(attempts))


def test_an_authors_own_views_do_not_make_their_post_popular(sb):
    from sandbox.store.schema import Post

    post = make_post(sb, "ana")
    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    for _ in range(5):
        assert sb.posts.view(ana.id, post, 5000)["counted"] is False
    sb.posts.view(ben.id, post, 700)
    with sb.db.session() as s:
        row = s.get(Post, post)
        assert (row.view_count, row.dwell_ms) == (1, 700)


# ------------------------------------------------------------------ cameo instructions and mentions
def test_private_instructions_never_reach_feed_lineage_or_details(sb, upload):
    make_cameo(sb, "ana", upload, instructions="always wearing a secret green hat")
    ben, chloe = sb.identity.actor("ben", None), sb.identity.actor("chloe", None)
    result = sb.cameos.generate(ben.id, GenerationRequest(prompt="@ana dancing", seed=1, **SMALL_VIDEO))
    post = sb.posts.publish(ben.id, result.draft_id)["post_id"]
    shown = [str(result.to_dict()), str(sb.generation.drafts_of(ben.id)),
             str([i.to_dict() for i in sb.feed.page(chloe.id, limit=50).items]),
             str(sb.remixes.lineage(chloe.id, post)), str(sb.cameos.uses(sb.identity.actor("ana", None).id))]
    leaks = [text for text in shown if "secret green hat" in text]
    record("private data", "cameo instructions in /feed, /lineage, details, drafts, ledger", len(shown) - len(leaks),
           len(shown))
    assert leaks == []


def test_remix_applies_the_mention_consent_rule(sb, upload):
    make_cameo(sb, "ana", upload, policy="only_me")
    post = make_post(sb, "chloe")
    ben = sb.identity.actor("ben", None)
    with pytest.raises(PermissionDenied):
        sb.remixes.remix(ben.id, post, "now with @ana in it", mode="restyle", steps=1)
    assert sb.generation.drafts_of(ben.id) == []


def test_new_signups_can_act_at_once(sb):
    ana = sb.identity.actor("ana", None)
    code = sb.accounts.invite_codes(ana.id)[0]["code"]
    sb.accounts.signup(code, "newbie", "New Bie")
    assert "newbie" in sb.identity.persona_handles()
    newbie = sb.identity.actor("newbie", None)
    assert sb.generation.generate(newbie.id, GenerationRequest(prompt="a red circle", seed=1, **SMALL_VIDEO))


# ------------------------------------------------------------------ text is shown as text
PAYLOADS = ["![px](https://tracker.example/p.png?u=1)", "[click](http://evil.example)", "<https://evil.example>",
            "https://evil.example/x.png", "www.evil.example", "me@evil.example", "[x]: https://evil.example",
            '<img src="https://evil.example/p.png">', "\\![px](https://evil.example/p.png)", "![px][r]\n\n[r]: //e.x"]


def test_user_text_never_renders_as_an_image_or_link(sb):
    """Feed cards, profiles, notifications and the header. Rendered as CommonMark, no tag links or loads
    anything; in the Markdown source nothing is left for a GitHub-flavoured renderer (the browser's) to turn
    into a link by itself (bare URLs, www., e-mail)."""
    from markdown_it import MarkdownIt

    from sandbox.ui.create import header_markdown
    from sandbox.ui.feed import card_markdown
    from sandbox.ui.profile import make_show

    md = MarkdownIt("commonmark")
    ben = sb.identity.actor("ben", None)
    post = make_post(sb, "ana", caption=PAYLOADS[0])
    item = next(i for i in sb.feed.page(ben.id, limit=50).items if i.post_id == post).to_dict()
    sources = [card_markdown({**item, "caption": p, "creator_name": p}) for p in PAYLOADS]
    for payload in PAYLOADS:
        sb.posts.comment(ben.id, post, payload)  # → ana's notifications
    sources += list(make_show(sb)("ana", "", None)[:2])
    code = sb.accounts.invite_codes(sb.identity.actor("ana", None).id)[0]["code"]
    sb.accounts.signup(code, "pixel", PAYLOADS[0])  # a display name shown in the header and on profiles
    sources += [header_markdown(sb, "pixel"), make_show(sb)("pixel", "", None)[0]]
    linking = [src for src in sources if any(tag in md.render(src) for tag in ("<a ", "<img"))
               or any(bare in src for bare in ("://", "www.", "@evil"))]
    record("text", "Markdown images/links/URLs from user text (feed cards, profile, notifications)",
           len(sources) - len(linking), len(sources))
    assert linking == []
