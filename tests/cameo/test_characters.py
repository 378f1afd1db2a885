"""Characters: a pet or an object becomes a cameo of its own, cast as @owner.name, with the owner's consent
settings, ledger and take-downs; a clip with a person in it is refused."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from sandbox.errors import NotFound, SandboxError
from sandbox.generation import GenerationRequest
from tests.cameo.conftest import make_cameo, make_character
from tests.conftest import SMALL_VIDEO


def copy(clips, kind, tmp_path):
    dest = tmp_path / f"{kind}.mp4"
    dest.write_bytes(clips[kind].read_bytes())
    return dest


def test_a_pet_becomes_a_character_with_crops_of_the_moving_subject(sb, clips, tmp_path):
    ben = sb.identity.actor("ben", None)
    created = sb.cameos.create_character(ben.id, "Rex", copy(clips, "pet", tmp_path), delete_upload=True)
    assert created["status"] == "verified", created["report"]
    assert created["handle"] == "ben.rex" and created["kind"] == "character"
    mine = sb.cameos.mine(ben.id, "rex")
    assert mine["policy"] == "only_me" and len(mine["references"]) == 3
    crop = np.asarray(Image.open(mine["references"][0]).convert("RGB")).astype(int)
    assert crop[..., 0].mean() > crop[..., 2].mean() + 15, "the crop shows the ginger cat, not the blue-grey room"
    assert sb.cameos.mine(ben.id) is None, "a character is not the owner's own cameo"


def test_an_object_also_becomes_a_character(sb, clips, tmp_path):
    ben = sb.identity.actor("ben", None)
    assert sb.cameos.create_character(ben.id, "mug", copy(clips, "object", tmp_path))["status"] == "verified"


def test_a_character_clip_with_a_person_in_it_is_refused(sb, clips, tmp_path):
    ben = sb.identity.actor("ben", None)
    created = sb.cameos.create_character(ben.id, "rex", copy(clips, "pet_with_person", tmp_path))
    assert created["status"] == "rejected"
    assert "❌ no person" in created["report"] and "person path" in created["report"]
    assert sb.cameos.private.all_files() == []


@pytest.mark.parametrize(("name", "says"), [("", "`name`"), ("r", "`name`"), ("rex!", "`name`"),
                                            ("x" * 21, "`name`")])
def test_bad_names_are_refused(sb, clips, tmp_path, name, says):
    with pytest.raises(SandboxError, match=says):
        sb.cameos.create_character(sb.identity.actor("ben", None).id, name, copy(clips, "pet", tmp_path))


def test_characters_and_people_share_a_scene_up_to_two(sb, clips, upload):
    make_cameo(sb, "ana", upload)
    make_character(sb, "ben", "rex", clips["pet"])
    chloe = sb.identity.actor("chloe", None)
    result = sb.cameos.generate(chloe.id, GenerationRequest(prompt="@ana walks @ben.rex", seed=1, **SMALL_VIDEO))
    assert len(result.request["cameo_ids"]) == 2
    assert {u["handle"] for u in sb.cameos.usable(chloe.id)} == {"ana", "ben.rex"}
    make_character(sb, "ben", "mug", clips["object"])
    with pytest.raises(SandboxError, match="at most 2 cameos or characters"):
        sb.cameos.generate(chloe.id, GenerationRequest(prompt="@ana, @ben.rex, @ben.mug", seed=1, **SMALL_VIDEO))
    with pytest.raises(NotFound, match="no character 'cat'"):
        sb.cameos.generate(chloe.id, GenerationRequest(prompt="@ben.cat", seed=1, **SMALL_VIDEO))


def test_a_characters_uses_are_ledgered_and_taken_down_like_a_cameos(sb, clips):
    make_character(sb, "ben", "rex", clips["pet"], instructions="always wearing a red collar")
    ben, chloe = sb.identity.actor("ben", None), sb.identity.actor("chloe", None)
    pipeline_prompts = []
    run = sb.generation._run_on_gpu
    sb.generation._run_on_gpu = lambda loaded, req, *a, **k: (pipeline_prompts.append(req.prompt),
                                                              run(loaded, req, *a, **k))[1]
    draft = sb.cameos.generate(chloe.id, GenerationRequest(prompt="@ben.rex on a skateboard", seed=1,
                                                           **SMALL_VIDEO))
    assert pipeline_prompts[-1].endswith("(Ben Okafor's rex: always wearing a red collar)")
    assert "collar" not in draft.request["prompt"], "the owner's instructions are private, as for a person's cameo"
    sb.posts.publish(chloe.id, draft.draft_id)
    uses = sb.cameos.uses(ben.id)
    assert {(u["kind"], u["cameo"]) for u in uses} == {("draft", "ben.rex"), ("post", "ben.rex")}
    assert all(u["likeness"].startswith("not measured (a character") for u in uses)
    sb.cameos.revoke(ben.id, "chloe", cameo="rex")
    assert sb.cameos.uses(ben.id) == [] and not draft.video_path.exists()
    assert sb.cameos.delete(ben.id, cameo="rex")["deleted"]
    with pytest.raises(NotFound):
        sb.cameos.generate(chloe.id, GenerationRequest(prompt="@ben.rex", seed=1, **SMALL_VIDEO))
