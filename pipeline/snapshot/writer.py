"""Writing snapshot folders: atomic parts, a progress log, and a manifest written last.

Layout of `snapshots/<YYYY-MM-DDTHHMMSSZ>/`:

    crawl.json              what the crawl was started with (endpoint, config hash)
    progress.jsonl          one line per finished work unit, appended and fsynced
    raw/listing/page-NNNNN.json.gz   raw listing pages as received (never edited)
    models/part-NNNNN.parquet        parsed rows, one part per work unit
    errors/part-NNNNN.parquet        failures, one part per work unit
    <table>/compact-NNNNN.parquet    once the crawl completes, the parts rewritten into a few
                                     large sorted files (`compact.py`, `crawl.compact`)
    manifest.json           written last: the snapshot is complete only when it exists

Every file is written under a temporary name and renamed into place, so a crash leaves
either the old state or the new one, never half a file.
"""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.atomic import (
    write_atomic,
    write_bytes_atomic,
    write_json_atomic,
    write_text_atomic,
)
from pipeline.snapshot.schema import TABLES

MANIFEST = "manifest.json"
PROGRESS = "progress.jsonl"
CRAWL_START = "crawl.json"


def new_snapshot_id(now: datetime) -> str:
    """`2024-07-11T093000Z`: the UTC start time of the crawl, sortable and path-safe."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H%M%SZ")


class SnapshotWriter:
    """Writes one snapshot folder; every write is atomic, the manifest comes last."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.snapshot_id = self.folder.name

    def write_raw(self, name: str, payload: bytes) -> Path:
        path = self.folder / "raw" / f"{name}.gz"
        write_bytes_atomic(path, gzip.compress(payload, mtime=0))
        return path

    def write_part(self, table: str, part: str, rows: pa.Table) -> Path:
        path = self.folder / table / f"{part}.parquet"
        rows = rows.cast(TABLES[table])
        return write_atomic(path, lambda out: pq.write_table(rows, out, compression="zstd"))

    def append_progress(self, record: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / PROGRESS, "a", encoding="utf-8") as log:
            log.write(json.dumps(record, sort_keys=True) + "\n")
            log.flush()
            os.fsync(log.fileno())

    def read_progress(self) -> list[dict[str, Any]]:
        """Finished work units. A torn last line (a kill mid-append) is cut off the log,
        so that the next append starts on a line of its own."""
        path = self.folder / PROGRESS
        if not path.exists():
            return []
        records = []
        lines = path.read_text(encoding="utf-8").splitlines()
        for line in lines:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                break
        if len(records) < len(lines) or (not path.read_bytes().endswith(b"\n") and records):
            text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
            write_text_atomic(path, text)
        return records

    def write_manifest(self, manifest: dict[str, Any]) -> Path:
        path = self.folder / MANIFEST
        write_json_atomic(path, manifest)
        return path
