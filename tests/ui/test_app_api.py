"""End to end: app.py on a loopback port, driven through gradio_client exactly as README shows."""

import pytest
from gradio_client import Client

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
    assert details["model"] == "sandbox-local/tiny-wan-vace"
    assert {"seed", "timings"} <= set(details)


def test_api_lists_personas_and_defaults(client):
    api = client.view_api(return_format="dict", print_info=False)
    params = {p["parameter_name"]: p for p in api["named_endpoints"]["/generate"]["parameters"]}
    assert list(params) == ["user", "prompt", "negative_prompt", "seed", "num_frames", "width", "height", "steps",
                            "guidance", "model"]
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
    ({"prompt": "x", "num_frames": 18}, r"4k\+1"),
    ({"prompt": "x", "width": 70}, "divisible by 16"),
    ({"prompt": "x", "model": "wan2.1-vace-1.3b"}, "hf download Wan-AI/Wan2.1-VACE-1.3B-diffusers"),
    ({"prompt": "x", "user": "mallory"}, "mallory is not in the list of choices"),
])
def test_bad_input_is_a_clear_error_and_the_app_keeps_serving(client, kwargs, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message):
        client.predict(api_name="/generate", **kwargs)
    _, details = client.predict(prompt="still here", num_frames=5, width=32, height=32, steps=1,
                                api_name="/generate")
    assert details["draft_id"]


def test_password_mode_refuses_acting_as_someone_else(tmp_path, models_dir):
    from gradio_client.exceptions import AppError

    with AppServer(tmp_path / "pw", models_dir, SANDBOX_IDENTITY="password", SANDBOX_USERS="ana:pa,ben:pb") as srv:
        client = Client(srv.url, auth=("ana", "pa"), verbose=False)
        with pytest.raises(AppError, match="signed in as @ana and cannot act as @ben"):
            client.predict(user="ben", prompt="a fox", num_frames=5, width=32, height=32, steps=1,
                           api_name="/generate")
        _, details = client.predict(prompt="a fox", num_frames=5, width=32, height=32, steps=1,
                                    api_name="/generate")
        assert details["draft_id"]
        with pytest.raises(Exception):  # noqa: B017 — wrong password: no session at all
            Client(srv.url, auth=("ana", "wrong"), verbose=False)
