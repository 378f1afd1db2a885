"""End to end: app.py on a loopback port, driven through gradio_client exactly as README shows."""

import time

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from sandbox.generation.video import probe
from tests.app_server import AppServer


@pytest.fixture(scope="module")
def server(tmp_path_factory, models_dir):
    with AppServer(tmp_path_factory.mktemp("app"), models_dir) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server):
    return Client(server.url, verbose=False)


def test_generate_with_only_a_prompt(client):
    video, details = client.predict(prompt="a red circle moving right", api_name="/generate")
    info = probe(video)
    assert (info["codec"], info["pix_fmt"]) == ("h264", "yuv420p")
    assert details["draft_id"].startswith("d_")
    assert details["model"] == "sandbox-local/micro-wan-vace"
    assert {"seed", "timings"} <= set(details)


def test_api_lists_personas_and_defaults(client):
    api = client.view_api(return_format="dict", print_info=False)
    params = {p["parameter_name"]: p for p in api["named_endpoints"]["/generate"]["parameters"]}
    assert list(params) == ["user", "prompt", "negative_prompt", "seed", "num_frames", "width", "height", "steps",
                            "guidance", "model", "preset", "cameos", "sound", "sound_prompt"]
    assert "ana" in str(params["user"]["type"]) and "ben" in str(params["user"]["type"])
    assert all(p["parameter_has_default"] for name, p in params.items() if name != "prompt")
    assert "/my_drafts" in api["named_endpoints"]


def test_keyword_parameters_and_acting_as_a_persona(client):
    _, details = client.predict(user="ben", prompt="a fox", seed=42, num_frames=9, width=64, height=64, steps=2,
                                api_name="/generate")
    assert details["seed"] == 42 and details["request"]["num_frames"] == 9
    drafts = client.predict(user="ben", api_name="/my_drafts")
    assert any(details["draft_id"] in (d.get("caption") or "") for d in drafts)
    ana_drafts = client.predict(user="ana", api_name="/my_drafts")
    assert not any(details["draft_id"] in (d.get("caption") or "") for d in ana_drafts), "drafts are private"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"prompt": ""}, "`prompt` is empty"),
    ({"prompt": "x" * 600}, "at most 500 characters"),
    ({"prompt": "x", "num_frames": 14}, r"4k\+1"),
    ({"prompt": "x", "width": 70}, "divisible by 16"),
    ({"prompt": "x", "model": "wan2.1-vace-1.3b"}, "hf download Wan-AI/Wan2.1-VACE-1.3B-diffusers"),
    ({"prompt": "x", "user": "mallory"}, "`user` must be one of the personas .* but is 'mallory'"),
])
def test_bad_input_is_a_clear_error_and_the_app_keeps_serving(client, kwargs, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message):
        client.predict(api_name="/generate", **kwargs)
    _, details = client.predict(prompt="still here", num_frames=5, width=32, height=32, steps=1,
                                api_name="/generate")
    assert details["draft_id"]


@pytest.fixture(scope="module")
def password_server(tmp_path_factory, models_dir):
    """Password mode, ana and ben signed up; no rate limit or cost budget (the queue test holds three jobs)."""
    with AppServer(tmp_path_factory.mktemp("pw"), models_dir, SANDBOX_IDENTITY="password",
                   SANDBOX_USERS="ana:pa,ben:pb", SANDBOX_RATE_LIMIT="", SANDBOX_COST_BUDGET="") as srv:
        yield srv


def test_password_mode_refuses_acting_as_someone_else(password_server):
    srv = password_server
    client = Client(srv.url, auth=("ana", "pa"), verbose=False)
    with pytest.raises(AppError, match="signed in as @ana and cannot act as @ben"):
        client.predict(user="ben", prompt="a fox", num_frames=5, width=32, height=32, steps=1,
                       api_name="/generate")
    _, details = client.predict(prompt="a fox", num_frames=5, width=32, height=32, steps=1,
                                api_name="/generate")
    assert details["draft_id"]
    with pytest.raises(Exception):  # noqa: B017 — wrong password: no session at all
        Client(srv.url, auth=("ana", "wrong"), verbose=False)


SMALL = {"num_frames": 5, "width": 32, "height": 32, "steps": 1}


