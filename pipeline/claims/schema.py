"""Schemas of the claims stage's tables (pyarrow), and coercion of CSV read-backs to them.

`CLAIMS`: one row per reported metric value. `MEASUREMENTS`: one
row per measured value, in the documented CSV import format (see `measurements`).
`RESULT_TABLES`: the other tables `ptm claims` and `ptm discrepancy` write (`<name>.csv`);
the code that builds each one takes its column order from here.

Every column's meaning is its field's `description` metadata (`pipeline.dictionary`);
docs/data-dictionary.md is generated from it (`scripts/data_dictionary.py`).
"""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa

from pipeline.dictionary import DESCRIPTION, column

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


def _rows(text: str) -> dict[bytes, bytes]:
    """Schema metadata saying what one row of the table is."""
    return {DESCRIPTION: text.encode()}


_VERDICT_RULE = (
    "`overstated` (`discrepancy_pp` > `tolerance_pp`), `understated` (< -`tolerance_pp`), "
    "`within tolerance`"
)

CLAIMS_COUNTS = pa.schema(
    [
        column("source", pa.string(), "the claims' `source` (as in `claims.csv`)", nullable=False),
        column(
            "parse_status",
            pa.string(),
            "`ok`, `unparsed` or `failed` (as in `claims.csv`); rows sorted by source, then status",
            nullable=False,
        ),
        column("claims", pa.int64(), "claims (rows of `claims.csv`) with this source and status"),
        column("models", pa.int64(), "distinct models among them"),
        column("bot_written", pa.int64(), "of the claims, those written by a bot"),
        column("verified", pa.int64(), "of the claims, those the Hub marks `verified`"),
    ],
    metadata=_rows(
        "written by `ptm claims`; one row per claim `source` and `parse_status` that occurs"
    ),
)

CLAIMS_DIAGNOSTICS = pa.schema(
    [
        column(
            "measure",
            pa.string(),
            "the counter, sorted by name; only counters that were touched appear (some "
            "with 0). Read: `models`, `card_bodies`, `card_tables_with_claims`, "
            "`entries`, `results` (model-index entries and results), `eval_results_entries`, "
            "`model_index_from_card`, `model_index_from_top_level`, `model_index_absent`; "
            "claims: `claims_<source>`, `values_<parse_status>`, `values_scale_unknown`, "
            "`bot_written`, `verified`; malformed: `models_failed` (extraction raised), "
            "`*_invalid_json`, `*_not_a_list`, `*_not_a_mapping`, "
            "`results_missing_or_not_a_list`, `metrics_missing_or_not_a_list`, "
            "`model_index_schema_error` (the Hub's validation message instead of a "
            "model-index), `eval_results_errors`, `metric_without_value`",
            nullable=False,
        ),
        column("count", pa.int64(), "how many", nullable=False),
    ],
    metadata=_rows(
        "written by `ptm claims`; one row per counter of what extraction read and found malformed"
    ),
)

