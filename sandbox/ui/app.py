"""The app, assembled: a header with the persona switcher, then one tab per builder, then launch.

Each tab's builder (``sandbox/ui/<tab>.py``: ``build(shell)``) declares its components and wires its own
events; this module only puts them in order. Building does no heavy work: the model is loaded and the demo
world seeded by :func:`prepare`, which ``app.py`` calls before :func:`launch`.
"""

from __future__ import annotations

import logging

import gradio as gr

from sandbox.context import Sandbox
from sandbox.errors import ModelUnavailable
from sandbox.ui import cameo, create, feed, profile, queue, remix, reports, security, social, storyboard, verify
from sandbox.ui.players import PLAYER_HEAD
from sandbox.ui.shell import Shell

log = logging.getLogger("sandbox.ui")
TITLE = "sandbox — every video is AI-made"


def build_demo(sb: Sandbox) -> gr.Blocks:
    """The whole app on one sandbox; usable in-process (``demo.launch()`` or ``gradio.Blocks`` tests)."""
    personas = sb.identity.persona_handles()
    with gr.Blocks(title=TITLE) as demo:
        with gr.Row(equal_height=True):
            gr.Markdown("## 🎞️ sandbox <small>every video here is AI-made</small>")
            user = persona_switcher(sb, personas)
        header = gr.Markdown(create.header_markdown(sb, personas[0] if personas else None))
        register_api(sb)  # first, so these endpoints own their names
        with gr.Tabs() as tabs:
            shell = Shell(sb=sb, demo=demo, user=user, header=header, tabs=tabs, personas=personas)
            create.build(shell)
            storyboard.build(shell)
            queue.build(shell)
            cameo.build(shell)
            remix_tab = remix.build(shell)
            feed.build(shell, remix_post=remix_tab.post)
            verify.build(shell)
            reports.build(shell)
            profile.build(shell)
    return demo


def persona_switcher(sb: Sandbox, personas: list[str]) -> gr.Dropdown | gr.Textbox:
    """"Acting as" in personas mode; in password / hf mode the session decides, so the box is hidden."""
    if personas:
        # custom values: accounts made by sign-up after launch act at once (the server checks every handle)
        return gr.Dropdown(personas, value=personas[0], label="Acting as", info="persona switcher", scale=0,
                           min_width=180, allow_custom_value=True)
    user = gr.Textbox("", label="user", visible=False)
    if sb.config.identity_mode == "hf":
        gr.LoginButton(scale=0)
    return user


def register_api(sb: Sandbox) -> None:
    """The API-only endpoints: every social, feed, moderation and cameo action, and the remix lineage."""
    functions = {**social.api_functions(sb), **reports.moderation_functions(sb), **cameo.api_functions(sb),
                 **queue.api_functions(sb),
                 "lineage": remix.make_lineage(sb)}
    for api_name, fn in functions.items():
        gr.api(fn, api_name=api_name)


def prepare(sb: Sandbox) -> None:
    """Work worth doing once before serving: load the default model (the first request should not pay for it)
    and, in personas mode, seed a few demo posts so the feed is never empty."""
    from sandbox.social.seed import seed_world

    try:
        sb.workers.prepare(sb.loader.default_model())  # in this process, or on every Ray worker
    except ModelUnavailable as exc:  # say it at start; every other tab keeps working, /generate says it again
        print(f"WARNING: {exc}", flush=True)
    seed_world(sb)


def launch(demo: gr.Blocks, sb: Sandbox, **overrides) -> None:
    """Serve on the configured host and port: password sign-in when configured, only live media served, the
    protections of :mod:`sandbox.ui.security` installed, feed players muted until unmuted (``PLAYER_HEAD``)."""
    security.protect(sb)
    kwargs = dict(server_name=sb.config.host, server_port=sb.config.port, theme=gr.themes.Soft(),
                  footer_links=["api", "gradio"], head=PLAYER_HEAD, **security.launch_options(sb))
    demo.queue(**security.queue_options(sb)).launch(**{**kwargs, **overrides})
