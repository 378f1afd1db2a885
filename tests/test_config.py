import pytest

from sandbox.config import SandboxConfig


def test_from_env_reads_and_validates():
    cfg = SandboxConfig.from_env({"SANDBOX_DATA_DIR": "/tmp/x", "SANDBOX_PORT": "8000", "SANDBOX_MODEL": "m"})
    assert (str(cfg.data_dir), cfg.port, cfg.model) == ("/tmp/x", 8000, "m")
    assert cfg.resolved_db_url.startswith("sqlite:////tmp/x/")


@pytest.mark.parametrize(("env", "message"), [
    ({"SANDBOX_PORT": "http"}, "`SANDBOX_PORT` must be a int but is 'http'"),
    ({"SANDBOX_PORT": "70000"}, "between 1 and 65535"),
    ({"SANDBOX_IDENTITY": "magic"}, "`SANDBOX_IDENTITY` must be one of"),
    ({"SANDBOX_DEVICE_MAP": "gpu"}, "`SANDBOX_DEVICE_MAP` must be one of"),
    ({"SANDBOX_OFFLOAD": "ram"}, "`SANDBOX_OFFLOAD` must be one of"),
])
def test_bad_env_fails_at_start_with_the_variable_name(env, message):
    with pytest.raises(ValueError, match=message):
        SandboxConfig.from_env(env)


def test_spaces_default_to_hf_login():
    assert SandboxConfig.from_env({"SPACE_ID": "org/space"}).identity_mode == "hf"
