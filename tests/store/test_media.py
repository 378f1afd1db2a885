import hashlib

import pytest

from sandbox.errors import SandboxError
from sandbox.store.media import MediaStore


def test_content_addressed_and_idempotent(tmp_path):
    store = MediaStore(tmp_path)
    sha = store.put_bytes(b"video bytes", ".mp4")
    assert sha == hashlib.sha256(b"video bytes").hexdigest()
    assert store.path(sha).read_bytes() == b"video bytes"
    assert store.put_bytes(b"video bytes", ".mp4") == sha
    assert store.all_files() == [store.path(sha)]


def test_failed_writer_leaves_nothing(tmp_path):
    store = MediaStore(tmp_path)

    def writer(path):
        path.write_bytes(b"half")
        raise OSError("no space left on device")

    with pytest.raises(SandboxError, match="no space left on device"):
        store.write(".mp4", writer)
    assert list(tmp_path.rglob("*")) == []


def test_empty_output_is_refused(tmp_path):
    with pytest.raises(SandboxError, match="empty file"):
        MediaStore(tmp_path).write(".mp4", lambda p: None)


def test_sweep_removes_crash_leftovers_only(tmp_path):
    store = MediaStore(tmp_path)
    keep = store.put_bytes(b"keep", ".mp4")
    (tmp_path / ".tmp-abc.mp4").write_bytes(b"partial")
    assert store.sweep_temp() == 1
    assert store.all_files() == [store.path(keep)]


@pytest.mark.parametrize("bad", ["../../etc/passwd", "A" * 64, "abc"])
def test_paths_only_from_hashes(tmp_path, bad):
    with pytest.raises(SandboxError, match="64 lowercase hex"):
        MediaStore(tmp_path).path(bad)
