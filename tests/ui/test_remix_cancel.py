"""The Remix tab's Cancel stops the remix between two denoising steps, like Create's: no draft is saved."""

from __future__ import annotations

import gradio as gr
import pytest

from sandbox.ui.common import CancelSwitch
from sandbox.ui.remix import make_remix
from tests.conftest import make_post


def test_cancel_stops_a_remix_and_saves_nothing(sb):
    post = make_post(sb, "ana")
    ben = sb.identity.actor("ben", None)
    switch = CancelSwitch()
    seen: list[str] = []

    def progress(fraction: float, desc: str = "") -> None:
        seen.append(desc)
        if desc.startswith("denoising step 1/"):
            switch.cancel(None)  # the person presses Cancel while the first step is reported

    with pytest.raises(gr.Error, match="nothing was saved"):
        make_remix(sb, switch)("ben", post, "make it snowy", "restyle", 0.5, 7, [], False, "", None, progress)
    assert seen[-1].startswith("denoising step 1/"), "it stopped at the next step, not at the end"
    assert sb.generation.drafts_of(ben.id) == []
    assert not switch.is_cancelled(None), "the finished job's flag is gone: the next remix starts fresh"
