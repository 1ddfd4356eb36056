"""Reading snapshots: only complete ones (with a manifest) are visible to the analyses.

Every reader of snapshot tables goes through here: `read_table` (pandas, a complete
snapshot), `read_parts` (the same for a snapshot being written), `table_parts` (the Parquet
files, for batched and Dask readers: `pipeline.analyze.source`, `pipeline.snapshot.loader`).
A table is held by its crawl parts or, once compacted, by its compacted files
(`pipeline.snapshot.compact`, which knows the layout); compacted and uncompacted snapshots
read alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import SnapshotError
from pipeline.snapshot.compact import table_files
from pipeline.snapshot.schema import TABLES
from pipeline.snapshot.writer import MANIFEST

SNAPSHOT_ID = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}Z$")


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a complete snapshot; `SnapshotError` when there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SnapshotError(f"snapshot folder {folder} does not exist")
    path = folder / MANIFEST
    if not path.exists():
        raise SnapshotError(
            f"snapshot {folder} is incomplete: it has no {MANIFEST} (the crawl did not finish; "
            "run the same crawl command again to resume it)"
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SnapshotError(f"cannot read {path}: {error}") from error


def table_parts(folder: Path, name: str) -> list[Path]:
    """The Parquet files that hold table `name` of a snapshot folder, in reading order: its
    parts (`<folder>/<table>/part-*.parquet`), or its compacted files once a compaction was
    committed (`compact.table_files`: never both, never a staged file)."""
    return table_files(Path(folder) / name)


def read_parts(folder: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One table of a snapshot folder as pandas, complete or not (all parts in part order,
    or the compacted files: rows sorted by the table's key); a table without parts is an
    empty frame with the schema's columns."""
    if name not in TABLES:
        raise SnapshotError(f"unknown table {name!r} (known: {', '.join(TABLES)})")
    schema = TABLES[name]
    if columns:
        unknown = [c for c in columns if c not in schema.names]
        if unknown:
            raise SnapshotError(f"table {name} has no column(s) {unknown}")
        schema = pa.schema([schema.field(c) for c in columns])
    parts = table_parts(folder, name)
    if not parts:
        return schema.empty_table().to_pandas()
    table = pa.concat_tables(pq.read_table(p, columns=columns, schema=TABLES[name]) for p in parts)
    return table.to_pandas()


def read_table(folder: Path, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One table of a complete snapshot as pandas (`read_parts`)."""
    read_manifest(folder)
    return read_parts(folder, name, columns)


def read_models(folder: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The `models` table of a complete snapshot."""
    return read_table(folder, "models", columns)


def list_snapshots(root: Path) -> Iterator[Path]:
    """Snapshot folders under `root`, oldest first (complete or not)."""
    root = Path(root)
    if not root.is_dir():
        return iter(())
    return iter(sorted(p for p in root.iterdir() if p.is_dir() and SNAPSHOT_ID.match(p.name)))


def latest_complete_snapshot(root: Path) -> Path:
    """The newest snapshot under `root` that has a manifest."""
    complete = [p for p in list_snapshots(root) if (p / MANIFEST).exists()]
    if not complete:
        raise SnapshotError(f"no complete snapshot under {root} (run `ptm crawl` first)")
    return complete[-1]
