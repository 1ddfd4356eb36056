"""Result I/O shared by every stage: the CSV tables, Parquet files and JSON side files of a
results folder. Imports no stage."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.atomic import write_atomic, write_text_atomic
from pipeline.errors import PipelineError


def read_result_table(path: Path) -> pd.DataFrame:
    """Read a result CSV; `PipelineError` naming the path when missing or unreadable."""
    if not path.is_file():
        raise PipelineError(f"{path}: result table not found (run `ptm analyze` first)")
    try:
        # only empty cells are missing: "None" is Figure 6's row for models without a value
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as error:
        raise PipelineError(f"{path}: cannot read result table: {error}") from error


def write_results(tables: dict[str, pd.DataFrame], results_dir: Path) -> list[Path]:
    """Write each table as `<results_dir>/<name>.csv` (atomically); the paths written."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        target = results_dir / f"{name}.csv"
        write_text_atomic(target, table.to_csv(index=False))
        written.append(target)
    return written


def write_parquet(frame: pd.DataFrame, target: Path, schema: pa.Schema | None = None) -> Path:
    """Write `frame` as Parquet atomically (with `schema` when given)."""
    if schema is None:
        return write_atomic(target, lambda out: frame.to_parquet(out, index=False))
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    return write_atomic(target, lambda out: pq.write_table(table, out))


def read_json_object(path: Path) -> dict:
    """A JSON object from `path` (e.g. analysis.json); {} when absent, unreadable or not
    an object."""
    try:
        value = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
