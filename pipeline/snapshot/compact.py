"""Compaction: when a crawl completes, each snapshot table is rewritten, before the manifest,
into a few large Parquet files (zstd, row groups of `ROW_GROUP_ROWS`, sorted by the table's
key), instead of one small part per work unit.

**Layout of a table folder** `<snapshot>/<table>/`:

    part-*.parquet          the crawl's parts, one per work unit
    compact-NNNNN.parquet   compacted files
    _compacted.json         the commit record (`MARKER`): the compacted files, the files they
                            replace (`sources`), rows, sort key, row group size
    .compact-*              staging and spill files of a compaction under way (never read)

**Which files hold a table** (`table_files`, the one rule every reader follows through
`reader.table_parts`): without a marker, the parts; with one, the files it names plus any part
it does not list among its sources (none in a crawl, since compaction comes last; such a part
is folded into the next compaction). Staged files and compacted files the marker does not
name are never read, so a reader never counts a row twice or misses one.

**Steps** (`compact_table`), each file written under a temporary name and fsynced:

1. remove what an interrupted run left: `.compact-*`, `compact-*.parquet` not named by the
   marker (written, never committed), and temporary files of interrupted writes;
2. if a marker exists and no part is new, only remove the sources still present (so
   compacting twice is a no-op);
3. sort the table's files into staged files `.compact-NNNNN.parquet.staged`;
4. rename them to `compact-NNNNN.parquet` (numbers after the committed ones) and fsync the
   folder: still invisible, since no marker names them;
5. commit: write the marker atomically (temporary file, fsync, rename, fsync the folder).
   From here on readers see the compacted files only;
6. remove the sources (parts, or an earlier generation's compacted files).

`compact_snapshot` then appends `{"phase": "compact", "unit": "compact-<table>"}` to
`progress.jsonl` for each table (again after a rerun that only finished step 6).

**A kill -9 at any moment** leaves every table readable with the same rows: before step 5 the
old files hold it and the new ones are garbage that step 1 of the next run removes; after it,
the marker's files hold it and the leftover sources are ignored until step 2 removes them.
The marker itself is replaced by an atomic rename, never half-written. (This relies on a
part's name never being reused once its table is compacted: compaction runs after every work
unit is committed, and a committed unit is never redone.) A rerun of the crawl
(`Crawl.run` resumes the unfinished snapshot) finds every work unit in `progress.jsonl`, so
its phases request nothing (they read their earlier output through the reader, which sees
compacted tables), compacts again (finishing or redoing each table) and writes the manifest.

**Row order.** Rows are sorted by `schema.SORT_KEYS` (nulls last); rows with equal keys keep
their crawl order (the sort is stable over the sources in part order). The result depends
only on the parts, not on the memory budget or where a crash fell: a resumed crawl gives
the same tables, in the same order, as an uninterrupted one.

**Memory.** A table whose decoded size (estimated from its first rows) is under
`sort_bytes` is sorted in memory: the table plus its sorted copy. Compacting 2.5M listing
rows (1.1 GB in Arrow) that way peaked at 3.5 GB RSS, so a larger table is range-partitioned
on the first sort key: the boundaries are quantiles of a sample of that key, one pass
streams the rows into one spill file per range (lz4 Arrow IPC), then each range is sorted in
memory and written as one compacted file. Peak memory is then about two to three times
`sort_bytes` plus the interpreter, whatever the table's size: 1.2 GB for those 2.5M rows,
in 25 s (`benchmarks/compaction.py`).

Run alone on a snapshot folder: `python -m pipeline.snapshot.compact FOLDER` (a complete
snapshot's manifest then gets the new file counts). It holds the store's crawl lock, but
analyses do not take it: a reader that listed a table's parts just before the commit may
find them removed, so compact a complete snapshot while nothing reads it.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.atomic import write_json_atomic
from pipeline.errors import PipelineError, SnapshotError
from pipeline.snapshot.schema import SORT_KEYS, TABLES
from pipeline.snapshot.writer import MANIFEST, SnapshotWriter

log = logging.getLogger(__name__)

MARKER = "_compacted.json"
PARTS = "part-*.parquet"
COMPACT_PREFIX = "compact-"
STAGING_PREFIX = ".compact-"
PHASE = "compact"
ROW_GROUP_ROWS = 131_072
"""Rows per row group of a compacted file (the last one of a file may be shorter)."""
ROWS_PER_FILE = 1_000_000
"""At most this many rows per compacted file (before the memory budget splits further)."""
SORT_BYTES = 384 * 2**20
"""Decoded (Arrow) bytes sorted in memory at once; larger tables are range-partitioned."""
BATCH_ROWS = 65_536
SAMPLE_KEYS = 100_000


@dataclass
class Compaction:
    """What `compact_table` did to one table (`changed`: files were rewritten)."""

    table: str
    rows: int
    files: list[str]
    sources: int = 0
    seconds: float = 0.0
    changed: bool = False
    ranges: int = 1

    def progress(self) -> dict[str, Any]:
        """The table's `progress.jsonl` line."""
        return {
            "phase": PHASE,
            "unit": f"{PHASE}-{self.table}",
            "rows": self.rows,
            "files": len(self.files),
            "sources": self.sources,
            "ranges": self.ranges,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class TableState:
    """A table folder as found: its commit record (if any) and its files."""

    folder: Path
    marker: dict[str, Any] | None
    parts: list[Path] = field(default_factory=list)

    @property
    def new_parts(self) -> list[Path]:
        """Parts that hold rows of the table besides the marker's files."""
        superseded = set(self.marker["sources"]) if self.marker else set()
        return [p for p in self.parts if p.name not in superseded]

    @property
    def files(self) -> list[Path]:
        """The files that hold the table now, in reading order."""
        committed = [self.folder / f for f in self.marker["files"]] if self.marker else []
        return committed + self.new_parts


def read_state(folder: Path) -> TableState:
    """The state of the table folder `folder` (which need not exist)."""
    folder = Path(folder)
    marker = None
    path = folder / MARKER
    if path.exists():
        try:
            marker = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SnapshotError(f"cannot read the compaction record {path}: {error}") from error
        if not all(isinstance(marker.get(k), list) for k in ("files", "sources")):
            raise SnapshotError(f"the compaction record {path} names no files or sources")
    return TableState(folder, marker, sorted(folder.glob(PARTS)))


def table_files(folder: Path) -> list[Path]:
    """The Parquet files that hold the table whose folder is `folder`, in reading order."""
    return read_state(folder).files


def compact_table(
    folder: Path,
    name: str,
    *,
    rows_per_file: int = ROWS_PER_FILE,
    row_group_rows: int = ROW_GROUP_ROWS,
    sort_bytes: int = SORT_BYTES,
) -> Compaction | None:
    """Compact table `name` of the snapshot `folder` (module docstring); None when the
    snapshot has no such table."""
    started = time.monotonic()
    table_dir = Path(folder) / name
    state = read_state(table_dir)
    if not state.files:
        return None
    _remove_leftovers(state)
    if state.marker is not None and not state.new_parts:
        _remove_sources(state)
        rows = int(state.marker.get("rows", _rows(state.files)))
        return Compaction(name, rows, list(state.marker["files"]))
    sources = Sources.inspect(state.files, name)
    keys = SORT_KEYS[name]
    rows = sum(sources.rows)
    ranges = _ranges(sources, rows_per_file, sort_bytes)
    staged = _write_sorted(sources, keys, ranges, table_dir, row_group_rows)
    final = _publish(staged, _next_number(state))
    marker = {
        "files": [p.name for p in final],
        "sources": [p.name for p in sources.paths],
        "rows": rows,
        "sort_by": list(keys),
        "row_group_rows": row_group_rows,
    }
    _commit(table_dir, marker)
    _remove_sources(TableState(table_dir, marker, state.parts))
    seconds = time.monotonic() - started
    return Compaction(name, rows, marker["files"], len(sources.paths), seconds, True, ranges)


def compact_snapshot(folder: Path, **options: int) -> list[Compaction]:
    """Compact every table of the snapshot `folder`; one `progress.jsonl` line per table
    compacted (or finished) now. `options`: `compact_table`'s keywords."""
    writer = SnapshotWriter(Path(folder))
    done = {p.get("unit") for p in writer.read_progress()}
    results = []
    for name in TABLES:
        result = compact_table(writer.folder, name, **options)
        if result is None:
            continue
        line = result.progress()
        if result.changed or line["unit"] not in done:
            writer.append_progress(line)
        if result.changed:
            log.info(
                "compacted %s: %d rows, %d files -> %d in %.1f s",
                name,
                result.rows,
                result.sources,
                len(result.files),
                result.seconds,
            )
        results.append(result)
    return results


# --- sorting ------------------------------------------------------------------------------


@dataclass
class Sources:
    """The files a compaction reads, in order, with their rows and common schema."""

    paths: list[Path]
    rows: list[int]
    schema: pa.Schema

    @classmethod
    def inspect(cls, paths: list[Path], name: str) -> Sources:
        """Read each file's footer once. The schema is the table's when the files agree
        with it, else the union of theirs (an older snapshot's parts may lack newer columns
        or keep retired ones): compaction never drops a column."""
        rows, schemas = [], {}
        for path in paths:  # one footer at a time: 2,500 parsed footers take 250 MB
            footer = pq.read_metadata(path)
            rows.append(footer.num_rows)
            schema = footer.schema.to_arrow_schema()
            schemas.setdefault(str(schema), schema)
        try:
            unified = pa.unify_schemas(list(schemas.values()))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            raise SnapshotError(f"cannot compact {name}: its parts disagree: {error}") from error
        expected = TABLES[name]
        schema = expected if set(unified.names) <= set(expected.names) else unified
        return cls(paths, rows, schema)

    def tables(self) -> Iterator[pa.Table]:
        """The rows in order, in tables of about `BATCH_ROWS` rows (small parts are read
        whole and joined; large files are read a batch at a time), with `schema`."""
        pending: list[pa.RecordBatch] = []
        count, yielded = 0, False
        for path, rows in zip(self.paths, self.rows, strict=True):
            handle = pq.ParquetFile(path)
            if rows <= BATCH_ROWS:
                batches = handle.read().to_batches()
            else:
                batches = handle.iter_batches(batch_size=BATCH_ROWS)
            for batch in batches:
                pending.append(_conform(batch, self.schema))
                count += batch.num_rows
                if count >= BATCH_ROWS:
                    yield pa.Table.from_batches(pending, self.schema)
                    pending, count, yielded = [], 0, True
        if pending or not yielded:
            yield pa.Table.from_batches(pending, self.schema)


def _ranges(sources: Sources, rows_per_file: int, sort_bytes: int) -> int:
    """How many key ranges (= compacted files) the table is cut into: by rows, and by the
    decoded size of a sample of its first rows."""
    total = sum(sources.rows)
    first = next(sources.tables(), None)
    per_row = first.nbytes / first.num_rows if first is not None and first.num_rows else 0.0
    by_memory = math.ceil(total * per_row / sort_bytes) if sort_bytes else 1
    return max(1, math.ceil(total / rows_per_file), by_memory)


def _write_sorted(
    sources: Sources, keys: tuple[str, ...], ranges: int, table_dir: Path, row_group_rows: int
) -> list[Path]:
    """The table sorted into staged files, one per key range (at least one file)."""
    staged: list[Path] = []

    def write(table: pa.Table) -> None:
        path = table_dir / f"{STAGING_PREFIX}{len(staged) + 1:05d}.parquet.staged"
        _write_file(_sort(table, keys), path, keys, row_group_rows)
        staged.append(path)
        pa.default_memory_pool().release_unused()  # keep the peak at one range's worth

    if ranges == 1:
        write(pa.concat_tables(sources.tables()))
        return staged
    spills = _spill(sources, keys[0], _boundaries(sources, keys[0], ranges), table_dir)
    pa.default_memory_pool().release_unused()
    for spill in spills:
        with pa.ipc.open_file(spill) as reader:
            table = reader.read_all()
        spill.unlink()
        if table.num_rows:
            write(table)
    if not staged:
        write(sources.schema.empty_table())
    return staged


def _sort(table: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    """`table` sorted by `keys`, nulls last; stable, so equal keys keep their order."""
    if table.num_rows == 0:
        return table
    order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in keys])  # nulls last
    return table.take(order)


