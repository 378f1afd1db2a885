"""Attacker's tests against the live app (password mode, loopback): take-downs that take down every served
copy, queue results bound to the person, sign-in throttling, uploads that are not kept."""

from __future__ import annotations

import time
import urllib.parse
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.app_server import AppServer
from tests.reliability.report import record

USERS = {"ana": "pa", "ben": "pb", "cy": "pc", "dee": "pd", "eve": "pe"}
SMALL = {"num_frames": 5, "width": 32, "height": 32, "steps": 1}


@pytest.fixture(scope="module")
def app(tmp_path_factory, models_dir):
    root = tmp_path_factory.mktemp("guarded")
    cache = root / "gradio-cache"
    with AppServer(root / "data", models_dir, SANDBOX_IDENTITY="password", GRADIO_TEMP_DIR=str(cache),
                   SANDBOX_USERS=",".join(f"{u}:{p}" for u, p in USERS.items()), SANDBOX_CAMEO_MAX_MB="1",
                   SANDBOX_COST_BUDGET="100") as srv:  # room for the long job below
        srv.cache = cache
        yield srv


def signed_in(app, user: str, local_address: str | None = None) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=local_address) if local_address else None
    http = httpx.Client(base_url=app.url, timeout=30, transport=transport)
    assert http.post("/login", data={"username": user, "password": USERS[user]}).status_code == 200
    return http


def client(app, user: str) -> Client:
    return Client(app.url, auth=(user, USERS[user]), verbose=False, download_files=False)


def urls_in(value, app) -> set[str]:
    """Every file URL in an answer: FileData ``url``s, and ``file=`` URLs for paths given as text."""
    found: set[str] = set()
    if isinstance(value, dict):
        if value.get("url"):
            found.add(value["url"])
        elif isinstance(value.get("path"), str) and value.get("meta"):
            found.add(app.url + "gradio_api/file=" + value["path"])
        for key, v in value.items():
            if key in ("video", "path") and isinstance(v, str) and v.endswith(".mp4"):
                found.add(app.url + "gradio_api/file=" + urllib.parse.quote(v))
            elif isinstance(v, dict | list | tuple):
                found |= urls_in(v, app)
    elif isinstance(value, list | tuple):
        for v in value:
            found |= urls_in(v, app)
    return found


def served(http: httpx.Client, urls: set[str]) -> set[str]:
    return {u for u in urls if http.get(u).status_code == 200}


