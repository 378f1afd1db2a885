"""Model folders written whole or not at all: built beside the target, then swapped in.

>>> import tempfile
>>> from pathlib import Path
>>> target = Path(tempfile.mkdtemp()) / "model"
>>> write_folder(target, lambda tmp: (tmp / "model_index.json").write_text("{}")).name
'model'
>>> sorted(p.name for p in target.iterdir())
['model_index.json']
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_folder(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a fresh folder beside ``target``, then replace ``target`` with it: a crash or an
    error leaves the previous folder (or none), never half a model."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        write(tmp)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