def test_social_flow_through_the_api(client):
    from gradio_client.exceptions import AppError

    _, details = client.predict(user="ben", prompt="a cat and a dog", api_name="/generate", **SMALL)
    post = client.predict(user="ben", draft_id=details["draft_id"], caption="<b>hi</b> friends", api_name="/publish")
    with pytest.raises(AppError, match="no draft"):
        client.predict(user="chloe", draft_id=details["draft_id"], api_name="/publish")
    feed = client.predict(user="ana", limit=5, instruction="", api_name="/feed")
    top = next(i for i in feed if i["post_id"] == post["post_id"])  # a friend's new post is on the first page
    assert "from your friend @ben" in top["reasons"]
    assert {"relation", "recency", "engagement"} <= set(top["parts"])
    assert client.predict(user="ana", post_id=post["post_id"], api_name="/like")["likes"] == 1
    assert client.predict(user="ana", post_id=post["post_id"], api_name="/like")["likes"] == 1
    client.predict(user="ana", post_id=post["post_id"], text="<script>x</script>", api_name="/comment")
    assert client.predict(user="ana", post_id=post["post_id"], api_name="/comments")[-1]["text"] == \
        "<script>x</script>"
    kinds = {n["kind"] for n in client.predict(user="ben", api_name="/notifications")}
    assert {"like", "comment"} <= kinds
    client.predict(user="ana", post_id=post["post_id"], dwell_ms=3000, api_name="/view")
    again = client.predict(user="ana", limit=50, instruction="", api_name="/feed")
    assert post["post_id"] not in {i["post_id"] for i in again}, "seen posts are not repeated"
    with pytest.raises(AppError, match="cannot follow yourself"):
        client.predict(user="ana", handle="ana", api_name="/follow")
    with pytest.raises(AppError, match="`comment` is empty"):
        client.predict(user="ana", post_id=post["post_id"], text="  ", api_name="/comment")


def test_signup_with_invite_code(client):
    code = client.predict(user="chloe", api_name="/invite_codes")[0]["code"]
    new = client.predict(code=code, handle="zoe", display_name="Zoé", api_name="/signup")
    assert new["invited_by"] == "chloe"
    profile = client.predict(user="zoe", handle="", api_name="/profile")
    assert profile["handle"] == "zoe" and profile["friends"] == 1


def test_verify_and_moderation_through_the_api(client):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    video, details = client.predict(user="ana", prompt="a yellow star spinning", api_name="/generate", **SMALL)
    summary, report = client.predict(user="ana", video=handle_file(video), api_name="/verify")
    assert "✅ Valid Content Credentials, signed by this sandbox" in summary
    assert report["credentials"]["ai_generated"] and report["credentials"]["claims"]["creator"] == "@ana"
    assert report["draft_id"] == details["draft_id"]
    with pytest.raises(AppError, match="names a real public figure"):
        client.predict(user="ana", prompt="Taylor Swift on a boat", api_name="/generate", **SMALL)

    post = client.predict(user="ana", draft_id=details["draft_id"], caption="star", api_name="/publish")
    client.predict(user="ben", post_id=post["post_id"], reason="spam", api_name="/report")
    assert post["post_id"] not in {i["post_id"] for i in client.predict(user="ben", limit=50, api_name="/feed")}
    with pytest.raises(AppError, match="only admins"):
        client.predict(user="ben", api_name="/reports")
    queue = client.predict(user="mod", api_name="/reports")
    rid = next(r["report_id"] for r in queue if r["post_id"] == post["post_id"])
    client.predict(user="mod", report_id=rid, action="take_down", api_name="/resolve_report")
    assert post["post_id"] not in {i["post_id"] for i in client.predict(user="chloe", limit=50, api_name="/feed")}


def test_cameo_api_end_to_end(client, tmp_path):
    """Create a cameo from a clip, share it, cast it, see the use, take it down — all through the API."""
    from gradio_client import handle_file

    from sandbox.cameo.challenge import Challenge
    from sandbox.cameo.samples import write_sample_clip

    challenge = client.predict(user="chloe", api_name="/cameo_challenge")
    clip = write_sample_clip(Challenge.parse(challenge["text"]), tmp_path / "me.mp4")
    report, details = client.predict(user="chloe", video=handle_file(str(clip)), challenge=challenge["challenge_id"],
                                     api_name="/cameo_create")
    assert details["status"] == "verified" and "✅ spoken digits" in report, report
    assert client.predict(user="dev", api_name="/cameo_usable") == []
    mine = client.predict(user="chloe", policy="approved", approved=["dev"], instructions="wearing a red hat",
                          paused=False, api_name="/cameo_settings")
    assert mine["approved"] == ["dev"] and "references" in mine
    usable = client.predict(user="dev", api_name="/cameo_usable")
    assert [c["handle"] for c in usable] == ["chloe"]
    _, gen = client.predict(user="dev", prompt="dancing", cameos=[usable[0]["cameo_id"]], num_frames=5, width=32,
                            height=32, steps=1, api_name="/generate")
    assert gen["request"]["cameo_ids"] == [usable[0]["cameo_id"]]
    assert "red hat" not in gen["request"]["prompt"], "the owner's instructions stay private"
    uses = client.predict(user="chloe", api_name="/cameo_uses")
    assert [(u["creator"], u["draft_id"]) for u in uses] == [("dev", gen["draft_id"])]
    assert client.predict(user="dev", api_name="/cameo_uses") == [], "the ledger is the owner's"
    assert client.predict(user="chloe", use_id=uses[0]["use_id"], api_name="/cameo_delete_use")["removed"] == 1
    assert client.predict(user="chloe", handle="dev", api_name="/cameo_revoke")["revoked"] == "dev"
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="revoked your access"):
        client.predict(user="dev", prompt="@chloe again", num_frames=5, width=32, height=32, steps=1,
                       api_name="/generate")
    assert client.predict(user="chloe", api_name="/cameo_delete")["deleted"] is True
    assert client.predict(user="chloe", api_name="/cameo_mine") is None