def test_every_url_handed_out_stops_answering_after_a_take_down(app, tmp_path):
    from sandbox.cameo.challenge import Challenge
    from sandbox.cameo.samples import write_sample_clip

    ana, ben = client(app, "ana"), client(app, "ben")
    ana_http, ben_http = signed_in(app, "ana"), signed_in(app, "ben")
    challenge = ana.predict(user="ana", api_name="/cameo_challenge")  # a clip made for ana's own challenge
    clip = write_sample_clip(Challenge.parse(challenge["text"]), tmp_path / "ana.mp4")
    ana.predict(user="ana", video=handle_file(str(clip)), challenge=challenge["challenge_id"],
                api_name="/cameo_create")
    ana.predict(user="ana", policy="everyone", approved=[], instructions="", paused=False, api_name="/cameo_settings")
    ana.predict(user="ana", handle="ben", api_name="/follow")
    ben.predict(user="ben", handle="ana", api_name="/follow")

    def video_everywhere(maker: Client, who: str, prompt: str) -> tuple[str, set[str]]:
        """A video made and published by ``who``, and every URL the app gave out for it."""
        video, details = maker.predict(user=who, prompt=prompt, seed=7, **SMALL, api_name="/generate")
        drafts = maker.predict(user=who, api_name="/my_drafts")
        urls = urls_in(video, app) | urls_in([d for d in drafts if details["draft_id"] in str(d)], app)
        post = maker.predict(user=who, draft_id=details["draft_id"], api_name="/publish")["post_id"]
        for viewer, name in ((ana, "ana"), (ben, "ben")):
            feed = viewer.predict(user=name, limit=50, api_name="/feed")
            urls |= urls_in([i for i in feed if i["post_id"] == post], app)
        urls |= urls_in(maker.predict(user=who, post_id=post, api_name="/lineage"), app)
        urls |= urls_in(ana.predict(user="ana", api_name="/cameo_uses"), app) if "@ana" in prompt else set()
        return post, urls

    take_downs = {
        "delete post": lambda post: ana.predict(user="ana", post_id=post, api_name="/delete_post"),
        "delete cameo use": lambda post: ana.predict(
            user="ana", use_id=next(u["use_id"] for u in ana.predict(user="ana", api_name="/cameo_uses")
                                    if u["post_id"] == post), api_name="/cameo_delete_use"),
        "revoke": lambda post: ana.predict(user="ana", handle="ben", api_name="/cameo_revoke"),
    }
    handed_out = still_served = 0
    for name, take_down in take_downs.items():
        maker, who = (ana, "ana") if name == "delete post" else (ben, "ben")
        post, urls = video_everywhere(maker, who, f"@ana and a red circle ({name})" if who == "ben"
                                      else f"a red circle ({name})")
        assert len(urls) >= 2 and served(ben_http, urls) == urls, (name, urls)  # a cached copy, the media file
        take_down(post)
        left = served(ben_http, urls) | served(ana_http, urls)
        handed_out, still_served = handed_out + len(urls), still_served + len(left)
        assert left == set(), f"{name}: still served {left}"
    # delete the cameo: its last video goes, and the reference crops never had a URL at all
    ana.predict(user="ana", policy="approved", approved=["ben"], instructions="", paused=False,
                api_name="/cameo_settings")  # approving ben again lifts the revocation
    post, urls = video_everywhere(ben, "ben", "@ana once more")
    mine = ana.predict(user="ana", api_name="/cameo_mine")
    refs = {app.url + "gradio_api/file=" + p for p in mine["references"]}
    ana.predict(user="ana", api_name="/cameo_delete")
    left = served(ben_http, urls | refs) | served(ana_http, urls | refs)
    handed_out, still_served = handed_out + len(urls | refs), still_served + len(left)
    record("private data", f"URLs still served after take-downs (delete post, cameo use, revoke, delete cameo): "
           f"{still_served} of {handed_out}", handed_out - still_served, handed_out)
    assert left == set() and still_served == 0
    removed = {Path(urllib.parse.unquote(u)).stem for u in urls}
    assert [p for p in Path(app.cache).rglob("*") if p.stem in removed] == [], "purged, not only refused"


def test_a_session_belongs_to_the_person_who_opened_it(app):
    ana = client(app, "ana")
    ana.predict(user="ana", api_name="/notifications")  # binds ana's session hash
    ben_http = signed_in(app, "ben")
    fn_index = ana._infer_fn_index("/notifications", None)

    def status(method: str, url: str, **kwargs) -> int:
        """The answer's status only: a stream that was let through would never end."""
        with ben_http.stream(method, url, **kwargs) as answer:
            return answer.status_code

    attempts = {
        "read ana's queue stream": lambda: status("GET", "/gradio_api/queue/data",
                                                  params={"session_hash": ana.session_hash}),
        "join as ana's session": lambda: status("POST", "/gradio_api/queue/join", json={
            "data": [""], "fn_index": fn_index, "session_hash": ana.session_hash, "event_data": None,
            "trigger_id": None}),
        "cancel in ana's session": lambda: status("POST", "/gradio_api/cancel", json={
            "session_hash": ana.session_hash, "fn_index": fn_index, "event_id": "x"}),
        "heartbeat ana's session": lambda: status("GET", f"/gradio_api/heartbeat/{ana.session_hash}"),
    }
    ana_http = signed_in(app, "ana")
    event_id = ana_http.post("/gradio_api/call/notifications", json={"data": [""]}).json()["event_id"]
    attempts["read ana's REST result"] = lambda: status("GET", f"/gradio_api/call/notifications/{event_id}")
    reads = {name: attempt() for name, attempt in attempts.items()}
    own = ana_http.get(f"/gradio_api/call/notifications/{event_id}")
    record("identity", "another signed-in user's session_hash / event_id (read, join, cancel, heartbeat, REST result)",
           sum(code == 403 for code in reads.values()), len(reads))
    assert all(code == 403 for code in reads.values()), reads
    assert own.status_code == 200 and "event: complete" in own.text, "ana still gets her own result"
    assert ana.predict(user="ana", api_name="/notifications") is not None


