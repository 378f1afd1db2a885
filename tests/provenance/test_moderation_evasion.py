"""Attacker's list: refused words written differently, and ordinary prompts that must still pass."""

from __future__ import annotations

import pytest

from sandbox.errors import PermissionDenied
from sandbox.generation import GenerationRequest
from sandbox.provenance.moderation import Moderator
from tests.conftest import SMALL_VIDEO, make_post
from tests.provenance.moderation_cases import EVASIONS, KNOWN_FALSE_POSITIVES, ORDINARY
from tests.reliability.report import record


def test_look_alike_spellings_are_caught_and_ordinary_prompts_pass():
    moderator = Moderator(None)
    missed = [(text, hidden) for text, hidden in EVASIONS if moderator.find(text)[1] != hidden]
    refused = [text for text in ORDINARY if moderator.find(text)[0] is not None]
    print(f"moderation: caught {len(EVASIONS) - len(missed)}/{len(EVASIONS)} look-alike variants; "
          f"false positives {len(refused)}/{len(ORDINARY)} ordinary prompts")
    record("moderation", f"look-alike variants caught (false positives {len(refused)}/{len(ORDINARY)} "
           "ordinary prompts)", len(EVASIONS) - len(missed), len(EVASIONS))
    assert len(EVASIONS) >= 100
    assert missed == []
    assert set(refused) == KNOWN_FALSE_POSITIVES


def test_a_public_figures_own_cameo_lifts_only_their_name():
    moderator = Moderator(None)
    assert moderator.find("Donald-Trump surfing", frozenset({"Donald Trump"})) == (None, None)
    assert moderator.find("Donald Trump with Obama", frozenset({"donald trump"})) == ("public_figure",
                                                                                     "barack obama")


@pytest.mark.parametrize(("field", "call"), [
    ("prompt", lambda sb, ana, post: sb.generation.generate(ana.id, GenerationRequest(prompt="Tru\u200bmp",
                                                                                      **SMALL_VIDEO))),
    ("comment", lambda sb, ana, post: sb.posts.comment(ana.id, post, "so n u d 3")),
    ("caption", lambda sb, ana, post: sb.posts.publish(ana.id, sb.generation.drafts_of(ana.id)[0]["draft_id"],
                                                       "DonaldTrump at sea")),
    ("instructions", lambda sb, ana, post: sb.cameos.settings(ana.id, instructions="always as T\u0430ylor Sw1ft")),
])
def test_every_text_field_normalises_before_matching(sb, field, call):
    ana = sb.identity.actor("ana", None)
    post = make_post(sb, "ana")
    sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle", seed=2, **SMALL_VIDEO))
    with pytest.raises(PermissionDenied, match=field):
        call(sb, ana, post)
