"""The app builds in-process on a temporary sandbox: every tab builder wires its events, nothing is served,
no model is loaded and nothing is seeded."""

from __future__ import annotations

import ast
from pathlib import Path

from sandbox.ui.app import build_demo
from tests.ui.test_readme_api import documented_endpoints

REPO = Path(__file__).resolve().parents[2]


def test_build_demo_offers_every_documented_endpoint_without_loading_or_seeding(sb):
    demo = build_demo(sb)
    endpoints = set(demo.get_api_info()["named_endpoints"])
    assert endpoints == documented_endpoints()
    tabs = [b.label for b in demo.blocks.values() if type(b).__name__ == "Tab"]
    assert tabs == ["Create", "Storyboard", "Queue", "Cameo", "Remix", "Feed", "Verify", "Reports", "Profile"]
    assert sb.loader.loaded() == [], "building the UI must not load a model"
    assert sb.feed.page(sb.identity.actor("ana", None).id, limit=5).items == [], "building must not seed posts"


def test_app_py_is_short_and_only_assembles():
    source = (REPO / "app.py").read_text()
    assert len(source.splitlines()) <= 80
    calls = {node.func.id for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert calls <= {"build_demo", "prepare", "launch"}, calls


def test_the_tab_strip_holds_only_tabs(sb):
    """The browser numbers each tab by its place among the gr.Tabs' children and writes its button to that
    slot of the tab strip when the tab first opens. Any other component there (a gr.Timer built after a
    ``with gr.Tab``) shifts the numbers by one: opening Feed overwrote Verify's button with "Feed"."""
    demo = build_demo(sb)
    tabs_id = next(i for i, b in demo.blocks.items() if type(b).__name__ == "Tabs")

    def find(node: dict) -> dict | None:
        if node["id"] == tabs_id:
            return node
        return next((hit for child in node.get("children", []) if (hit := find(child))), None)

    strip = find({"id": None, "children": demo.config["layout"]["children"]})
    labels = [getattr(demo.blocks[c["id"]], "label", type(demo.blocks[c["id"]]).__name__) for c in strip["children"]]
    assert labels == ["Create", "Storyboard", "Queue", "Cameo", "Remix", "Feed", "Verify", "Reports", "Profile"]
