"""Schemas of the claims stage's tables (pyarrow), and coercion of CSV read-backs to them.

`CLAIMS`: one row per reported metric value (data dictionary below). `MEASUREMENTS`: one
row per measured value, in the documented CSV import format (see `measurements`).

Claims columns:

- `model_id`; `source`: `model-index` (the card's YAML, or the Hub's top-level copy when
  the card data has none), `eval_results` (the `.eval_results/*.yaml` format, API field
  `evalResults`), `card-table` (a Markdown table in the card body), `audit` (a value an
  audit transcribed from the card, e.g. the ICWSM audit); `location`: where in the source
  (`model-index[0].results[1].metrics[2]`, `evalResults[3]`, `table 2 row 5 column 'F1'`).
- `entry_name` (model-index `name`; for card tables the row label or value column),
  `task_type`, `task_name`, `dataset_type` (a Hub dataset id), `dataset_name`,
  `dataset_config`, `dataset_split`, `dataset_args` (JSON text, e.g. few-shot count).
- `metric_type`, `metric_name` as given; `metric`: the canonical name (`metrics.py`).
- `value` (float or null), `value_text` (raw as given), `unit_scale` (`fraction`,
  `percent`, `raw`, `unknown`), `uncertainty` (the `± x` part), `parse_status` (`ok`,
  `unparsed`; `failed` with source `extraction`: the model's data could not be read at
  all), `parse_reason` (why unparsed or failed, or a note on how it was read).
- `verified` (the metric's `verified` flag, set by the Hub), `verify_token` (a
  `verifyToken` is present), `source_name`, `source_url` (the result's `source`; for card
  tables the heading above the table), `bot_written`, `bot_rule` (see `extract.bot_rule`).
- `confidence`: `high` (model-index, eval_results), `medium` (audit transcriptions),
  `low` (card tables); `pipeline_tag`: the model's Hub task, the fallback for `task_type`.
"""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa

CLAIMS_SCHEMA_VERSION = 1

CLAIMS = pa.schema(
    [
        pa.field("model_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("location", pa.string()),
        pa.field("entry_name", pa.string()),
        pa.field("task_type", pa.string()),
        pa.field("task_name", pa.string()),
        pa.field("dataset_type", pa.string()),
        pa.field("dataset_name", pa.string()),
        pa.field("dataset_config", pa.string()),
        pa.field("dataset_split", pa.string()),
        pa.field("dataset_args", pa.string()),
        pa.field("metric_type", pa.string()),
        pa.field("metric_name", pa.string()),
        pa.field("metric", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("value_text", pa.string()),
        pa.field("unit_scale", pa.string()),
        pa.field("uncertainty", pa.float64()),
        pa.field("parse_status", pa.string(), nullable=False),
        pa.field("parse_reason", pa.string()),
        pa.field("verified", pa.bool_()),
        pa.field("verify_token", pa.bool_()),
        pa.field("source_name", pa.string()),
        pa.field("source_url", pa.string()),
        pa.field("bot_written", pa.bool_()),
        pa.field("bot_rule", pa.string()),
        pa.field("confidence", pa.string(), nullable=False),
        pa.field("pipeline_tag", pa.string()),
    ],
    metadata={"claims_schema_version": str(CLAIMS_SCHEMA_VERSION)},
)

MEASUREMENTS = pa.schema(
    [
        pa.field("model_id", pa.string(), nullable=False),
        pa.field("dataset", pa.string()),
        pa.field("dataset_config", pa.string()),
        pa.field("split", pa.string()),
        pa.field("metric", pa.string(), nullable=False),
        pa.field("value", pa.float64()),
        pa.field("scale", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("source_detail", pa.string()),
        pa.field("measured_at", pa.string()),
    ]
)

CLAIMS_COLUMNS = CLAIMS.names
MEASUREMENTS_COLUMNS = MEASUREMENTS.names


def frame(rows: list[dict], schema: pa.Schema) -> pd.DataFrame:
    """A DataFrame with exactly the schema's columns, in order (missing keys are null)."""
    table = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
    return table.to_pandas()


def coerce(table: pd.DataFrame, schema: pa.Schema) -> pd.DataFrame:
    """A frame read back from CSV, with the schema's columns and types (absent optional
    columns become null; `True`/`False` text becomes booleans, numbers become floats).

    Raises `ValueError` naming the missing required columns."""
    missing = [f.name for f in schema if not f.nullable and f.name not in table.columns]
    if missing:
        raise ValueError(f"missing required column(s) {missing}")
    arrays = []
    for field in schema:
        values = table[field.name].tolist() if field.name in table.columns else [None] * len(table)
        arrays.append(pa.array([_cell(v, field.type) for v in values], type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema).to_pandas()


def _cell(value: object, kind: pa.DataType) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if pa.types.is_boolean(kind):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        return {"true": True, "false": False, "1": True, "0": False}.get(text)
    if pa.types.is_floating(kind):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if math.isfinite(number) else None
    if pa.types.is_string(kind):
        text = str(value)
        return text if text != "" else None
    return value
