"""Sound: stored MP4s carry an AAC track that means something (pitch ↔ colour), lasts as long as the picture,
is named in the Content Credentials, and can be switched off; the Hub sound card runs as its offline twin;
a joint pipeline's audio goes through the same finish step."""

from __future__ import annotations

import numpy as np
import pytest

from sandbox.errors import SandboxError
from sandbox.generation import GenerationRequest
from sandbox.generation.video import probe
from sandbox.models.micro.data import Scene
from sandbox.models.micro_audio.analysis import analyse_sound
from sandbox.models.micro_audio.world import SAMPLE_RATE, pitch_hz, synthesize
from sandbox.sound.media import STORED_RATE, Soundtrack, has_audio, mux_audio, read_audio
from sandbox.sound.service import joint_track
from tests.sound.copies import write_audio_copy


def test_mux_keeps_meaning_duration_and_picture(tmp_path):
    """The world's 'red circle moving right' through AAC: still red (220 Hz), pure, panning right, 1.125 s."""
    from sandbox.generation.video import encode_mp4, read_frames

    encode_mp4(np.full((9, 64, 64, 3), 90, np.uint8), tmp_path / "silent.mp4", fps=8)
    clip = synthesize(Scene("red", "circle", "right", "black"), seconds=9 / 8)
    mux_audio(tmp_path / "silent.mp4", Soundtrack(clip, SAMPLE_RATE, "m", "r"), tmp_path / "sound.mp4")
    assert not has_audio(tmp_path / "silent.mp4") and has_audio(tmp_path / "sound.mp4")
    samples, rate = read_audio(tmp_path / "sound.mp4")
    assert rate == STORED_RATE and samples.shape[0] == 2
    assert abs(samples.shape[1] / rate - 9 / 8) < 1 / 8  # within one frame
    assert probe(tmp_path / "sound.mp4")["codec"] == "h264" and read_frames(tmp_path / "sound.mp4").shape[0] == 9
    a = analyse_sound(read_audio(tmp_path / "sound.mp4", rate=SAMPLE_RATE)[0])
    assert (a.color, a.shape, a.direction) == ("red", "circle", "right")


def test_joint_audio_becomes_a_soundtrack():
    """LTX-2's ``output.audio`` (batch, channels, n) at the vocoder's rate, cut to the video's duration."""
    import torch

    track = joint_track(torch.zeros(1, 2, 24000 * 2), 24000, "Lightricks/LTX-2", "main").fitted(1.5)
    assert (track.sample_rate, track.samples.shape) == (24000, (2, 36000))


@pytest.fixture
def micro(sb):
    return sb, sb.identity.actor("ana", None)


def test_generate_has_sound_that_follows_the_prompt(micro):
    sb, ana = micro
    result = sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving right on a blue background",
                                                              seed=3))
    sound = result.to_dict()["sound"]
    assert sound["model"] == "sandbox-local/micro-sound" and sound["sample_rate"] == SAMPLE_RATE
    frames = probe(result.video_path)["frames"]
    samples, rate = read_audio(result.video_path, rate=SAMPLE_RATE)
    assert abs(samples.shape[1] / rate - frames / 8) <= 1 / 8  # lines up with the picture within one frame
    hz = analyse_sound(samples).pitch_hz
    assert hz is not None and abs(12 * np.log2(hz / pitch_hz("red"))) < 2  # red's pitch band (220 Hz ± 2 semitones)
    report = sb.provenance.credentials.read(result.video_path)
    assert report.valid and report.claims["sound_model"] == "sandbox-local/micro-sound"


def test_sound_off_is_silent_and_sound_prompt_is_moderated(micro):
    sb, ana = micro
    silent = sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving right", seed=1,
                                                              sound=False))
    assert silent.to_dict()["sound"] is None and not has_audio(silent.video_path)
    with pytest.raises(SandboxError, match="sound_prompt"):
        sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving right", sound_prompt="gore"))


def test_hub_sound_card_runs_as_its_offline_twin(micro):
    sb, ana = micro
    result = sb.generation.generate(ana.id, GenerationRequest(prompt="a cat", model="tiny-wan-vace", seed=1,
                                                              num_frames=9, steps=2))
    sound = result.to_dict()["sound"]
    assert sound["model"] == "sandbox-local/stable-audio-open-1.0-twin" and sound["sample_rate"] == 44100
    assert abs(sound["seconds"] - 9 / 8) < 1e-3 and has_audio(result.video_path)


def test_an_audio_only_copy_traces_back_to_its_post(micro, tmp_path):
    """The sound extracted to .wav and to .m4a (no manifest, no picture, re-encoded, first 0.2 s cut) finds
    the post; a different sound (another colour's pitch) does not."""
    from sandbox.provenance.audio_fingerprint import AudioLookup

    sb, ana = micro
    result = sb.generation.generate(ana.id, GenerationRequest(prompt="a yellow square moving down on a black "
                                                                     "background", seed=4))
    post_id = sb.posts.publish(ana.id, result.draft_id, "sound test")["post_id"]
    samples, rate = read_audio(result.video_path)
    cut = samples[:, int(0.2 * rate):]
    for suffix in (".wav", ".m4a"):
        write_audio_copy(cut, rate, tmp_path / f"copy{suffix}")
    lookup = AudioLookup(sb.db)
    ben = sb.identity.actor("ben", None)
    for suffix in (".wav", ".m4a"):
        match = lookup.find(ben.id, tmp_path / f"copy{suffix}")
        assert match is not None and not match["ambiguous"] and match["creator"] == "ana", (suffix, match)
        assert match["post_id"] == post_id
    report = sb.provenance.verify(ben.id, tmp_path / "copy.m4a")  # what the Verify tab and /verify answer
    assert report["post_id"] == post_id and report["match"]["by"] == "sound"
    assert "Audio fingerprint" in report["summary"] and "by @ana (audio fingerprint" in report["summary"]
    other = synthesize(Scene("white", "triangle", "up", "green"), seconds=1.125)
    mux_audio(result.video_path, Soundtrack(other, SAMPLE_RATE, "x", "x"), tmp_path / "other.mp4")
    assert lookup.find(ben.id, tmp_path / "other.mp4") is None


