"""Hostile input: nobody acts for someone else, private things stay private, files and text cannot hurt."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from sandbox.errors import NotFound, PermissionDenied, SandboxError
from sandbox.generation import GenerationRequest
from tests.app_server import AppServer
from tests.cameo.conftest import make_cameo
from tests.conftest import SMALL_VIDEO, make_post
from tests.reliability.report import record

# A valid value for each kind of parameter, so that only the identity check can refuse.
FILLER = {"prompt": "a red circle", "post_id": "p_x", "draft_id": "d_x", "handle": "ben", "text": "hi",
          "use_id": "cu_x", "report_id": 1, "code": "x", "video": None, "approved": [], "challenge": "",
          "challenge_id": "", "name": "rex"}


@pytest.fixture(scope="module")
def password_app(tmp_path_factory, models_dir):
    with AppServer(tmp_path_factory.mktemp("pw"), models_dir, SANDBOX_IDENTITY="password",
                   SANDBOX_USERS="ana:pa,ben:pb") as srv:
        yield srv


def test_no_endpoint_lets_ana_act_as_ben(password_app):
    """Every named endpoint that takes `user`, called by @ana with user=ben (and other tampered values)."""
    client = Client(password_app.url, auth=("ana", "pa"), verbose=False)
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    acting = {name: [p["parameter_name"] for p in ep["parameters"]] for name, ep in api.items()
              if any(p["parameter_name"] == "user" for p in ep["parameters"])}
    assert {"/generate", "/publish", "/cameo_create", "/cameo_delete", "/remix", "/feed", "/lineage"} <= set(acting)
    tried = refused = 0
    for name, params in acting.items():
        for forged in ("ben", " BEN ", "@ben", "u_" + "0" * 12, "ben\u200b"):
            kwargs = {p: FILLER[p] for p in params if p in FILLER}
            tried += 1
            try:
                client.predict(user=forged, api_name=name, **kwargs)
            except AppError as exc:
                refused += "cannot act as" in str(exc) or "must be one of" in str(exc) or "no user" in str(exc)
    record("identity", "forged `user` on every acting endpoint (password mode)", refused, tried)
    assert refused == tried


def test_other_users_ids_are_refused(sb, upload):
    ana, ben = sb.identity.actor("ana", None), sb.identity.actor("ben", None)
    ben_draft = sb.generation.generate(ben.id, GenerationRequest(prompt="mine", seed=1, **SMALL_VIDEO)).draft_id
    ben_post = make_post(sb, "ben", remix_policy="nobody")
    make_cameo(sb, "ben", upload, policy="only_me")
    sb.cameos.generate(ben.id, GenerationRequest(prompt="@ben", seed=1, **SMALL_VIDEO))
    ben_use = sb.cameos.uses(ben.id)[0]["use_id"]
    attempts = [
        lambda: sb.posts.publish(ana.id, ben_draft),
        lambda: sb.posts.delete(ana.id, ben_post),
        lambda: sb.cameos.delete_use(ana.id, ben_use),
        lambda: sb.cameos.settings(ana.id, policy="everyone"),
        lambda: sb.cameos.revoke(ana.id, "ben"),
        lambda: sb.cameos.generate(ana.id, GenerationRequest(prompt="@ben", seed=1, **SMALL_VIDEO)),
        lambda: sb.remixes.remix(ana.id, ben_post, "mine now"),
        lambda: sb.cameos.generate(ana.id, GenerationRequest(prompt="x", seed=1, **SMALL_VIDEO), cameos=["c_guess"]),
    ]
    refused = 0
    for attempt in attempts:
        try:
            attempt()
        except (PermissionDenied, NotFound, SandboxError):
            refused += 1
    record("identity", "other users' draft/post/cameo/use ids", refused, len(attempts))
    assert refused == len(attempts)
    assert all(d["draft_id"] != ben_draft for d in sb.generation.drafts_of(ana.id)), "drafts are private"


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_file_serving_is_limited_to_live_media(tmp_path, models_dir, clips):
    with AppServer(tmp_path / "files", models_dir, SANDBOX_DEMO_POSTS="0") as srv:  # it publishes its own
        client = Client(srv.url, verbose=False)
        video, details = client.predict(user="ana", prompt="a red circle", num_frames=5, width=32, height=32, steps=1,
                                        api_name="/generate")
        post = client.predict(user="ana", draft_id=details["draft_id"], api_name="/publish")
        import hashlib

        sha = hashlib.sha256(Path(video).read_bytes()).hexdigest()
        media = tmp_path / "files" / "media" / sha[:2] / f"{sha}.mp4"
        assert media.is_file(), "the draft's file is in the media folder, named by its content"
        media_url = srv.url + "gradio_api/file=" + str(media)
        assert status_of(media_url) == 200
        from gradio_client import handle_file

        from sandbox.cameo.challenge import Challenge
        from sandbox.cameo.samples import write_sample_clip

        challenge = client.predict(user="ana", api_name="/cameo_challenge")
        clip = write_sample_clip(Challenge.parse(challenge["text"]), tmp_path / "me.mp4")
        created = client.predict(user="ana", video=handle_file(str(clip)), challenge=challenge["challenge_id"],
                                 api_name="/cameo_create")
        assert created[1]["status"] == "verified", created[0]
        private = sorted((tmp_path / "files" / "private").rglob("*.png"))
        assert private, "cameo references are kept privately"
        client.predict(user="ana", post_id=post["post_id"], api_name="/delete_post")
        client.predict(user="ana", api_name="/cameo_delete")
        probes = {
            "/etc/passwd": srv.url + "gradio_api/file=/etc/passwd",
            "a relative escape": srv.url + "gradio_api/file=../../../../etc/passwd",
            "the database": srv.url + "gradio_api/file=" + str(tmp_path / "files" / "sandbox.db"),
            "a cameo reference": srv.url + "gradio_api/file=" + str(private[0]),
            "a deleted post's media": media_url,
        }
        blocked = {name: status_of(url) for name, url in probes.items()}
        record("private data", "file URLs outside live media (passwd, db, cameo refs, deleted media)",
               sum(code != 200 for code in blocked.values()), len(blocked))
        assert all(code != 200 for code in blocked.values()), blocked


def test_hostile_uploads_are_refused_and_nothing_is_deleted_or_stored(sb, tmp_path, clips):
    ana = sb.identity.actor("ana", None)
    outside = tmp_path / "precious.mp4"
    outside.write_bytes(b"a file that is not the sandbox's to delete")
    link = tmp_path / "link.mp4"
    link.symlink_to("/etc/passwd")
    big = tmp_path / "big.mp4"
    with open(big, "wb") as f:  # sparse: over the cameo (50 MB) and the verify (200 MB) limits, cheaply
        f.write(clips["live"].read_bytes())
        f.truncate(201 * 2**20)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clips["live"].read_bytes()[:2000])
    cases = {"text named .mp4": outside, "symlink to /etc/passwd": link, "over the size limit": big,
             "truncated MP4": cut, "path-like name": Path("../../../../etc/passwd"), "missing file": tmp_path / "nope"}
    refused = 0
    for path in cases.values():
        try:
            sb.cameos.create(ana.id, path, sb.cameos.issue_challenge(ana.id)["challenge_id"])
        except SandboxError:
            refused += 1
        try:
            sb.provenance.verify(ana.id, path)
        except SandboxError:
            refused += 1
    record("files", "hostile uploads to cameo and verify", refused, 2 * len(cases))
    assert refused == 2 * len(cases)
    assert outside.exists() and Path("/etc/passwd").exists(), "the sandbox deletes only its own uploads"
    assert sb.cameos.private.all_files() == [] and sb.media.all_files() == []


def test_hostile_text_is_shown_as_text_and_bounded(sb):
    from sandbox.ui.feed import card_markdown

    ana = sb.identity.actor("ana", None)
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    post = make_post(sb, "ana", caption=payload)
    sb.posts.comment(ana.id, post, payload)
    item = next(i for i in sb.feed.page(sb.identity.actor("ben", None).id, limit=20).items if i.post_id == post)
    shown = card_markdown(item.to_dict())
    comments = sb.posts.comments(ana.id, post)
    checks = ["<script>" not in shown and "&lt;script&gt;" in shown, "<img" not in shown and "&lt;img" in shown,
              comments[0]["text"] == payload]  # stored as typed, escaped where shown
    too_long = [lambda: sb.posts.comment(ana.id, post, "x" * 501), lambda: make_post(sb, "ana", caption="x" * 301),
                lambda: sb.generation.generate(ana.id, GenerationRequest(prompt="x" * 501)),
                lambda: sb.cameos.settings(ana.id, instructions="x" * 201),
                lambda: sb.accounts.signup(sb.accounts.invite_codes(ana.id)[0]["code"], "b\u0435n", "Fake Ben"),
                lambda: sb.accounts.signup(sb.accounts.invite_codes(ana.id)[0]["code"], "<b>x</b>", "x")]
    refused = 0
    for attempt in too_long:
        try:
            attempt()
        except SandboxError:
            refused += 1
    record("text", "HTML/JS shown as text", sum(checks), len(checks))
    record("text", "over-long text and look-alike or HTML handles", refused, len(too_long))
    assert all(checks) and refused == len(too_long)
