"""The Create tab's live preview: the /generate handler hands the session's preview board a picture every few
steps while it runs, and Cancel pressed on seeing one stops the run — nothing is saved."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest

from sandbox.ui.common import CancelSwitch, PreviewBoard
from sandbox.ui.create import make_generate

SMALL = {"num_frames": 9, "width": 32, "height": 32}


class CountingBoard(PreviewBoard):
    """A preview board that also remembers every picture it was handed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[np.ndarray] = []

    def sink(self, request):
        show = super().sink(request)
        return lambda image: (self.seen.append(image), show(image))


def test_generate_streams_previews_to_the_session_board(sb, monkeypatch):
    monkeypatch.setattr("sandbox.generation.preview.PREVIEW_BUDGET", 1.0)  # every 6 steps, however fast the run
    board, session = CountingBoard(), SimpleNamespace(session_hash="s-ana", username=None)
    generate = make_generate(sb, CancelSwitch(), board)
    _video, details = generate("ana", "a red circle moving right on a blue background", seed=1, steps=13,
                              sound=False, request=session, progress=None, **SMALL)
    assert len(board.seen) == 2, "a picture after steps 6 and 12 of 13"
    latest = board.latest(session)
    assert isinstance(latest, np.ndarray) and latest.shape == (32, 32, 3) and latest.dtype == np.uint8
    assert board.latest(SimpleNamespace(session_hash="s-ben")) is None, "another session sees nothing of it"
    assert details["draft_id"]


def test_cancel_on_seeing_the_first_preview_stops_the_run_and_saves_nothing(sb):
    switch, session = CancelSwitch(), SimpleNamespace(session_hash="s-ana", username=None)

    class CancelOnFirst(CountingBoard):
        def sink(self, request):
            show = super().sink(request)
            return lambda image: (show(image), switch.cancel(request))  # the person presses Cancel

    board = CancelOnFirst()
    generate = make_generate(sb, switch, board)
    with pytest.raises(gr.Error, match="cancelled at denoising step 6/13"):
        generate("ana", "a red circle moving right on a blue background", seed=1, steps=13, sound=False,
                 request=session, progress=None, **SMALL)
    assert len(board.seen) == 1
    assert sb.generation.drafts_of(sb.identity.actor("ana", None).id) == []
