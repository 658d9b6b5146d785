"""Crash-safe file writes: a results file is either its old content or the whole new one."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that ``path`` is either its old content or the whole new one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:                  # a full disk: leave no half-written temporary file behind
        tmp.unlink(missing_ok=True)
        raise
