"""Schemas of the claims stage's tables (pyarrow), and coercion of CSV read-backs to them.

`CLAIMS`: one row per reported metric value. `MEASUREMENTS`: one
row per measured value, in the documented CSV import format (see `measurements`).

Every column's meaning is its field's `description` metadata (`pipeline.dictionary`);
README.md's "Result tables" is generated from it.
"""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa

from pipeline.dictionary import column

CLAIMS_SCHEMA_VERSION = 1

CLAIMS = pa.schema(
    [
        column("model_id", pa.string(), "the model", nullable=False),
        column(
            "source",
            pa.string(),
            "`model-index` (the card's YAML, or the Hub's top-level copy), `eval_results` "
            "(`.eval_results/*.yaml`, API field `evalResults`), `card-table` (a Markdown "
            "table in the card body), `audit` (transcribed by an audit, e.g. ICWSM), "
            "`extraction` (a model whose claims could not be extracted at all)",
            nullable=False,
        ),
        column(
            "location",
            pa.string(),
            "where in the source, e.g. `model-index[0].results[1].metrics[2]`",
        ),
        column("entry_name", pa.string(), "model-index `name`; for card tables the row label"),
        column("task_type", pa.string(), "the result's task type"),
        column("task_name", pa.string(), "the result's task name"),
        column("dataset_type", pa.string(), "a Hub dataset id"),
        column("dataset_name", pa.string(), "the dataset's name as given"),
        column("dataset_config", pa.string(), "the dataset configuration"),
        column("dataset_split", pa.string(), "the split"),
        column("dataset_args", pa.string(), "JSON text, e.g. the few-shot count"),
        column("metric_type", pa.string(), "the metric's type as given"),
        column("metric_name", pa.string(), "the metric's name as given"),
        column("metric", pa.string(), "the canonical metric name (`claims/metrics.py`)"),
        column("value", pa.float64(), "the value (null when unparsed)"),
        column("value_text", pa.string(), "the value as given"),
        column("unit_scale", pa.string(), "`fraction`, `percent`, `raw` or `unknown`"),
        column("uncertainty", pa.float64(), "the `± x` part"),
        column(
            "parse_status",
            pa.string(),
            "`ok` or `unparsed`; `failed` (source `extraction`): the model's data could not "
            "be read at all",
            nullable=False,
        ),
        column("parse_reason", pa.string(), "why unparsed or failed, or how it was read"),
        column("verified", pa.bool_(), "the metric's `verified` flag, set by the Hub"),
        column("verify_token", pa.bool_(), "a `verifyToken` is present"),
        column("source_name", pa.string(), "the result's `source` name"),
        column("source_url", pa.string(), "its URL; for card tables the heading above"),
        column("bot_written", pa.bool_(), "written by a bot (`extract.bot_rule`)"),
        column("bot_rule", pa.string(), "the rule that said so"),
        column(
            "confidence",
            pa.string(),
            "`high` (model-index, eval_results), `medium` (audits), `low` (card tables)",
            nullable=False,
        ),
        column("pipeline_tag", pa.string(), "the model's Hub task, fallback for `task_type`"),
    ],
    metadata={"claims_schema_version": str(CLAIMS_SCHEMA_VERSION)},
)

MEASUREMENTS = pa.schema(
    [
        column("model_id", pa.string(), "the model measured", nullable=False),
        column("dataset", pa.string(), "the dataset (a Hub id where possible)"),
        column("dataset_config", pa.string(), "the dataset configuration"),
        column("split", pa.string(), "the split"),
        column("metric", pa.string(), "the canonical metric name", nullable=False),
        column("value", pa.float64(), "the measured value"),
        column("scale", pa.string(), "`fraction`, `percent` or `raw`", nullable=False),
        column("source", pa.string(), "where the measurement comes from", nullable=False),
        column("source_detail", pa.string(), "e.g. the leaderboard or audit row"),
        column("measured_at", pa.string(), "when it was measured"),
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
