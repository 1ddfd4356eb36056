"""What a snapshot store holds, which snapshot an incremental crawl builds on, and retention.

A store is the folder of snapshot folders (`paths.snapshots`, default `snapshots/`). Three
operations on it:

- `snapshot_catalog(root)`: one row per snapshot folder, complete or not (`ptm snapshots`);
- `incremental_base(root)`: the newest complete snapshot, the `since` base of an
  incremental crawl (`ptm crawl --incremental`);
- `apply_retention(root, keep_last)`: remove the oldest complete snapshots beyond the
  newest `keep_last` (`crawl.keep_last`, `ptm snapshots --keep-last N`).

**Status of a snapshot folder.** `complete`: it has `manifest.json` (written last by the
crawler), the only state `analyze` and `load_snapshot` accept. `incomplete`: no manifest yet,
and newer than every complete snapshot: the crawl is running, or was interrupted and the next
crawl with the same endpoint and configuration resumes it. `abandoned`: no manifest and older
than a complete snapshot: no crawl will resume it (the crawler only resumes the newest
folders); it is left for the operator to inspect or delete.

**Coverage** is `models / (models + errors)`, from the row counts, as in the report.

**Retention rules** (`apply_retention`). Only complete snapshots are ever removed; incomplete
and abandoned folders are never touched. The newest `keep_last` complete snapshots are kept,
and so is every snapshot that is the `since` base of a kept or an incomplete snapshot (an
incremental crawl being resumed reads its base). The rule is not transitive: the base of a
protected base is not protected, otherwise a chain of incremental crawls (each one based on
the previous) would keep every snapshot forever. Every snapshot is self-contained (an
incremental crawl copies the rows it carries over), so removing a base never breaks a kept
snapshot; the base is kept so that the kept snapshot's `changes` table can still be checked
against it. A removed folder is first renamed to a hidden `.removing-<id>` name (atomic),
then deleted, so an interrupted removal never leaves a half snapshot that looks resumable.
Run retention inside the store's crawl lock (`pipeline.snapshot.lock.store_lock`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from pipeline.errors import PipelineError
from pipeline.snapshot.reader import list_snapshots, table_parts
from pipeline.snapshot.writer import CRAWL_START, MANIFEST, PROGRESS

log = logging.getLogger(__name__)

COMPLETE = "complete"
INCOMPLETE = "incomplete"
ABANDONED = "abandoned"
REMOVING_PREFIX = ".removing-"

CATALOG_COLUMNS = [
    "snapshot_id",
    "status",
    "complete",
    "started_at",
    "finished_at",
    "endpoint",
    "data_recorded_at",
    "models",
    "errors",
    "coverage",
    "tables",
    "since",
    "config_hash",
    "requests",
    "size_mb",
    "path",
]


def snapshot_catalog(root: Path) -> pd.DataFrame:
    """One row per snapshot folder under `root`, oldest first (`CATALOG_COLUMNS`).

    `started_at`/`finished_at` are UTC timestamps (`finished_at` only for complete ones);
    `models`/`errors` are row counts (from the manifest, or for an unfinished snapshot from
    the Parquet parts written so far); `tables` is a comma-separated list; `since` is the id
    of the incremental base (None for a full crawl); `requests` the total of the manifest's
    request counts; `size_mb` the folder's size on disk.
    """
    folders = list(list_snapshots(Path(root)))
    newest_complete = max((f.name for f in folders if (f / MANIFEST).exists()), default="")
    rows = [_catalog_row(folder, newest_complete) for folder in folders]
    frame = pd.DataFrame(rows, columns=CATALOG_COLUMNS)
    for column in ("started_at", "finished_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    for column in ("models", "errors", "requests"):
        frame[column] = frame[column].astype("Int64")
    frame["coverage"] = frame["coverage"].astype("Float64")
    frame["complete"] = frame["complete"].astype(bool)
    return frame


def incremental_base(
    root: Path, endpoint: str | None = None, details: Sequence[str] | None = None
) -> Path | None:
    """The newest complete snapshot to base an incremental crawl on, or None (full crawl).

    Skipped: snapshots whose listing stopped early (`crawl.max_pages`); with `endpoint`,
    snapshots of another Hub; with `details`, snapshots that did not crawl all of these
    detail stages (their rows could not be carried over). Pass no `endpoint` for a replay
    Hub, whose URL changes from run to run.
    """
    for folder in reversed(list(list_snapshots(Path(root)))):
        manifest = _read_json(folder / MANIFEST)
        if manifest is None:
            continue
        if manifest.get("listing", {}).get("complete") is False:
            continue
        if endpoint is not None and manifest.get("endpoint") != endpoint.rstrip("/"):
            continue
        if details is not None and not set(details) <= set(manifest.get("details") or []):
            continue
        return folder
    return None


def apply_retention(root: Path, keep_last: int, dry_run: bool = False) -> list[Path]:
    """Remove the oldest complete snapshots beyond the newest `keep_last` (see the module
    docstring for what is never removed); the folders removed, or that would be removed
    with `dry_run`, oldest first.

    :raises PipelineError: `keep_last` is smaller than 1.
    """
    if isinstance(keep_last, bool) or not isinstance(keep_last, int) or keep_last < 1:
        raise PipelineError(f"keep_last must be a whole number >= 1, got {keep_last!r}")
    root = Path(root)
    catalog = snapshot_catalog(root)
    complete = catalog[catalog["complete"]]
    kept = complete.tail(keep_last)
    unfinished = catalog[~catalog["complete"]]
    protected = {s for s in pd.concat([kept, unfinished])["since"] if isinstance(s, str)}
    candidates = complete.iloc[: max(len(complete) - keep_last, 0)]
    doomed = [
        Path(path)
        for snapshot_id, path in zip(candidates["snapshot_id"], candidates["path"], strict=True)
        if snapshot_id not in protected
    ]
    for snapshot_id in sorted(set(candidates["snapshot_id"]) & protected):
        log.info("retention: keeping %s, the incremental base of a kept snapshot", snapshot_id)
    if dry_run:
        return doomed
    for folder in doomed:
        aside = folder.with_name(REMOVING_PREFIX + folder.name)
        os.rename(folder, aside)
        shutil.rmtree(aside)
        log.info("retention: removed %s", folder)
    return doomed


def format_catalog(catalog: pd.DataFrame) -> str:
    """The catalog as a readable fixed-width table (what `ptm snapshots` prints)."""
    if catalog.empty:
        return "no snapshots"
    view = pd.DataFrame(
        {
            "snapshot": catalog["snapshot_id"],
            "status": catalog["status"],
            "started (UTC)": catalog["started_at"].dt.strftime("%Y-%m-%d %H:%M").fillna("?"),
            "endpoint": catalog["endpoint"].fillna("?"),
            "data recorded": catalog["data_recorded_at"].fillna("-"),
            "models": catalog["models"].map(lambda v: "?" if pd.isna(v) else f"{v:,}"),
            "errors": catalog["errors"].map(lambda v: "?" if pd.isna(v) else f"{v:,}"),
            "coverage": catalog["coverage"].map(lambda v: "?" if pd.isna(v) else f"{v:.2%}"),
            "tables": catalog["tables"],
            "since": catalog["since"].fillna("-"),
            "MB": catalog["size_mb"].map(lambda v: f"{v:,.2f}"),
        }
    )
    return view.to_string(index=False)


def _catalog_row(folder: Path, newest_complete: str) -> dict[str, Any]:
    manifest = _read_json(folder / MANIFEST)
    start = _read_json(folder / CRAWL_START) or {}
    if manifest is not None:
        tables = manifest.get("tables", {})
        models = tables.get("models", {}).get("rows")
        errors = tables.get("errors", {}).get("rows", 0 if "models" in tables else None)
        names = list(tables)
        status = COMPLETE
        requests = sum((manifest.get("requests") or {}).values())
        info = manifest
    else:
        counts = _part_rows(folder)
        models, errors = counts.get("models"), counts.get("errors")
        names = sorted(counts)
        status = INCOMPLETE if folder.name > newest_complete else ABANDONED
        requests = None
        info = {**start, "data_recorded_at": _recorded_from_progress(folder)}
    known = (models or 0) + (errors or 0)
    since = info.get("since") or start.get("since")
    return {
        "snapshot_id": folder.name,
        "status": status,
        "complete": manifest is not None,
        "started_at": info.get("started_at") or _id_time(folder.name),
        "finished_at": info.get("finished_at") if manifest is not None else None,
        "endpoint": info.get("endpoint"),
        "data_recorded_at": info.get("data_recorded_at"),
        "models": models,
        "errors": errors,
        "coverage": (models or 0) / known if known and models is not None else None,
        "tables": ",".join(names),
        "since": Path(since).name if since else None,
        "config_hash": info.get("config_hash"),
        "requests": requests,
        "size_mb": _size(folder) / 1e6,
        "path": str(folder),
    }


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _part_rows(folder: Path) -> dict[str, int]:
    """Rows per table in the Parquet files written so far (metadata only; parts, or
    compacted files once a table is compacted)."""
    counts: dict[str, int] = {}
    for table in sorted(p.name for p in folder.iterdir() if p.is_dir()):
        try:
            parts = table_parts(folder, table)
        except PipelineError:  # an unreadable compaction record: count what can be read
            continue
        for part in parts:
            try:
                rows = pq.ParquetFile(part).metadata.num_rows
            except (OSError, ValueError):
                continue
            counts[table] = counts.get(table, 0) + rows
    return counts


def _recorded_from_progress(folder: Path) -> str | None:
    try:
        lines = (folder / PROGRESS).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        try:
            value = json.loads(line).get("data_recorded_at")
        except (json.JSONDecodeError, AttributeError):
            continue
        if value:
            return value
    return None


def _id_time(snapshot_id: str) -> str | None:
    try:
        stamp = pd.to_datetime(snapshot_id, format="%Y-%m-%dT%H%M%SZ", utc=True)
    except ValueError:
        return None
    return stamp.isoformat()


def _size(folder: Path) -> int:
    total = 0
    for directory, _, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(directory, name)).st_size
    return total
