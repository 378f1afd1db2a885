"""sandbox — the Gradio app and Hugging Face Space entry point.

The tabs are built in ``sandbox/ui`` (one builder per tab, assembled by ``sandbox.ui.app.build_demo``).
Run with ``make run`` (or ``python app.py``).
"""

from __future__ import annotations

from sandbox import Sandbox
from sandbox.ui.app import build_demo, launch, prepare

sb = Sandbox.from_env()
demo = build_demo(sb)

if __name__ == "__main__":
    prepare(sb)  # load the model and seed the demo world before the first visitor
    launch(demo, sb)
