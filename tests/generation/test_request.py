import pytest

from sandbox.errors import SandboxError
from sandbox.generation.request import GenerationRequest, check_inputs, resolve_defaults
from sandbox.models.cards import ModelRegistry

TINY = ModelRegistry().get("tiny-wan-vace")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prompt": ""}, "`prompt` is empty"),
        ({"prompt": "   "}, "`prompt` is empty"),
        ({"prompt": "x" * 501}, "`prompt` must be at most 500 characters but has 501"),
        ({"prompt": "ok", "negative_prompt": "n" * 600}, "`negative_prompt` must be at most 500"),
        ({"prompt": "ok", "num_frames": 18}, "`num_frames` must be between 5 and 33 and of the form 4k+1"),
        ({"prompt": "ok", "num_frames": 65}, "`num_frames` must be between 5 and 33"),
        ({"prompt": "ok", "width": 70, "height": 64}, "divisible by 16 but are 64 and 70"),
        ({"prompt": "ok", "width": 512, "height": 64}, "`width` must be between 32 and 256 but is 512"),
        ({"prompt": "ok", "steps": 0}, "`steps` must be between 1 and 100 but is 0"),
        ({"prompt": "ok", "guidance": 50.0}, "`guidance` must be between 0 and 20 but is 50.0"),
        ({"prompt": "ok", "seed": 2**40}, "`seed` must be at most"),
    ],
)
def test_bad_inputs_name_the_argument(kwargs, message):
    with pytest.raises(SandboxError, match=message.replace("(", r"\(").replace("+", r"\+")):
        check_inputs(GenerationRequest(**kwargs), TINY)


def test_defaults_come_from_the_card_and_seed_is_drawn():
    req = resolve_defaults(GenerationRequest(prompt="  a fox  "), TINY)
    assert req.prompt == "a fox"
    assert (req.num_frames, req.steps, req.guidance, req.model) == (17, 8, 3.0, "tiny-wan-vace")
    assert (req.width, req.height) == (112, 64)
    assert 0 <= req.seed < 2**31
    assert resolve_defaults(GenerationRequest(prompt="x", seed=5), TINY).seed == 5