DISCREPANCY_PAIRS = pa.schema(
    [
        column("model_id", pa.string(), "the model, as the claim names it", nullable=False),
        column(
            "task",
            pa.string(),
            "the claim's `task_type`, else the model's `pipeline_tag`, else `unknown`",
        ),
        column(
            "claim_source",
            pa.string(),
            "the claim's `source` (`model-index`, `eval_results`, `card-table`, `audit`)",
        ),
        column(
            "measurement_source",
            pa.string(),
            "who measured: `icwsm`, `open-llm-leaderboard`, `hub-verified`, or the `source` "
            "of an imported measurements CSV",
        ),
        column(
            "claim_dataset",
            pa.string(),
            "the claim's `dataset_type`, else its `dataset_name`; empty when it names none",
        ),
        column("measured_dataset", pa.string(), "the measurement's `dataset`, as given"),
        column(
            "dataset_match",
            pa.string(),
            "`exact` (the same dataset after lowercasing and known aliases, e.g. "
            "`cais/mmlu` = `mmlu`), `name` (the same name under different owners) or "
            "`claim unspecified` (the claim names no dataset and is paired with any)",
        ),
        column(
            "dataset_config",
            pa.string(),
            "the claim's dataset configuration, else the measurement's",
        ),
        column("split", pa.string(), "the claim's split, else the measurement's"),
        column("metric", pa.string(), "the canonical metric name (`claims/metrics.py`)"),
        column(
            "higher_is_better",
            pa.bool_(),
            "`True`; `False` for lower-is-better metrics (WER, CER); empty when the metric's "
            "direction is unknown (then treated as higher-is-better)",
        ),
        column("claimed_value", pa.float64(), "the claimed value, in `claimed_scale`"),
        column("claimed_scale", pa.string(), "`fraction` (0-1), `percent` (0-100) or `raw`"),
        column("measured_value", pa.float64(), "the measured value, in `measured_scale`"),
        column("measured_scale", pa.string(), "`fraction` (0-1), `percent` (0-100) or `raw`"),
        column(
            "claimed_pp",
            pa.float64(),
            "the claimed value in percentage points (a fraction times 100, a percent as "
            "is); empty for `raw`",
        ),
        column("measured_pp", pa.float64(), "the measured value in percentage points, likewise"),
        column("difference_pp", pa.float64(), "`claimed_pp` - `measured_pp`, percentage points"),
        column(
            "discrepancy_pp",
            pa.float64(),
            "`difference_pp`, sign-flipped for lower-is-better metrics: positive = the claim "
            "is better than the measurement (percentage points); empty for raw-unit metrics",
        ),
        column(
            "tolerance_pp",
            pa.float64(),
            "the tolerance, percentage points (`claims.tolerance_pp`, default 0.5)",
        ),
        column(
            "verdict",
            pa.string(),
            f"{_VERDICT_RULE}, or `not comparable` (no `discrepancy_pp`)",
        ),
        column(
            "n_candidates",
            pa.int64(),
            "measurements matching the claim (model, dataset, config and split, metric); "
            "the best dataset match, then the latest `measured_at`, then the one most "
            "favourable to the claim is paired, the others are listed unmatched as superseded",
        ),
        column("claim_confidence", pa.string(), "the claim's `confidence`"),
        column("claim_location", pa.string(), "the claim's `location`"),
        column("entry_name", pa.string(), "the claim's `entry_name`"),
        column("measured_at", pa.string(), "ISO date of the measurement; empty when unknown"),
        column("source_detail", pa.string(), "the measurement's `source_detail` (file, row)"),
    ],
    metadata=_rows(
        "written by `ptm discrepancy`; one row per compared claim paired with its best "
        "measurement, sorted by `measurement_source`, `model_id`, `metric`, `claim_location`"
    ),
)

_FIGURE_COLUMNS = (
    *("model_id", "task", "measurement_source", "claim_dataset", "measured_dataset"),
    *("metric", "claimed_pp", "measured_pp", "discrepancy_pp"),
)
DISCREPANCY = pa.schema(
    [
        *(DISCREPANCY_PAIRS.field(name) for name in _FIGURE_COLUMNS),
        column(
            "verdict",
            pa.string(),
            f"{_VERDICT_RULE}",
        ),
    ],
    metadata=_rows(
        "written by `ptm discrepancy`, the figure's numbers; one row per pair with a "
        "`discrepancy_pp` (columns as in `discrepancy_pairs.csv`), from most overstated to "
        "most understated, then by model"
    ),
)

DISCREPANCY_UNMATCHED = pa.schema(
    [
        column(
            "side",
            pa.string(),
            "`claim` or `measurement`",
            nullable=False,
        ),
        column("model_id", pa.string(), "the model"),
        column(
            "source",
            pa.string(),
            "the claim's `source`, or the measurement's (who measured)",
        ),
        column(
            "dataset",
            pa.string(),
            "the claim's `dataset_type`, else its `dataset_name`; or the measurement's `dataset`",
        ),
        column("dataset_config", pa.string(), "the dataset configuration"),
        column("split", pa.string(), "the split"),
        column("metric", pa.string(), "the canonical metric name"),
        column(
            "value",
            pa.float64(),
            "the claim's parsed `value` (empty when unparsed) or the measured value, in `scale`",
        ),
        column(
            "scale",
            pa.string(),
            "`fraction`, `percent`, `raw` (or `unknown`, claims only)",
        ),
        column(
            "location",
            pa.string(),
            "the claim's `location`, or the measurement's `source_detail`",
        ),
        column(
            "reason",
            pa.string(),
            "why not paired. Claims: not compared (`claim value unparsed: ...`, `claim "
            "value's scale unknown: ...`, `Hub-verified value ...`, `bot-written claim "
            "...`, `low-confidence claim ...`, `claim has no metric`) or no match (`no "
            "measurement for model`, `claim names no dataset ...`, `dataset differs ...`, "
            "`dataset config or split differs`, `metric differs ...`). Measurements: `no "
            "claim for model`, `model's claims are not compared ...`, `measurement value "
            "or scale unusable`, `dataset differs ...`, `dataset config or split differs`, "
            "`metric differs ...`, `superseded by another measurement of the same claim ...`",
        ),
    ],
    metadata=_rows(
        "written by `ptm discrepancy`; one row per claim or measurement that is not in a "
        "pair, with the reason; claims first (in claims-table order), then measurements"
    ),
)

