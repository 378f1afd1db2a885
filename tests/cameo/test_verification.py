"""A clip becomes a cameo only if it shows one live face; each failure says what to change."""

from __future__ import annotations

import pytest

from sandbox.cameo.verification import VerificationConfig, new_challenge, verify_clip
from sandbox.errors import SandboxError


def failed(report) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.passed}


def test_single_moving_face_is_accepted_with_references(clips):
    report = verify_clip(clips["live"])
    assert report.passed, report.markdown()
    assert [c.name for c in report.checks] == ["length", "resolution", "one face", "face size and sharpness",
                                               "face moves", "live, not a picture"]
    assert len(report.crops) == 3 and report.crops[0].shape == (256, 256, 3)
    assert len(report.descriptor) == 32 * 32


@pytest.mark.parametrize(("kind", "check", "says"), [
    ("no_face", "one face", "no face found"),
    ("two_faces", "one face", "2 faces"),
    ("still", "face moves", "turn your head"),
    ("panned_photo", "live, not a picture", "like a filmed photo"),
    ("short", "length", "record 3–15 s"),
])
def test_each_bad_clip_is_rejected_with_its_own_message(clips, kind, check, says):
    report = verify_clip(clips[kind])
    assert not report.passed
    assert check in failed(report) and says in failed(report)[check]
    assert report.crops == []


def test_a_panned_photo_passes_the_face_checks_but_not_liveness(clips):
    report = verify_clip(clips["panned_photo"])
    assert set(failed(report)) == {"live, not a picture"}


@pytest.mark.parametrize(("content", "says"), [
    (b"this is not a video at all", "could not be read as a video"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "could not be read as a video"),
])
def test_files_that_are_not_videos_are_refused(tmp_path, content, says):
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    with pytest.raises(SandboxError, match=says):
        verify_clip(path)


def test_a_truncated_mp4_is_refused(clips, tmp_path):
    data = clips["live"].read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(SandboxError, match="`video`"):
        verify_clip(path)


def test_an_audio_only_file_is_refused(tmp_path):
    import subprocess

    import imageio_ffmpeg

    path = tmp_path / "voice.m4a"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=d=4", str(path)],
                   check=True)
    with pytest.raises(SandboxError, match=r"could not be read as a video|no video frames"):
        verify_clip(path)


def test_a_clip_over_the_size_limit_is_refused_before_decoding(clips):
    with pytest.raises(SandboxError, match=r"must be at most 0 MB"):
        verify_clip(clips["live"], VerificationConfig(max_bytes=1000))


def test_config_explains_bad_bounds():
    with pytest.raises(ValueError, match="`min_seconds`"):
        VerificationConfig(min_seconds=20, max_seconds=15)


def test_challenges_vary_and_ask_for_movement_and_digits():
    challenges = {new_challenge() for _ in range(20)}
    assert len(challenges) > 5
    assert all("Turn your head" in c and "say:" in c for c in challenges)
