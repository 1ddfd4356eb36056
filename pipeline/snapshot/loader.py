"""`load_snapshot`: one call that gives a researcher the tables of a snapshot.

Example usage::

    from pipeline.snapshot.loader import load_snapshot

    snap = load_snapshot("snapshots")                  # the store's newest complete snapshot
    snap.models.groupby("pipeline_tag").size()         # tables are attributes ...
    snap["errors"]                                     # ... and items
    snap.manifest["data_recorded_at"]

    big = load_snapshot("snapshots/2024-07-11T093000Z", tables=["models"], engine="dask",
                        columns={"models": ["id", "downloads", "tags"]})
    big.models.downloads.sum().compute()

`path` is either a snapshot folder (`snapshots/<YYYY-MM-DDTHHMMSSZ>/`) or a store (the folder
holding snapshot folders). Only complete snapshots (with `manifest.json`, written last by
the crawler) can be loaded: an unfinished one raises `SnapshotError`, whose message says how
to resume it. Tables follow the schemas of `pipeline.snapshot.schema` (the data dictionary
is in README.md, "Snapshot tables").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa

from pipeline.errors import SnapshotError
from pipeline.snapshot.reader import (
    SNAPSHOT_ID,
    latest_complete_snapshot,
    list_snapshots,
    read_manifest,
    read_table,
    table_parts,
)
from pipeline.snapshot.schema import TABLES

Engine = Literal["pandas", "dask"]
ENGINES = ("pandas", "dask")


@dataclass
class Snapshot:
    """A loaded snapshot: its folder, its manifest and its tables (pandas or Dask frames).

    Tables are reachable as `snap.tables["models"]`, `snap["models"]` or `snap.models`.
    """

    path: Path
    manifest: dict[str, Any]
    tables: dict[str, Any] = field(default_factory=dict)
    engine: str = "pandas"

    @property
    def id(self) -> str:
        """The snapshot id (its folder name, the UTC start time of the crawl)."""
        return self.path.name

    @property
    def started_at(self) -> pd.Timestamp | None:
        """When the crawl started (UTC), from the manifest."""
        value = self.manifest.get("started_at")
        return pd.Timestamp(value).tz_convert("UTC") if value else None

    @property
    def available_tables(self) -> list[str]:
        """Every table the snapshot holds (loaded or not), from the manifest."""
        return list(self.manifest.get("tables", {}))

    def rows(self, table: str) -> int | None:
        """The row count the manifest records for `table` (no data is read)."""
        entry = self.manifest.get("tables", {}).get(table)
        return None if entry is None else int(entry["rows"])

    def __getitem__(self, name: str) -> Any:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(_missing_table_message(self, name)) from None

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails; guard against recursion before __init__ ran.
        tables = self.__dict__.get("tables")
        if tables is not None and name in tables:
            return tables[name]
        if name in TABLES:
            raise AttributeError(_missing_table_message(self, name))
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.__dict__.get("tables", {})})

    def __repr__(self) -> str:
        parts = []
        for name in self.tables:
            rows = self.rows(name)
            parts.append(f"{name}={rows if rows is not None else '?'} rows")
        return f"Snapshot({self.id}, engine={self.engine}, {', '.join(parts) or 'no tables'})"


def load_snapshot(
    path: str | Path,
    tables: Iterable[str] | None = None,
    *,
    engine: Engine = "pandas",
    latest: bool = True,
    columns: Mapping[str, Sequence[str]] | None = None,
) -> Snapshot:
    """Load a complete snapshot's tables.

    Args:
        path: a snapshot folder, or a store of snapshot folders.
        tables: table names to load (default: every table the manifest lists). A table the
            snapshot does not hold (e.g. `cards` of a listing-only crawl) raises
            `SnapshotError` rather than coming back empty, so that "not crawled" is never
            mistaken for "none".
        engine: `"pandas"` (tables read into memory) or `"dask"` (lazy
            `dask.dataframe.read_parquet` over the table's Parquet parts, one partition a part).
        latest: when `path` is a store, load its newest complete snapshot; with
            `latest=False` a store is refused (name the snapshot folder instead).
        columns: per table, the columns to read (default: all), e.g. `{"models": ["id"]}`.

    Raises:
        SnapshotError: no such folder, no complete snapshot in the store, an incomplete
            snapshot, an unknown table or column.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    folder = resolve_snapshot(path, latest=latest)
    manifest = read_manifest(folder)
    if isinstance(tables, str):
        raise TypeError("tables must be a list of table names, not a string")
    present = list(manifest.get("tables", {}))
    wanted = present if tables is None else list(tables)
    columns = dict(columns or {})
    for name in [*wanted, *columns]:
        if name not in TABLES:
            raise SnapshotError(f"unknown table {name!r} (known: {', '.join(TABLES)})")
    missing = [name for name in wanted if name not in present]
    if missing:
        raise SnapshotError(
            f"snapshot {folder} has no table(s) {', '.join(missing)} (not crawled; it holds: "
            f"{', '.join(present) or 'none'})"
        )
    loaded = {}
    for name in wanted:
        selected = list(columns[name]) if name in columns else None
        if engine == "pandas":
            loaded[name] = read_table(folder, name, selected)
        else:
            loaded[name] = _read_dask(folder, name, selected)
    return Snapshot(path=folder, manifest=manifest, tables=loaded, engine=engine)


def resolve_snapshot(path: str | Path, latest: bool = True) -> Path:
    """The snapshot folder `path` names: itself, or the newest complete one of a store."""
    path = Path(path)
    if not path.is_dir():
        raise SnapshotError(f"{path} does not exist (expected a snapshot folder or a store)")
    if _is_snapshot_folder(path):
        return path
    if not any(True for _ in list_snapshots(path)):
        raise SnapshotError(
            f"{path} is neither a snapshot folder nor a store of snapshots (run `ptm crawl` "
            "to make one)"
        )
    if not latest:
        ids = ", ".join(p.name for p in list_snapshots(path))
        raise SnapshotError(f"{path} is a store, and latest=False: name one of {ids}")
    return latest_complete_snapshot(path)


def _is_snapshot_folder(path: Path) -> bool:
    markers = ("manifest.json", "crawl.json", "progress.jsonl", "models")
    return bool(SNAPSHOT_ID.match(path.name)) or any((path / m).exists() for m in markers)


def _read_dask(folder: Path, name: str, columns: list[str] | None) -> Any:
    import dask.dataframe as dd

    schema = TABLES[name]
    if columns:
        unknown = [c for c in columns if c not in schema.names]
        if unknown:
            raise SnapshotError(f"table {name} has no column(s) {unknown}")
    parts = table_parts(folder, name)
    if not parts:
        selected = pa.schema([schema.field(c) for c in columns]) if columns else schema
        return dd.from_pandas(selected.empty_table().to_pandas(), npartitions=1)
    return dd.read_parquet([str(p) for p in parts], columns=columns)


def _missing_table_message(snapshot: Snapshot, name: str) -> str:
    loaded = ", ".join(snapshot.tables) or "none"
    if name in snapshot.available_tables:
        return f"table {name!r} was not loaded (loaded: {loaded}); pass tables=[..., {name!r}]"
    return f"snapshot {snapshot.id} has no table {name!r} (loaded: {loaded})"
