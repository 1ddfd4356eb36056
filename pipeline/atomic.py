"""Atomic file writes: a temporary file beside the target, fsynced, then renamed over it.

A crash leaves either the old file or the new one, never half of one. Every file the
pipeline writes goes through here.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_bytes_atomic(target: Path, data: bytes) -> None:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_text_atomic(target: Path, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


def write_json_atomic(target: Path, value: Any) -> None:
    text = json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"
    write_text_atomic(target, text)


def temporary_path(target: Path) -> Path:
    """A hidden sibling of `target` for writers that need a path (e.g. Parquet)."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")
