"""What every tab builder may use: the sandbox, the persona switcher, the header, the tabs and the Blocks."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from sandbox.context import Sandbox


@dataclass
class Shell:
    """Components shared between tabs, made once by ``build_demo`` and passed to every tab builder.

    ``user`` is the persona switcher ("Acting as"; a hidden textbox in password / hf mode), ``header`` the line
    under it that names who acts and which model generates, ``tabs`` lets a tab switch to another one.
    """

    sb: Sandbox
    demo: gr.Blocks
    user: gr.Dropdown | gr.Textbox
    header: gr.Markdown
    tabs: gr.Tabs
    personas: list[str]

    def on_persona(self) -> list:
        """Triggers for "a (new) persona is acting": page load and every switch. Events on them use
        ``trigger_mode="always_last"``: with gr.on's default ("once") a switch made while the page-load run
        was still queued was dropped, and the header went on naming the previous persona."""
        return [self.demo.load, self.user.change]
