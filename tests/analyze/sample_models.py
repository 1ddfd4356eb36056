"""Test helpers: turn raw Hub records into snapshot-shaped frames (no crawler, no HTTP)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.snapshot.schema import TABLES


def records_to_models(records: list[dict], via_parquet: bool = True) -> pd.DataFrame:
    """One row per raw record with the snapshot's columns; JSON fields as JSON text.

    With `via_parquet`, the frame makes a round trip through Parquet so the dtypes are the
    ones a snapshot reader gives (list column as arrays, string columns)."""
    rows = []
    for record in records:
        card = record.get("cardData")
        model_index = record.get("model-index")
        rows.append(
            {
                "id": record.get("id"),
                "pipeline_tag": record.get("pipeline_tag"),
                "tags": record.get("tags"),
                "card_data": None if card is None else json.dumps(card),
                "model_index": None if model_index is None else json.dumps(model_index),
                "downloads": record.get("downloads"),
                "created_at": record.get("createdAt"),
            }
        )
    frame = pd.DataFrame(rows)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    if not via_parquet:
        return frame
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    buffer.seek(0)
    return pd.read_parquet(buffer)


def records_to_full_models(records: list[dict]) -> pa.Table:
    """The `models` table the crawler's parser makes of the records (all columns)."""
    from pipeline.crawl.records import parse_model_record

    rows = [parse_model_record(r) for r in records]
    schema = TABLES["models"]
    names = [n for n in schema.names if n in rows[0]]
    return pa.Table.from_pylist(rows, schema=pa.schema([schema.field(n) for n in names]))


def records_to_files(records: list[dict], with_format: bool = False) -> pd.DataFrame:
    """A `files` frame from the records' `siblings` (file names only). Without
    `with_format`, `format`/`is_weight` are null, so the analyses derive formats from the
    names themselves."""
    from pipeline.snapshot.formats import weight_format

    rows = []
    for record in records:
        for sibling in record.get("siblings") or []:
            path = sibling.get("rfilename")
            fmt = weight_format(path) if with_format else None
            rows.append(
                {
                    "model_id": record["id"],
                    "path": path,
                    "format": fmt,
                    "is_weight": (fmt is not None) if with_format else None,
                }
            )
    return pd.DataFrame(rows, columns=["model_id", "path", "format", "is_weight"])


def write_snapshot(folder: Path, tables: dict[str, pa.Table | pd.DataFrame], **manifest) -> Path:
    """A complete snapshot folder: one Parquet part per table (with the snapshot schema,
    missing columns null) and a manifest listing the tables (`tables`), written last."""
    folder.mkdir(parents=True, exist_ok=True)
    listed = {}
    for name, table in tables.items():
        schema = TABLES[name]
        if isinstance(table, pd.DataFrame):
            table = pa.Table.from_pandas(table, preserve_index=False)
        columns = []
        for field in schema:
            if field.name in table.column_names:
                columns.append(table[field.name].cast(field.type))
            else:
                columns.append(pa.nulls(table.num_rows, field.type))
        loose = pa.schema([field.with_nullable(True) for field in schema])
        full = pa.Table.from_arrays(columns, schema=loose)
        (folder / name).mkdir(exist_ok=True)
        pq.write_table(full, folder / name / "part-00000.parquet")
        listed[name] = {"parts": 1, "rows": full.num_rows}
    body = {"snapshot_id": folder.name, "tables": listed, **manifest}
    (folder / "manifest.json").write_text(json.dumps(body))
    return folder
