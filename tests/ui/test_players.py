"""Feed players start muted, each with an unmute toggle; Create's and Remix's players play sound."""

from __future__ import annotations

import gradio as gr
import numpy as np
import pytest

from sandbox.ui.players import FEED_VIDEO_CLASS, PLAYER_HEAD


def videos(blocks: gr.Blocks) -> list[gr.Video]:
    return [b for b in blocks.blocks.values() if isinstance(b, gr.Video)]


def test_only_feed_card_players_are_marked_to_start_muted(sb, tmp_path):
    from sandbox.ui import feed
    from sandbox.ui.app import build_demo

    item = {"post_id": "p1", "video": None, "reasons": ["friend"], "avatar": "🦊", "caption": "hi",
            "creator": "ana", "creator_name": "Ana", "remixes": 0, "score": 1.0, "liked": False, "likes": 0}
    with gr.Blocks() as card:
        user, remix_post = gr.Textbox(), gr.Textbox()
        with gr.Tabs() as tabs, gr.Tab("Feed"):
            feed.feed_card(sb, item, [], user, remix_post, tabs)
    assert [FEED_VIDEO_CLASS in (v.elem_classes or []) for v in videos(card)] == [True]
    demo = build_demo(sb)  # Create's result, Remix's original and result, Storyboard: sound on
    played = {v.label: v.elem_classes or [] for v in videos(demo)}
    assert {"Result", "Original", "Your remix"} <= set(played)
    assert not any(FEED_VIDEO_CLASS in classes for classes in played.values()), played


def test_launch_puts_the_player_script_in_the_page_head(sb):
    from sandbox.ui.app import launch

    class Demo:
        def queue(self, **_):
            return self

        def launch(self, **kwargs):
            self.kwargs = kwargs

    demo = Demo()
    launch(demo, sb)
    assert demo.kwargs["head"] == PLAYER_HEAD
    assert f".{FEED_VIDEO_CLASS} video" in PLAYER_HEAD


def test_a_feed_player_starts_muted_and_its_toggle_unmutes_it_in_chromium(tmp_path):
    """The head script in a real page: the feed player is muted with a "🔇 unmute" button that unmutes it
    (and mutes it again); a player outside the feed is not muted."""
    from tests.ui.browser import CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from sandbox.generation.video import encode_mp4
    from sandbox.models.micro.data import Scene
    from sandbox.models.micro_audio.world import SAMPLE_RATE, synthesize
    from sandbox.sound.media import Soundtrack, mux_audio
    from tests.pg_server import free_port

    encode_mp4(np.full((9, 64, 64, 3), 90, np.uint8), tmp_path / "silent.mp4", fps=8)
    clip = synthesize(Scene("red", "circle", "right", "black"), seconds=9 / 8)
    mux_audio(tmp_path / "silent.mp4", Soundtrack(clip, SAMPLE_RATE, "m", "r"), tmp_path / "sound.mp4")
    with gr.Blocks() as demo:
        gr.Video(str(tmp_path / "sound.mp4"), label="In the feed", elem_classes=[FEED_VIDEO_CLASS])
        gr.Video(str(tmp_path / "sound.mp4"), label="Result")
    port = free_port()
    demo.launch(server_port=port, prevent_thread_lock=True, head=PLAYER_HEAD, quiet=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            feed_video = page.locator(f".{FEED_VIDEO_CLASS} video")
            feed_video.wait_for(state="attached", timeout=60_000)
            page.locator("video").nth(1).wait_for(state="attached", timeout=60_000)
            page.wait_for_function("() => document.querySelector('.feed-unmute') !== null", timeout=30_000)
            muted = "() => [...document.querySelectorAll('video')].map(v => v.muted)"
            assert page.evaluate(muted) == [True, False]
            page.locator(".feed-unmute").click()
            assert page.evaluate(muted) == [False, False]
            assert page.locator(".feed-unmute").inner_text() == "🔊 mute"
            page.locator(".feed-unmute").click()
            assert page.evaluate(muted) == [True, False]
            browser.close()
    finally:
        demo.close()