def test_remix_restyle_keeps_the_sound_and_extend_continues_it(micro):
    sb, ana = micro
    original = sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving right on a black "
                                                                       "background", seed=2))
    post_id = sb.posts.publish(ana.id, original.draft_id, "original")["post_id"]
    ben = sb.identity.actor("ben", None)
    restyle = sb.remixes.remix(ben.id, post_id, "a white circle moving right on a black background", "restyle")
    sound = restyle.to_dict()["sound"]
    assert sound["source"] == "kept from the original"
    # "from the original" also names the model that made that sound, in the details and the credentials
    made_by = ("sandbox-local/micro-sound", original.to_dict()["sound"]["model_revision"])
    assert (sound["model"], sound["model_revision"]) == made_by
    assert (sound["original_model"], sound["original_model_revision"]) == made_by
    claims = sb.provenance.credentials.read(restyle.video_path).claims
    assert claims["sound"] == "kept from the original"
    assert (claims["sound_original_model"], claims["sound_original_model_revision"]) == made_by
    kept, _ = read_audio(restyle.video_path, rate=SAMPLE_RATE)
    assert analyse_sound(kept).color == analyse_sound(read_audio(original.video_path, rate=SAMPLE_RATE)[0]).color
    extend = sb.remixes.remix(ben.id, post_id, "a red circle moving right on a black background", "extend")
    assert extend.to_dict()["sound"]["source"] == "continued from the original"
    assert extend.to_dict()["sound"]["original_model"] == "sandbox-local/micro-sound"
    assert sb.provenance.credentials.read(extend.video_path).claims["sound_original_model"] == made_by[0]
    seconds = read_audio(extend.video_path)[0].shape[1] / STORED_RATE
    assert abs(seconds - probe(extend.video_path)["frames"] / 8) <= 1 / 8


def test_an_audio_copy_of_a_taken_down_post_leads_nowhere(micro, tmp_path):
    """Attack: keep the sound of a video, wait for its take-down, then ask Verify where it came from. The
    removed post (and its draft) must not be named, by picture, mark or sound."""
    sb, ana = micro
    result = sb.generation.generate(ana.id, GenerationRequest(prompt="a green triangle moving up on a white "
                                                                     "background", seed=9))
    post_id = sb.posts.publish(ana.id, result.draft_id, "soon gone")["post_id"]
    copy = tmp_path / "kept.mp4"
    copy.write_bytes(result.video_path.read_bytes())
    ben = sb.identity.actor("ben", None)
    assert sb.provenance.verify(ben.id, copy)["post_id"] == post_id  # before: found
    sb.posts.delete(ana.id, post_id)
    report = sb.provenance.verify(ben.id, copy)
    assert report["post_id"] is None and report["draft_id"] is None
    assert report["match"] is None or report["match"]["creator"] is None  # (the file's own credentials still
    assert "No matching video was made in this sandbox" in report["summary"]  # say what they say)


def test_a_sound_kept_from_the_original_names_the_model_its_credentials_name(sb, tmp_path):
    """The remix's hook reads the original's signed claims: the kept sound is the original's model's; an
    unsigned original (no credentials to trust) leaves it plainly unnamed rather than guessed."""
    from sandbox.generation.video import encode_mp4
    from sandbox.remix.service import RemixService
    from sandbox.sound.remix import UNNAMED, original_sound

    assert sb.remixes.claims_of == sb.provenance.claims_of and isinstance(sb.remixes, RemixService)
    encode_mp4(np.full((9, 64, 64, 3), 90, np.uint8), tmp_path / "silent.mp4", fps=8)
    clip = synthesize(Scene("red", "circle", "right", "black"), seconds=9 / 8)
    mux_audio(tmp_path / "silent.mp4", Soundtrack(clip, SAMPLE_RATE, "x", "x"), tmp_path / "unsigned.mp4")
    sb.provenance.sign(tmp_path / "unsigned.mp4", tmp_path / "signed.mp4",
                       {"model": "m", "creator": "@ana", "sound_model": "stabilityai/stable-audio-open-1.0",
                        "sound_model_revision": "abc123", "sound": "generated"})
    frames = np.zeros((9, 64, 64, 3), np.uint8)
    for original, made_by in (("signed.mp4", ("stabilityai/stable-audio-open-1.0", "abc123")),
                              ("unsigned.mp4", (UNNAMED.model, ""))):
        hook = original_sound(tmp_path / original, "restyle", "", 8, 9, lambda s: None,
                              sb.provenance.claims_of(tmp_path / original))
        track = hook(frames)
        assert (track.model, track.model_revision) == made_by
        assert (hook.original.model, hook.original.revision) == made_by
