"""The reuse-graph stage on a snapshot: `load_graph(snapshot)` and
`run_lineage(snapshot, results) -> written paths`.

`load_graph` reads only the graph's columns (`pipeline.lineage.graph.COLUMNS`) of a complete
snapshot's `models` table, batch by batch, through the one snapshot reader
(`pipeline.analyze.source`). `run_lineage` writes every table of
`pipeline.lineage.analyses.lineage_tables` as `<results>/<name>.csv`, the figure as
`lineage.png`/`.pdf` and the report section as `lineage.md`, for use outside `ptm`
(notebooks, benchmarks); inside the pipeline the same tables, figure and section come from the
figure registry (`pipeline/figures/lineage.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pipeline.analyze.source import open_snapshot
from pipeline.atomic import write_json_atomic, write_text_atomic
from pipeline.lineage.analyses import lineage_tables
from pipeline.lineage.graph import COLUMNS, LineageGraph, build_graph_from_batches
from pipeline.lineage.plot import FIGURE, draw
from pipeline.lineage.report import section
from pipeline.plot.save import save_figure
from pipeline.results import write_results


def load_graph(snapshot: Path, resolve: Mapping[str, str] | None = None) -> LineageGraph:
    """The reuse graph of a complete snapshot (names as written unless `resolve` is given:
    old name -> current id). `SnapshotError` when the snapshot is missing or incomplete."""
    return build_graph_from_batches(
        open_snapshot(Path(snapshot)).batches("models", COLUMNS), resolve
    )


def run_lineage(
    snapshot: Path, results: Path, resolve: Mapping[str, str] | None = None
) -> list[Path]:
    """Build the reuse graph of `snapshot` and write its tables, figure and report section
    into `results`; the paths written."""
    results = Path(results)
    tables = lineage_tables(load_graph(snapshot, resolve))
    written = write_results(tables, results)
    written += save_figure(draw(tables), results, FIGURE)
    markdown = results / "lineage.md"
    write_text_atomic(markdown, "\n".join(section(tables)) + "\n")
    meta = results / "lineage.json"
    write_json_atomic(
        meta, {"snapshot": str(Path(snapshot).resolve()), "name_resolution": bool(resolve)}
    )
    return [*written, markdown, meta]