def _write_file(table: pa.Table, path: Path, keys: tuple[str, ...], row_group_rows: int) -> None:
    """`table` as one zstd Parquet file at `path`, fsynced."""
    sorting = pq.SortingColumn.from_ordering(
        table.schema, [(k, "ascending") for k in keys], null_placement="at_end"
    )
    with open(path, "wb") as out:
        with pq.ParquetWriter(out, table.schema, compression="zstd", sorting_columns=sorting) as w:
            w.write_table(table, row_group_size=row_group_rows)
        out.flush()
        os.fsync(out.fileno())


def _boundaries(sources: Sources, key: str, ranges: int) -> list[Any]:
    """Up to `ranges - 1` increasing values of `key` that cut the table into ranges of about
    equal rows: quantiles of an evenly spaced sample of the key (nulls aside)."""
    step = max(1, sum(sources.rows) // SAMPLE_KEYS)
    chunks, offset = [], 0
    for path, rows in zip(sources.paths, sources.rows, strict=True):
        column = pq.ParquetFile(path).read(columns=[key]).column(key)
        chunks += column.take(pa.array(np.arange((-offset) % step, rows, step), pa.int64())).chunks
        offset += rows
    sample = pc.drop_null(pa.chunked_array(chunks, sources.schema.field(key).type))
    if len(sample) == 0:
        return []
    ordered = sample.take(pc.sort_indices(sample))
    return sorted({ordered[len(ordered) * i // ranges].as_py() for i in range(1, ranges)})


def _spill(sources: Sources, key: str, bounds: list[Any], table_dir: Path) -> list[Path]:
    """One spill file per key range (`key` below the first bound, ..., nulls in the last),
    rows in source order; Arrow IPC with lz4, cheaper to write and read back than Parquet."""
    paths = [table_dir / f"{STAGING_PREFIX}spill-{i:05d}.tmp" for i in range(len(bounds) + 1)]
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    writers = [pa.ipc.new_file(p, sources.schema, options=options) for p in paths]
    try:
        for table in sources.tables():
            which = _range_of(table.column(key), bounds)
            grouped = table.take(pa.array(np.argsort(which, kind="stable")))
            ends = np.cumsum(np.bincount(which, minlength=len(paths)))
            for i, (start, end) in enumerate(zip([0, *ends[:-1]], ends, strict=True)):
                if end > start:
                    writers[i].write_table(grouped.slice(start, end - start))
    finally:
        for writer in writers:
            writer.close()
    return paths


def _range_of(keys: pa.ChunkedArray, bounds: list[Any]) -> np.ndarray:
    """Per row, the index of its key range (nulls: the last range)."""
    which = np.zeros(len(keys), dtype=np.int64)
    for bound in bounds:
        above = pc.fill_null(pc.greater_equal(keys, pa.scalar(bound, keys.type)), True)
        which += above.to_numpy(zero_copy_only=False)
    return which


# --- files --------------------------------------------------------------------------------


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """`batch` with `schema`'s columns: cast, and nulls for a column it lacks."""
    if batch.schema.equals(schema, check_metadata=False):
        return pa.RecordBatch.from_arrays(batch.columns, schema=schema)
    names = batch.schema.names
    columns = [
        batch.column(f.name).cast(f.type) if f.name in names else pa.nulls(batch.num_rows, f.type)
        for f in schema
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _publish(staged: list[Path], first: int) -> list[Path]:
    """Step 4: the staged files renamed `compact-NNNNN.parquet` from number `first` on
    (still not part of the table: no marker names them)."""
    final = []
    for number, path in enumerate(staged, start=first):
        final.append(path.with_name(f"{COMPACT_PREFIX}{number:05d}.parquet"))
        os.replace(path, final[-1])
    if staged:
        _fsync_dir(staged[0].parent)
    return final


def _commit(table_dir: Path, marker: dict[str, Any]) -> None:
    """Step 5, the commit point: the marker, written atomically and made durable."""
    write_json_atomic(table_dir / MARKER, marker)
    _fsync_dir(table_dir)


def _rows(files: list[Path]) -> int:
    return sum(pq.ParquetFile(p).metadata.num_rows for p in files)


def _next_number(state: TableState) -> int:
    """The number of the first new compacted file: after the committed ones."""
    names = state.marker["files"] if state.marker else []
    numbers = [int(n.removeprefix(COMPACT_PREFIX).removesuffix(".parquet")) for n in names]
    return max(numbers, default=0) + 1


def _remove_leftovers(state: TableState) -> None:
    """Staged and spill files, compacted files no marker names (never committed), and the
    temporary files of writes a kill interrupted (`atomic.write_atomic`'s `.<name>.*.tmp`:
    compaction is the table's last writer, so none of them can still be under way)."""
    committed = set(state.marker["files"]) if state.marker else set()
    for pattern in (f"{STAGING_PREFIX}*", f".{MARKER}.*.tmp", ".part-*.tmp"):
        for path in state.folder.glob(pattern):
            path.unlink(missing_ok=True)
    for path in state.folder.glob(f"{COMPACT_PREFIX}*.parquet"):
        if path.name not in committed:
            path.unlink(missing_ok=True)


def _remove_sources(state: TableState) -> None:
    """The files a committed compaction replaced."""
    assert state.marker is not None
    committed = set(state.marker["files"])
    removed = False
    for name in state.marker["sources"]:
        path = state.folder / name
        if name not in committed and path.exists():
            path.unlink()
            removed = True
    if removed:
        _fsync_dir(state.folder)


def _fsync_dir(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


# --- command line -------------------------------------------------------------------------


def refresh_manifest(folder: Path, results: list[Compaction]) -> None:
    """A complete snapshot's manifest with the compacted tables' file counts."""
    path = Path(folder) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    tables = manifest.setdefault("tables", {})
    for result in results:
        tables.setdefault(result.table, {}).update(rows=result.rows, parts=len(result.files))
    write_json_atomic(path, manifest)


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.snapshot.compact FOLDER`: compact one snapshot folder (holding its
    store's lock); exit code 2 with one line on a problem."""
    from pipeline.snapshot.lock import store_lock

    parser = argparse.ArgumentParser(prog="python -m pipeline.snapshot.compact")
    parser.add_argument("folder", type=Path, help="a snapshot folder, complete or not")
    parser.add_argument("--rows-per-file", type=int, default=ROWS_PER_FILE)
    parser.add_argument("--row-group-rows", type=int, default=ROW_GROUP_ROWS)
    parser.add_argument("--sort-mb", type=float, default=SORT_BYTES / 2**20)
    args = parser.parse_args(argv)
    folder: Path = args.folder
    options = {
        "rows_per_file": args.rows_per_file,
        "row_group_rows": args.row_group_rows,
        "sort_bytes": int(args.sort_mb * 2**20),
    }
    try:
        if not folder.is_dir():
            raise SnapshotError(f"{folder} is not a snapshot folder")
        with store_lock(folder.resolve().parent, command=f"compact {folder.name}"):
            results = compact_snapshot(folder, **options)
            if (folder / MANIFEST).exists():
                refresh_manifest(folder, results)
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for r in results:
        now = " (compacted now)" if r.changed else ""
        print(f"{r.table}: {r.rows:,} rows in {len(r.files)} file(s){now}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
