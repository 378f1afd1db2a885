""""use a sample clip" always gives a clip that answers the challenge on screen — even clicked before the tab's
first challenge arrived (the browser journey's failure: an empty challenge id and an "Error" badge)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from sandbox.ui.cameo import make_sample_clip


def test_a_sample_clip_answers_the_open_challenge_and_keeps_it(sb):
    ana = sb.identity.actor("ana", None)
    issued = sb.cameos.issue_challenge(ana.id)
    clip, shown, challenge_id = make_sample_clip(sb)("ana", issued["challenge_id"])
    assert Path(clip).stat().st_size > 10_000
    assert challenge_id == issued["challenge_id"]
    assert shown == gr.update()  # the challenge on screen stays


def test_a_sample_clip_clicked_before_any_challenge_brings_a_new_one_it_answers(sb):
    for handle, stale in (("ana", ""), ("ben", "ch_not_issued")):
        person = sb.identity.actor(handle, None)
        clip, shown, challenge_id = make_sample_clip(sb)(handle, stale)
        if handle == "ana":
            first_clip, first_id = clip, challenge_id
        assert Path(clip).exists()
        assert challenge_id.startswith("ch_") and challenge_id in shown
        assert sb.cameos.pending_challenge(person.id, challenge_id).text in shown  # open, and shown to the user
    # the clip performs the challenge it came with (one face is one person's cameo, so only ana's is created)
    assert sb.cameos.create(sb.identity.actor("ana", None).id, first_clip, first_id)["status"] == "verified"
