"""What the browser tests share: where chromium is, where screenshots go, and a ``Journey`` that acts in the page
as a user would (open a tab, act as a persona, read a toast, check that a video plays)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
ARTIFACTS = Path(os.environ.get("SANDBOX_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
LONG = 180_000  # ms: generation on a shared 2-core CPU


class Journey:
    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    @classmethod
    @contextmanager
    def opened(cls, browser, url: str, name: str, width: int = 1360, height: int = 1000) -> Iterator[Journey]:
        """A new page for one journey; if it fails, a screenshot of what the user saw (journey-FAILED-<name>.png)
        and the toasts on screen go with the error; the page is closed either way."""
        page = browser.new_page(viewport={"width": width, "height": height})
        journey = cls(page, url)
        try:
            yield journey
        except Exception as exc:
            journey.shot(f"FAILED-{name}")
            toasts = page.locator("[data-testid='toast-body']").all_inner_texts()
            raise AssertionError(f"{name} failed; toasts on screen: {toasts}") from exc
        finally:
            page.close()

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name, exact=True).click()

    def act_as(self, handle: str) -> None:
        box = self.page.get_by_label("Acting as", exact=True)
        box.click()
        self.page.get_by_role("option", name=handle, exact=True).click()
        from playwright.sync_api import expect

        expect(self.page.get_by_text(re.compile(f"Acting as @{handle}"))).to_be_visible(timeout=60_000)

    def pick(self, label: str, option: str | re.Pattern) -> None:
        self.page.get_by_label(label, exact=True).click()
        self.page.get_by_role("option", name=option).first.click()

    def click_in_card(self, caption: str, button: str) -> bool:
        """Click ``button`` in the feed card that shows ``caption`` (the smallest element holding both)."""
        return self.page.evaluate("""([caption, label]) => {
            for (const b of document.querySelectorAll('button')) {
                if (!b.textContent.includes(label)) continue;
                for (let el = b.parentElement, i = 0; el && i < 10; el = el.parentElement, i++) {
                    const buttons = [...el.querySelectorAll('button')].filter(x => x.textContent.includes(label));
                    if (buttons.length > 1) break;
                    if (el.textContent.includes(caption)) { b.click(); return true; }
                }
            }
            return false;
        }""", [caption, button])

    def settle(self, inside: str = ".feed-card", quiet_ms: int = 2000, timeout_s: float = 120) -> None:
        """Wait until the tab panel holding ``inside`` stops changing for ``quiet_ms``: a tab opened right after
        a persona switch is drawn twice (the switch's load, then the tab's), and a click on the first drawing
        can land on a box the second replaces."""
        import time

        self.page.locator(inside).first.wait_for(state="visible", timeout=LONG)
        self.page.evaluate("""(inside) => {
            const panel = document.querySelector(inside).closest('[role=tabpanel]') || document.body;
            window.__changes = 0;
            if (window.__watch) window.__watch.disconnect();
            window.__watch = new MutationObserver(() => { window.__changes++; });
            window.__watch.observe(panel, {subtree: true, childList: true, characterData: true});
        }""", inside)
        deadline = time.monotonic() + timeout_s
        seen = -1
        while time.monotonic() < deadline:
            now = self.page.evaluate("() => window.__changes")
            if now == seen:
                return
            seen = now
            self.page.wait_for_timeout(quiet_ms)
        raise AssertionError(f"the page around {inside} kept changing for {timeout_s:.0f} s")

    def toast(self, pattern: str, timeout: int = LONG) -> None:
        """Wait for a toast that says ``pattern`` (toasts of one kind stack in one group, so not only the last
        one); fail with every toast on screen — an error toast's message says what went wrong."""
        from playwright.sync_api import Error as PlaywrightError

        bodies = self.page.locator("[data-testid='toast-body']")
        try:
            bodies.filter(has_text=re.compile(pattern)).first.wait_for(state="visible", timeout=timeout)
        except PlaywrightError:
            raise AssertionError(f"expected a toast saying {pattern!r}; on screen: {bodies.all_inner_texts()}"
                                 ) from None

    def video(self, label: str):
        return self.page.locator(f"[data-testid='block-label']:has-text('{label}') >> xpath=../..").locator("video")

    def video_src(self, label: str) -> str:
        from playwright.sync_api import expect

        expect(self.video(label)).to_have_attribute("src", re.compile(r"\.mp4"), timeout=LONG)
        return self.video(label).get_attribute("src")

    def download(self, src: str, path: Path) -> Path:
        """The file behind a player, fetched the way the browser fetched it."""
        url = src if src.startswith("http") else self.url.rstrip("/") + src
        path.write_bytes(self.page.request.get(url).body())
        return path

    def verify(self, path: Path) -> None:
        """Open Verify, upload ``path`` and wait for its Content Credentials to read as valid."""
        from playwright.sync_api import expect

        self.tab("Verify")
        self.page.locator("input[type=file]").last.set_input_files(str(path))
        self.page.get_by_role("button", name="Verify", exact=True).click()
        expect(self.page.get_by_text(re.compile("Valid Content Credentials")).first).to_be_visible(timeout=60_000)

    def plays(self, label: str) -> None:
        """The browser decodes it: metadata loaded, a duration, and time advances when played."""
        video = self.video(label)
        video.evaluate("v => { v.muted = true; return v.play(); }")
        self.page.wait_for_function("v => v.readyState >= 2 && v.duration > 0 && v.currentTime > 0",
                                    arg=video.element_handle(), timeout=30_000)
