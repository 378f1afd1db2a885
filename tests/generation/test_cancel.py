"""Cancel stops the pipeline between denoising steps: nothing is saved and the pipeline takes the next job.
(A newcomer pressed Cancel 2.6 s into a generation; the bar ran on and the draft was saved at 11.6 s.)"""

import threading

import pytest

from sandbox.errors import GenerationCancelled
from sandbox.generation import GenerationRequest
from sandbox.generation.service import cancellable

SMALL = {"num_frames": 5, "width": 32, "height": 32}


def test_cancel_stops_between_steps_saves_nothing_and_frees_the_pipeline(sb):
    ana = sb.identity.actor("ana", None)
    stop, reported = threading.Event(), []

    def progress(_fraction: float, desc: str) -> None:
        reported.append(desc)
        if desc == "denoising step 2/12":
            stop.set()  # the person presses Cancel while step 2 is reported

    with pytest.raises(GenerationCancelled, match="nothing was saved"):
        sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving right", steps=12, **SMALL),
                               cancellable(progress, stop))
    assert reported[-1] == "denoising step 2/12", "the run stopped at the next step, not at the end"
    assert sb.generation.drafts_of(ana.id) == []
    assert not list(sb.config.media_dir.rglob("*.mp4")), "no video file is left behind"
    assert not any(p.lock.locked() for p in sb.loader.loaded()), "the pipeline is free"
    result = sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving right", steps=2, **SMALL))
    assert [d["draft_id"] for d in sb.generation.drafts_of(ana.id)] == [result.draft_id]