_UNITS = "units (`unit`)"
DISCREPANCY_SUMMARY = pa.schema(
    [
        column(
            "grouping",
            pa.string(),
            "`all` (one row over every pair), then `task` and `measurement_source` (one row "
            "per group)",
            nullable=False,
        ),
        column(
            "group",
            pa.string(),
            "the task or measurement source (`all` for `all`; `unknown` when missing)",
            nullable=False,
        ),
        column(
            "unit",
            pa.string(),
            "what the statistics count: `model` (one value per model, the median of its "
            "pairs' `discrepancy_pp`; what `ptm discrepancy` writes) or `pair`",
            nullable=False,
        ),
        column(
            "n_pairs",
            pa.int64(),
            "pairs with a `discrepancy_pp` (raw-unit pairs are left out)",
        ),
        column("n_models", pa.int64(), "distinct models among them"),
        column("n_units", pa.int64(), f"{_UNITS} the statistics are over"),
        column("tolerance_pp", pa.float64(), "the tolerance, percentage points"),
        column("n_overstated", pa.int64(), f"{_UNITS} with a discrepancy > `tolerance_pp`"),
        column(
            "share_overstated",
            pa.float64(),
            "`n_overstated` / `n_units`, a fraction (0-1); empty when `n_units` is 0",
        ),
        column(
            "share_ci_low",
            pa.float64(),
            "lower bound of the Wilson 95% interval of `share_overstated` (fraction); "
            "empty when `n_units` is 0",
        ),
        column("share_ci_high", pa.float64(), "its upper bound"),
        column("n_within", pa.int64(), f"{_UNITS} within ± `tolerance_pp`"),
        column("n_understated", pa.int64(), f"{_UNITS} with a discrepancy < -`tolerance_pp`"),
        column(
            "median_pp",
            pa.float64(),
            "median discrepancy of the units, percentage points (> 0: claims better than "
            "measured); empty when `n_units` is 0",
        ),
        column(
            "median_ci_low",
            pa.float64(),
            "lower bound of the percentile-bootstrap 95% interval of `median_pp` "
            "(`n_resamples` resamples, `seed`), percentage points",
        ),
        column("median_ci_high", pa.float64(), "its upper bound"),
        column(
            "mean_pp",
            pa.float64(),
            "mean discrepancy of the units, percentage points; empty when `n_units` is 0",
        ),
        column(
            "wilcoxon_statistic",
            pa.float64(),
            "two-sided Wilcoxon signed-rank test of the units' discrepancies against zero "
            "(zeros dropped): scipy's statistic, the smaller of the positive and negative "
            "rank sums; empty when not computable",
        ),
        column(
            "wilcoxon_p",
            pa.float64(),
            "its two-sided p-value (null: the discrepancies are symmetric about zero); "
            "empty when not computable",
        ),
        column(
            "wilcoxon_note",
            pa.string(),
            "empty when computed, else `not computable: ...` with the reason (no pairs, all "
            "differences zero, or fewer than 6 non-zero differences)",
        ),
        column("n_resamples", pa.int64(), "bootstrap resamples for the median's interval"),
        column("seed", pa.int64(), "the bootstrap's random seed"),
    ],
    metadata=_rows(
        "written by `ptm discrepancy`; the statistics of the pairs' `discrepancy_pp`, over "
        "all pairs, then per task and per measurement source"
    ),
)

# The tables `ptm claims` and `ptm discrepancy` write besides claims.csv, as `<name>.csv`.
RESULT_TABLES: dict[str, pa.Schema] = {
    "claims_counts": CLAIMS_COUNTS,
    "claims_diagnostics": CLAIMS_DIAGNOSTICS,
    "discrepancy": DISCREPANCY,
    "discrepancy_pairs": DISCREPANCY_PAIRS,
    "discrepancy_unmatched": DISCREPANCY_UNMATCHED,
    "discrepancy_summary": DISCREPANCY_SUMMARY,
}


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
