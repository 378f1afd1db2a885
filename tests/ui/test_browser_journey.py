"""One journey through the app in a real browser (Debian's chromium, driven by Playwright), as a user would:
generate, make a cameo, share it, cast it as a friend, publish, see it first in another friend's feed with its
reason, remix it, verify the remix, and, as the owner, take the use down and see it gone.

Screenshots of every tab are saved to test-artifacts/ (README shows a few)."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import pytest

from tests.app_server import AppServer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("SANDBOX_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
LONG = 180_000  # ms: generation on a shared 2-core CPU


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        warnings.warn("chromium is not installed: the browser journey is SKIPPED (apt-get install chromium)",
                      stacklevel=1)
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory, models_dir):
    with AppServer(tmp_path_factory.mktemp("journey"), models_dir, SANDBOX_RATE_LIMIT="") as srv:
        yield srv


class Journey:
    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name, exact=True).click()

    def act_as(self, handle: str) -> None:
        box = self.page.get_by_label("Acting as", exact=True)
        box.click()
        self.page.get_by_role("option", name=handle, exact=True).click()
        from playwright.sync_api import expect

        expect(self.page.get_by_text(re.compile(f"Acting as @{handle}"))).to_be_visible()

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

    def toast(self, pattern: str) -> None:
        """Wait for the next toast and check what it says (an error toast fails with its message)."""
        from playwright.sync_api import expect

        body = self.page.locator("[data-testid='toast-body']").last
        expect(body).to_be_visible(timeout=LONG)
        text = self.page.evaluate("el => el.closest('[data-testid=\"toast-body\"]').parentElement.textContent",
                                  body.element_handle())
        assert re.search(pattern, text), f"expected {pattern!r}, the app said: {text}"

    def video(self, label: str):
        return self.page.locator(f"[data-testid='block-label']:has-text('{label}') >> xpath=../..").locator("video")

    def video_src(self, label: str) -> str:
        from playwright.sync_api import expect

        expect(self.video(label)).to_have_attribute("src", re.compile(r"\.mp4"), timeout=LONG)
        return self.video(label).get_attribute("src")

    def plays(self, label: str) -> None:
        """The browser decodes it: metadata loaded, a duration, and time advances when played."""
        video = self.video(label)
        video.evaluate("v => { v.muted = true; return v.play(); }")
        self.page.wait_for_function("v => v.readyState >= 2 && v.duration > 0 && v.currentTime > 0",
                                    arg=video.element_handle(), timeout=30_000)


def test_the_whole_journey(browser, app, tmp_path):
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    j = Journey(page, app.url)
    try:
        journey(page, j, app, tmp_path)
    except Exception as exc:
        j.shot("FAILED")  # what the user would have seen
        toasts = page.locator("[data-testid='toast-body']").all_inner_texts()
        raise AssertionError(f"journey failed; toasts on screen: {toasts}") from exc
    finally:
        page.close()


def journey(page, j: Journey, app, tmp_path) -> None:
    from playwright.sync_api import expect

    page.goto(app.url)
    expect(page.get_by_text(re.compile("Acting as @ana"))).to_be_visible(timeout=60_000)

    # 1. ana generates a video and sees it play
    page.get_by_label("Prompt", exact=True).fill("a red circle moving right on a blue background")
    page.get_by_role("button", name="Generate", exact=True).click()
    j.video_src("Result")
    j.plays("Result")
    j.shot("create")

    # 2. ana makes a cameo from the sample clip and shares it with her friends
    j.tab("Cameo")
    page.get_by_role("button", name=re.compile("use a sample clip")).click()
    j.video_src("Your clip")
    page.get_by_role("button", name="Verify and create my cameo").click()
    expect(page.get_by_text("Your cameo is ready")).to_be_visible(timeout=LONG)
    page.get_by_label("my friends (mutuals) and people I approve", exact=True).check()
    page.get_by_role("button", name="Save settings").click()
    j.toast("Cameo settings saved")
    j.shot("cameo")

    # 3. ben (ana's friend) casts ana and publishes
    j.act_as("ben")
    j.tab("Create")
    expect(page.get_by_label("Draft to publish", exact=True)).to_have_value("")  # ana's draft is not offered to ben
    page.get_by_label("Prompt", exact=True).fill("@ana waving on a green background")
    page.get_by_role("button", name="Generate", exact=True).click()
    j.video_src("Result")
    expect(page.get_by_label("Draft to publish", exact=True)).to_have_value(re.compile(r"^d_"), timeout=LONG)
    page.get_by_label("Caption", exact=True).first.fill("ana in my video")
    page.get_by_role("button", name="Publish to the feed").click()
    j.toast(r"Published p_")

    # 4. chloe (friend of both) sees it first, with its reason, and remixes it
    j.act_as("chloe")
    j.tab("Feed")
    first_card = page.get_by_text("ana in my video").first
    expect(first_card).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile("from your friend @ben")).first).to_be_visible()
    j.shot("feed")
    assert j.click_in_card("ana in my video", "🔁 remix"), "ben's post offers a remix button to his friend"

    expect(page.get_by_label("Post to remix", exact=True)).to_have_value(re.compile(r"^p_"), timeout=30_000)
    page.get_by_label("What should change?", exact=True).fill("a face moving left on a black background")
    page.get_by_role("button", name="Remix", exact=True).click()
    remix_src = j.video_src("Your remix")
    j.shot("remix")

    # 5. chloe verifies the remix: AI-made, signed here, a remix of ben's video
    data = page.request.get(remix_src if remix_src.startswith("http") else app.url.rstrip("/") + remix_src).body()
    remix_file = tmp_path / "remix.mp4"
    remix_file.write_bytes(data)
    j.tab("Verify")
    page.locator("input[type=file]").last.set_input_files(str(remix_file))
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_text(re.compile("Valid Content Credentials")).first).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile("Remix of a video by @ben")).first).to_be_visible()
    j.shot("verify")

    # 6. ana sees the uses of her cameo and deletes ben's post
    j.act_as("ana")
    j.tab("Cameo")
    j.pick("Video to remove", re.compile("post by @ben"))
    page.get_by_role("button", name="Delete this video everywhere").click()
    j.toast(r"Removed: 1 video")
    j.shot("cameo-used-in")

    # 7. …and it is gone from chloe's feed
    j.act_as("chloe")
    j.tab("Feed")
    page.wait_for_timeout(1500)
    expect(page.get_by_text("ana in my video").filter(visible=True)).to_have_count(0)
    expect(page.get_by_text(re.compile("from your friend")).filter(visible=True).first).to_be_visible()

    # the remaining tabs, for the record
    for name in ("Profile", "Reports"):
        j.tab(name)
        page.wait_for_timeout(1000)
        j.shot(name.lower())
