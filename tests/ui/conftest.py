"""The browser the browser tests drive: Debian's chromium through Playwright, skipped loudly when it is missing."""

from __future__ import annotations

import warnings

import pytest

from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        warnings.warn("chromium is not installed: the browser tests are SKIPPED (apt-get install chromium)",
                      stacklevel=1)
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