def test_a_new_signup_can_generate_at_once(client):
    code = client.predict(user="ana", api_name="/invite_codes")[0]["code"]
    client.predict(code=code, handle="newbie", display_name="New Bie", api_name="/signup")
    _, details = client.predict(user="newbie", prompt="a red circle", num_frames=5, width=32, height=32, steps=1,
                                api_name="/generate")
    assert details["draft_id"].startswith("d_")


PROMPTS = ("a red circle moving right", "a blue square moving up", "a green star spinning")


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_only_the_owner_sees_cancels_and_reorders_their_jobs(password_server):
    """My jobs, two people signed in: another person's session cannot see, cancel or reorder my jobs — not by
    their job id, not by claiming my name; I can reorder and cancel them."""
    srv = password_server
    ben, ana = Client(srv.url, auth=("ben", "pb"), verbose=False), Client(srv.url, auth=("ana", "pa"),
                                                                            verbose=False)
    runs = []
    for prompt in PROMPTS:  # one after the other: their order in line is known
        runs.append(ben.submit(prompt=prompt, steps=100, num_frames=9, width=32, height=32,
                               api_name="/generate"))
        wait_for(lambda n=len(runs): len(ben.predict(api_name="/my_jobs")) == n)
    mine = ben.predict(api_name="/my_jobs")
    assert [(j["prompt"], j["state"]) for j in mine] == [(PROMPTS[1], "waiting"), (PROMPTS[2], "waiting"),
                                                         (PROMPTS[0], "running")]
    # the attacker: ana's own session, ben's job ids
    seen_by_ana = ana.predict(api_name="/my_jobs")
    assert not {j["job_id"] for j in seen_by_ana} & {j["job_id"] for j in mine}
    assert {j["prompt"] for j in seen_by_ana}.isdisjoint(PROMPTS)
    for job in mine:
        with pytest.raises(AppError, match=f"no job '{job['job_id']}' of yours"):
            ana.predict(job_id=job["job_id"], api_name="/cancel_job")
        with pytest.raises(AppError, match=f"no job '{job['job_id']}' of yours"):
            ana.predict(job_id=job["job_id"], direction="up", api_name="/move_job")
    with pytest.raises(AppError, match="signed in as @ana and cannot act as @ben"):
        ana.predict(user="ben", api_name="/my_jobs")
    with pytest.raises(AppError, match="signed in as @ana and cannot act as @ben"):
        ana.predict(user="ben", job_id=mine[0]["job_id"], api_name="/cancel_job")
    assert [(j["job_id"], j["state"]) for j in ben.predict(api_name="/my_jobs")] == [
        (j["job_id"], j["state"]) for j in mine], "ana changed nothing"
    # the owner: the last waiting one goes first, then everything stops
    moved = ben.predict(job_id=mine[1]["job_id"], direction="up", api_name="/move_job")
    assert [(j["prompt"], j["position"]) for j in moved[:2]] == [(PROMPTS[2], 1), (PROMPTS[1], 2)]
    for job in moved:
        ben.predict(job_id=job["job_id"], api_name="/cancel_job")
    for run in runs:
        with pytest.raises(Exception, match="cancel"):
            run.result(timeout=60)
    ended = wait_for(lambda: [j for j in ben.predict(api_name="/my_jobs") if j["state"] == "cancelled"]
                     if all(j["state"] == "cancelled" for j in ben.predict(api_name="/my_jobs")) else None)
    assert len(ended) == 3
    assert ben.predict(api_name="/my_drafts") == [], "nothing was saved"
