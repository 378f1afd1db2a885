import re
from pathlib import Path

import pytest

from sandbox.errors import NotFound
from sandbox.models.cards import CARDS_DIR, FrameRule, ModelRegistry, ModelSpec, SizeRule, card_paths

REPO_CARDS = CARDS_DIR

REQUIRED = {
    "Wan-AI/Wan2.1-T2V-1.3B-Diffusers": "WanPipeline",
    "Wan-AI/Wan2.1-VACE-1.3B-diffusers": "WanVACEPipeline",
    "Lightricks/LTX-Video": "LTXPipeline",
}


def test_registry_reads_every_card_with_huggingface_hub():
    reg = ModelRegistry()
    repo_ids = {s.repo_id: s.pipeline_class for s in reg}
    for repo_id, cls in REQUIRED.items():
        assert repo_ids[repo_id] == cls
    assert reg.embedded.id == "micro-wan-vace"
    assert list(reg.specs)[:2] == ["micro-wan-vace", "tiny-wan-vace"], "embedded first, the default before all"
    vace = reg.get("Wan-AI/Wan2.1-VACE-1.3B-diffusers")
    assert set(vace.tasks) == {"t2v", "r2v", "v2v"}
    assert vace.license == "apache-2.0"
    assert "fast" in vace.presets


def test_pipeline_classes_exist_in_diffusers():
    import diffusers

    for spec in ModelRegistry():
        assert hasattr(diffusers, spec.pipeline_class), spec.pipeline_class


def test_unknown_model_names_the_choices():
    with pytest.raises(NotFound, match=r"`model` must be one of .*tiny-wan-vace.* but is 'nope'"):
        ModelRegistry().get("nope")


@pytest.mark.parametrize(("n", "ok"), [(17, True), (5, True), (33, True), (18, False), (1, False), (37, False)])
def test_frame_rule(n, ok):
    assert (FrameRule(min=5, max=33, multiple_of=4, offset=1).check(n) is None) is ok


def test_size_rule_message_names_both_values():
    msg = SizeRule(min=32, max=256, multiple_of=16).check(width=5, height=37)
    assert msg == "`height` and `width` have to be divisible by 16 but are 37 and 5"


@pytest.mark.parametrize(("aspect", "expected"), [("portrait 9:16", (64, 112)), ("landscape 16:9", (112, 64)),
                                                  ("square 1:1", (64, 64))])
def test_aspect_sizes_respect_divisibility(aspect, expected):
    rule = SizeRule(min=32, max=256, multiple_of=16)
    assert rule.for_aspect(64, aspect) == expected


def test_card_without_sandbox_section_is_refused(tmp_path: Path):
    (tmp_path / "bad.md").write_text("---\nlicense: mit\n---\n# nothing\n")
    with pytest.raises(ValueError, match="no `sandbox:` section"):
        ModelSpec.from_card(tmp_path / "bad.md")


def test_card_with_missing_field_names_it(tmp_path: Path):
    (tmp_path / "bad.md").write_text("---\nsandbox:\n  label: x\n---\n")
    with pytest.raises(ValueError, match=r"`sandbox.repo_id` is missing"):
        ModelSpec.from_card(tmp_path / "bad.md")


@pytest.mark.parametrize("path", card_paths(), ids=lambda p: p.stem)
def test_every_card_loads_with_what_the_ui_needs(path):
    spec = ModelSpec.from_card(path)
    assert spec.id == path.stem and spec.examples
    assert set(spec.trained_resolutions) <= set(spec.resolutions)
    assert [value for _, value in spec.resolution_choices()] == list(spec.resolutions)


def test_the_micro_model_offers_only_prompts_of_its_world_and_marks_untrained_sizes():
    from sandbox.models.micro.data import BACKGROUNDS, COLORS, DIRECTIONS, SHAPES

    micro = ModelRegistry().get("micro-wan-vace")
    pattern = (rf"a ({'|'.join(COLORS)}) ({'|'.join(SHAPES)}) moving ({'|'.join(DIRECTIONS)}) "
               rf"on a ({'|'.join(BACKGROUNDS)}) background")
    assert all(re.fullmatch(pattern, prompt) for prompt in micro.examples), micro.examples
    assert dict(micro.resolution_choices()) == {"32p": "32p", "48p · experimental": "48p",
                                                "64p · experimental": "64p"}
    assert micro.frames_note() == "trained for 9 frames; other counts are experimental"


def test_a_card_missing_a_required_key_names_it(tmp_path):
    text = (REPO_CARDS / "micro-wan-vace.md").read_text()
    (tmp_path / "broken.md").write_text(text.replace("  examples:", "  sample_prompts:"))
    with pytest.raises(ValueError, match=r"`sandbox.examples` is missing"):
        ModelSpec.from_card(tmp_path / "broken.md")
