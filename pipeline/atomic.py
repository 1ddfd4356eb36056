"""Atomic file writes: a temporary file beside the target, fsynced, then renamed over it.

A crash leaves either the old file or the new one, never half of one. Every file the
pipeline writes goes through here (`write_atomic` for writers that stream into a file:
Parquet, figures; the others for bytes, text and JSON).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO


def write_atomic(target: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Call `write(file)` on a temporary sibling of `target`, fsync it, rename it over
    `target`; the temporary file is removed when `write` fails. Returns `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write `data` to `target` atomically."""
    write_atomic(target, lambda out: out.write(data))


def write_text_atomic(target: Path, text: str) -> None:
    """Write `text` (UTF-8) to `target` atomically."""
    write_bytes_atomic(target, text.encode("utf-8"))


def write_json_atomic(target: Path, value: Any) -> None:
    """Write `value` as indented, key-sorted JSON to `target` atomically."""
    text = json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"
    write_text_atomic(target, text)
