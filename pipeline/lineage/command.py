"""The reuse-graph stage on a snapshot: `run_lineage(snapshot, results) -> written paths`.

Reads the snapshot's `models` Parquet parts (only the columns `pipeline.lineage.graph.COLUMNS`,
batch by batch), builds the graph, and writes every table of
`pipeline.lineage.analyses.lineage_tables` as `<results>/<name>.csv`, the figure as
`lineage.png`/`.pdf`, and the report section as `lineage.md`. Standalone on purpose (no CLI,
registry or config import): wiring it into `ptm analyze`/`plot`/`report` is a matter of
calling `lineage_tables`, `plot.draw` and `report.section`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.lineage.analyses import lineage_tables
from pipeline.lineage.graph import COLUMNS, LineageGraph, build_graph_from_batches
from pipeline.lineage.plot import FIGURE, draw
from pipeline.lineage.report import section

MANIFEST = "manifest.json"
BATCH_ROWS = 131_072
# Read dictionary-encoded: a small vocabulary repeated over many rows (9x faster to read).
DICTIONARY = ("tags.list.element", "datasets.list.element", "pipeline_tag", "license")


class LineageError(RuntimeError):
    """The snapshot cannot be read (missing, incomplete, no models table)."""


def model_batches(snapshot: Path, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Record batches of the graph's columns of a complete snapshot's `models` table."""
    snapshot = Path(snapshot)
    if not (snapshot / MANIFEST).is_file():
        raise LineageError(f"{snapshot} is not a complete snapshot (no {MANIFEST})")
    parts = sorted((snapshot / "models").glob("part-*.parquet"))
    if not parts:
        raise LineageError(f"snapshot {snapshot} has no models table")
    for part in parts:
        handle = pq.ParquetFile(part, read_dictionary=list(DICTIONARY))
        present = [c for c in COLUMNS if c in handle.schema_arrow.names]
        yield from handle.iter_batches(batch_size=batch_rows, columns=present)


def load_graph(snapshot: Path, resolve: Mapping[str, str] | None = None) -> LineageGraph:
    """The reuse graph of a complete snapshot (names as written unless `resolve` is given:
    old name -> current id)."""
    return build_graph_from_batches(model_batches(snapshot), resolve)


def _write_atomic(target: Path, write) -> Path:
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def write_outputs(tables: Mapping[str, pd.DataFrame], results: Path) -> list[Path]:
    """CSV per table, the figure (PNG 150 dpi, PDF), and the report section (`lineage.md`)."""
    results = Path(results)
    results.mkdir(parents=True, exist_ok=True)
    written = [
        _write_atomic(
            results / f"{name}.csv",
            lambda out, t=table: out.write(t.to_csv(index=False).encode("utf-8")),
        )
        for name, table in tables.items()
    ]
    fig = draw(tables)
    for fmt in ("png", "pdf"):
        written.append(
            _write_atomic(
                results / f"{FIGURE}.{fmt}", lambda out, f=fmt: fig.savefig(out, format=f, dpi=150)
            )
        )
    text = "\n".join(section(tables)) + "\n"
    written.append(_write_atomic(results / "lineage.md", lambda out: out.write(text.encode())))
    return written


def run_lineage(
    snapshot: Path, results: Path, resolve: Mapping[str, str] | None = None
) -> list[Path]:
    """Build the reuse graph of `snapshot` and write its tables, figure and report section
    into `results`; the paths written."""
    graph = load_graph(snapshot, resolve)
    tables = lineage_tables(graph)
    written = write_outputs(tables, results)
    meta = {"snapshot": str(Path(snapshot).resolve()), "name_resolution": bool(resolve)}
    written.append(
        _write_atomic(
            Path(results) / "lineage.json",
            lambda out: out.write(json.dumps(meta, indent=2).encode()),
        )
    )
    return written