def test_password_guessing_is_throttled_per_account_and_per_address(app):
    http = httpx.Client(base_url=app.url, timeout=30)
    guesses = [http.post("/login", data={"username": "cy", "password": f"guess{i}"}).status_code for i in range(5)]
    blocked = http.post("/login", data={"username": "cy", "password": USERS["cy"]})
    assert guesses == [400] * 5
    assert blocked.status_code == 429 and "try again in" in blocked.json()["detail"], blocked.text
    # from another address, many accounts: the address runs out, other addresses are not affected
    other = httpx.Client(base_url=app.url, timeout=30, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    spray = [other.post("/login", data={"username": f"u{i % 4}", "password": "x"}).status_code for i in range(20)]
    refused = other.post("/login", data={"username": "dee", "password": USERS["dee"]})
    assert set(spray) == {400} and refused.status_code == 429 and "your address" in refused.json()["detail"]
    assert signed_in(app, "ana").get("/gradio_api/user").status_code == 200
    record("identity", "password guessing: refused with a wait after 5 per account / 20 per address",
           int(blocked.status_code == 429) + int(refused.status_code == 429), 2)


def test_refused_and_checked_uploads_are_not_kept(app, clips, tmp_path):
    dee = client(app, "dee")
    big = tmp_path / "big-upload.mp4"
    with open(big, "wb") as f:
        f.write(clips["live"].read_bytes())
        f.truncate(2 * 2**20)  # over SANDBOX_CAMEO_MAX_MB=1
    with pytest.raises(AppError):
        dee.predict(user="dee", video=handle_file(str(big)), challenge="", api_name="/cameo_create")
    checked = tmp_path / "checked-upload.mp4"
    checked.write_bytes(clips["live"].read_bytes())
    dee.predict(user="dee", video=handle_file(str(checked)), api_name="/verify")
    kept = [p for name in (big.name, checked.name) for p in Path(app.cache).rglob(name)]
    record("files", "refused cameo upload and checked /verify upload left on the server", 2 - len(kept), 2)
    assert kept == []


def test_a_cancelled_generation_leaves_the_fair_gate_without_running(app):
    from gradio_client.utils import Status

    first, second = client(app, "eve"), client(app, "eve")  # two sessions of one person
    running = first.submit(user="eve", prompt="a red circle moving right", num_frames=17, width=64, height=64,
                           steps=100, seed=1, api_name="/generate")  # the embedded model's largest, slowly
    deadline = time.monotonic() + 120
    while running.status().code not in (Status.PROCESSING, Status.PROGRESS) and time.monotonic() < deadline:
        time.sleep(0.2)
    waiting = second.submit(user="eve", prompt="a blue square", seed=2, **SMALL, api_name="/generate")
    time.sleep(0.5)  # it is now waiting in the gate for the one slot
    assert not running.done(), "the first job should still be running: make it longer"
    waiting.cancel()
    running.result(timeout=300)
    drafts = first.predict(user="eve", api_name="/my_drafts")
    record("limits", "a cancelled generation waiting for its turn left without running", int(len(drafts) == 1), 1)
    assert len(drafts) == 1, drafts
