"""Content-addressed media files, written atomically.

A file is written to a temporary name in the same folder, flushed to disk, and renamed to
``<sha256>.<ext>``: a reader never sees half a file, and two users never overwrite each other.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sandbox.errors import SandboxError

TMP_PREFIX = ".tmp-"


class MediaStore:
    """Media files under ``root``, named by the SHA-256 of their bytes.

    >>> store = MediaStore(tmp_path)  # doctest: +SKIP
    >>> sha = store.put_bytes(b"...", ".mp4")  # doctest: +SKIP
    >>> store.path(sha, ".mp4").exists()  # doctest: +SKIP
    True
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        # Called with a file's path just before it is deleted: copies made of it elsewhere (the web layer's
        # cache of files it handed out) go with it.
        self.before_delete: list[Callable[[Path], None]] = []

    def path(self, sha256: str, ext: str = ".mp4") -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise SandboxError(f"`sha256` must be 64 lowercase hex characters but is {sha256!r}")
        return self.root / sha256[:2] / f"{sha256}{ext}"

    @contextmanager
    def temp_path(self, ext: str) -> Iterator[Path]:
        """A temporary file path in the media folder; removed on exit unless it was committed."""
        fd, name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=ext, dir=self.root)
        os.close(fd)
        path = Path(name)
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)

    def commit(self, tmp: Path, ext: str) -> str:
        """Fsync ``tmp`` and rename it to its content address. Returns the SHA-256."""
        digest = hashlib.sha256()
        with open(tmp, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
            os.fsync(f.fileno())
        sha = digest.hexdigest()
        final = self.path(sha, ext)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)  # atomic on POSIX; same bytes if it already existed
        return sha

    def write(self, ext: str, writer: Callable[[Path], None]) -> str:
        """Run ``writer(tmp_path)`` and commit the file it wrote. Nothing is left behind if it fails; a full
        disk or an unwritable folder is said plainly."""
        try:
            with self.temp_path(ext) as tmp:
                writer(tmp)
                if tmp.stat().st_size == 0:
                    raise SandboxError("the media writer produced an empty file; nothing was saved")
                return self.commit(tmp, ext)
        except OSError as exc:
            raise SandboxError(f"could not write to the media folder {self.root} ({exc.strerror or exc}): free disk "
                               "space or fix its permissions; nothing was saved") from exc

    def writable(self) -> str | None:
        """None when a file can be written here, else why not (for ``python -m sandbox doctor``)."""
        try:
            self.put_bytes(b"ok", ".probe")
            self.delete(hashlib.sha256(b"ok").hexdigest(), ".probe")
            return None
        except SandboxError as exc:
            return str(exc)

    def put_bytes(self, data: bytes, ext: str) -> str:
        return self.write(ext, lambda p: p.write_bytes(data))

    def delete(self, sha256: str, ext: str = ".mp4") -> None:
        path = self.path(sha256, ext)
        if path.is_file():
            for hook in self.before_delete:
                hook(path)
        path.unlink(missing_ok=True)

    def all_files(self) -> list[Path]:
        return [p for p in self.root.rglob("*") if p.is_file() and not p.name.startswith(TMP_PREFIX)]

    def sweep_temp(self) -> int:
        """Remove temporary files left by a crash. Returns how many were removed."""
        removed = 0
        for p in self.root.glob(f"{TMP_PREFIX}*"):
            p.unlink(missing_ok=True)
            removed += 1
        return removed
