"""Attacker's tests: every attack class on the cameo check, tried through the real service, must be refused;
genuine clips must pass. A small sample per class (the full sweep is benchmarks/bench_cameo.py); the table is
printed at the end of the run (tests/cameo/attack_report.py).
"""

from __future__ import annotations

import pytest

from sandbox.cameo.attacks import ATTACK_CLASSES, GENUINE, VICTIM_LOOK, attempt
from sandbox.cameo.samples import write_clip
from sandbox.context import Sandbox
from tests.cameo import attack_report
from tests.conftest import CPU_ONLY

# class -> which variants the tests try (the benchmark tries many more)
SAMPLE = {name: [0] for name in ATTACK_CLASSES}
SAMPLE["photo panned, rotated, zoomed"] = [1, 2]  # rotated about a point below the frame, zoomed about a corner
SAMPLE["mirrored/rotated copy of another user's cameo face"] = [0, 1]  # mirrored, rotated
SAMPLE["replay of another challenge's clip"] = [0, 1]  # another challenge's clip; a used challenge again


@pytest.fixture(scope="module")
def world(tmp_path_factory, models_dir, clips):
    """One sandbox with random challenges, as in production. Genuine clips are tried first (an accepted one is
    deleted again); then @ana registers the victim face and the attacks run."""
    from sandbox.config import SandboxConfig

    root = tmp_path_factory.mktemp("attacks")
    sb = Sandbox(SandboxConfig(data_dir=root / "data", models_dir=models_dir, rate_limit=None), hardware=CPU_ONLY)
    genuine = [attempt(sb, GENUINE, i, root, attacker="chloe") for i in (0, 1)]
    ana = sb.identity.actor("ana", None)
    issued = sb.cameos.issue_challenge(ana.id)
    from sandbox.cameo.challenge import Challenge

    clip = write_clip("genuine", Challenge.parse(issued["text"]), root / "victim.mp4", look=VICTIM_LOOK)
    victim = sb.cameos.create(ana.id, clip, issued["challenge_id"])
    assert victim["status"] == "verified", victim["report"]
    yield sb, root, genuine
    sb.close()


def test_genuine_clips_pass(world):
    _, _, genuine = world
    for outcome in genuine:
        attack_report.record(GENUINE, outcome.accepted)
    assert all(o.accepted for o in genuine), [o.detail for o in genuine if not o.accepted]


@pytest.mark.parametrize(("attack", "variant"), [(a, i) for a, ids in SAMPLE.items() for i in ids])
def test_attack_is_refused(world, attack, variant):
    sb, root, _ = world
    outcome = attempt(sb, attack, variant, root)
    attack_report.record(attack, not outcome.accepted)
    assert not outcome.accepted, f"{attack} #{variant} was accepted:\n{outcome.detail}"
