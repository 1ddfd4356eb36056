"""Measurements: values someone other than the author measured for a model.

The `measurements` table (schema `MEASUREMENTS`) is also the **CSV import format**, one
row per measured value, header required, columns in any order:

| column | meaning |
|---|---|
| `model_id` | Hub id, `author/name` (required) |
| `dataset` | Hub dataset id measured on (`tweet_eval`, `cais/mmlu`); empty if unknown |
| `dataset_config` | dataset configuration (`ARC-Challenge`, `sentiment`); optional |
| `split` | `test`, `validation`, ...; optional |
| `metric` | metric id or label (`accuracy`, `f1_macro`, `acc_norm`, `wer`) (required) |
| `value` | the number (required; empty or non-numeric rows are an error) |
| `scale` | `fraction` (0-1), `percent` (0-100) or `raw` (units of the metric) (required) |
| `source` | who measured (`icwsm`, `open-llm-leaderboard`, `own-run`, ...) (required) |
| `source_detail` | free text: file, row, harness settings |
| `measured_at` | ISO date of the measurement, empty if unknown |

Metric names are normalised like claims' (`metrics.canonical_metric`).

Built-in sources (`load_source`): `hub-verified` (model-index metrics the Hub marks
`verified: true`, taken from the claims table), `leaderboard` (the Open LLM Leaderboard
snapshots of 2023) and `icwsm` (the ICWSM audit's re-runs, see `icwsm.py`), read from the
project's curated copies under `data/claims-vs-measured/`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from pipeline.claims.errors import MeasurementsError
from pipeline.claims.icwsm import icwsm_measurements
from pipeline.claims.metrics import SCALES, canonical_metric
from pipeline.claims.schema import MEASUREMENTS, MEASUREMENTS_COLUMNS, coerce, frame
from pipeline.paths import CLAIMS_DATA

DATA_ROOT = CLAIMS_DATA
LEADERBOARD_DIR = "open-llm-leaderboard"
BUILTIN_SOURCES = ("icwsm", "leaderboard", "hub-verified")
REQUIRED = ("model_id", "metric", "value", "scale", "source")

# The four benchmarks of the Open LLM Leaderboard (v1, 2023), as its own bot writes them
# into model cards (e.g. 152334H/miqu-1-70b-sf in the July 2024 sample): dataset id,
# config, split, metric, few-shot count.
LEADERBOARD_BENCHMARKS = {
    "ARC": ("ai2_arc", "ARC-Challenge", "test", "acc_norm", 25),
    "HellaSwag": ("hellaswag", None, "validation", "acc_norm", 10),
    "MMLU": ("cais/mmlu", "all", "test", "acc", 5),
    "TruthfulQA": ("truthful_qa", "multiple_choice", "validation", "mc2", 0),
}
_LEADERBOARD_FILE = re.compile(r"^(\d{4})(\d{2})(\d{2})\.csv$")


def measurements_frame(rows: list[dict]) -> pd.DataFrame:
    """A measurements table (the `MEASUREMENTS` columns) from row dicts."""
    return frame(rows, MEASUREMENTS)


def read_measurements_csv(path: Path) -> pd.DataFrame:
    """Read one CSV in the import format; `MeasurementsError` naming the file, and the row
    and column, for anything malformed."""
    path = Path(path)
    if not path.is_file():
        raise MeasurementsError(f"{path}: measurements file not found")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise MeasurementsError(f"{path}: cannot read CSV: {error}") from error
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise MeasurementsError(
            f"{path}: missing column(s) {missing}; the import format has {MEASUREMENTS_COLUMNS}"
        )
    for line, row in enumerate(raw.to_dict("records"), start=2):
        for column in ("model_id", "metric", "source"):
            if not str(row[column]).strip():
                raise MeasurementsError(f"{path}: line {line}: empty {column}")
        try:
            value = float(row["value"])
        except ValueError:
            raise MeasurementsError(
                f"{path}: line {line}: value {row['value']!r} is not a number"
            ) from None
        if not math.isfinite(value):
            raise MeasurementsError(f"{path}: line {line}: value {row['value']!r} is not finite")
        if row["scale"] not in SCALES:
            raise MeasurementsError(
                f"{path}: line {line}: scale {row['scale']!r} is not one of {list(SCALES)}"
            )
    return coerce(raw.replace("", None), MEASUREMENTS)


def hub_verified_measurements(claims: pd.DataFrame) -> pd.DataFrame:
    """Model-index metric values the Hub marks `verified: true` (evaluated by the Hub's
    evaluation service and signed with a `verifyToken`), as measurements."""
    if claims.empty or "verified" not in claims:
        return measurements_frame([])
    chosen = claims[(claims["verified"] == True) & (claims["parse_status"] == "ok")]  # noqa: E712
    chosen = chosen[chosen["unit_scale"].isin(SCALES)]
    rows = [
        {
            "model_id": c.model_id,
            "dataset": c.dataset_type or c.dataset_name,
            "dataset_config": c.dataset_config,
            "split": c.dataset_split,
            "metric": c.metric,
            "value": c.value,
            "scale": c.unit_scale,
            "source": "hub-verified",
            "source_detail": f"{c.source} {c.location}",
            "measured_at": None,
        }
        for c in chosen.itertuples()
    ]
    return measurements_frame(rows)


def leaderboard_measurements(folder: Path) -> pd.DataFrame:
    """The Open LLM Leaderboard snapshots (`YYYYMMDD.csv`, columns `Model`, `ARC (25-shot)`
    or `ARC(25-shot)`, `HellaSwag (10-shot)`, `MMLU (5-shot)`, `TruthfulQA (0-shot)`, ...,
    `URL`): one measurement per model, benchmark and snapshot date, in percent.

    A model listed twice in one snapshot (85 ids in 2023-08-25) keeps both rows; the join
    then prefers the one closest to the claim. `Average` and `Parameters` are not kept."""
    folder = Path(folder)
    files = sorted(p for p in folder.glob("*.csv") if _LEADERBOARD_FILE.match(p.name))
    if not files:
        raise MeasurementsError(f"{folder}: no leaderboard snapshots (YYYYMMDD.csv) found")
    rows = []
    for path in files:
        year, month, day = _LEADERBOARD_FILE.match(path.name).groups()
        try:
            table = pd.read_csv(path, encoding="utf-8-sig", dtype={"Model": str})
        except (OSError, ValueError) as error:
            raise MeasurementsError(f"{path}: cannot read CSV: {error}") from error
        columns = {_benchmark_of(c): c for c in table.columns}
        if "Model" not in table.columns or not set(LEADERBOARD_BENCHMARKS) & set(columns):
            raise MeasurementsError(f"{path}: not a leaderboard snapshot (no Model/ARC columns)")
        for line, record in enumerate(table.to_dict("records"), start=2):
            for benchmark, (
                dataset,
                config,
                split,
                metric,
                shots,
            ) in LEADERBOARD_BENCHMARKS.items():
                value = record.get(columns.get(benchmark, ""), math.nan)
                if not isinstance(value, int | float) or not math.isfinite(value):
                    continue
                rows.append(
                    {
                        "model_id": str(record["Model"]).strip(),
                        "dataset": dataset,
                        "dataset_config": config,
                        "split": split,
                        "metric": metric,
                        "value": float(value),
                        "scale": "percent",
                        "source": "open-llm-leaderboard",
                        "source_detail": f"{path.name} line {line}: {benchmark} {shots}-shot",
                        "measured_at": f"{year}-{month}-{day}",
                    }
                )
    return measurements_frame(rows)


def _benchmark_of(column: str) -> str | None:
    name = column.split("(")[0].strip()
    return name if name in LEADERBOARD_BENCHMARKS else None


def load_source(name: str, claims: pd.DataFrame | None = None, data_root: Path = DATA_ROOT):
    """Measurements of one built-in source (`icwsm`, `leaderboard`, `hub-verified`) or of
    a CSV file in the import format. `MeasurementsError` names an unknown source."""
    if name == "hub-verified":
        return hub_verified_measurements(claims) if claims is not None else measurements_frame([])
    if name == "leaderboard":
        return leaderboard_measurements(Path(data_root) / LEADERBOARD_DIR)
    if name == "icwsm":
        return icwsm_measurements(Path(data_root) / "icwsm")
    path = Path(name)
    if path.suffix.lower() == ".csv" or path.exists():
        return read_measurements_csv(path)
    raise MeasurementsError(
        f"unknown measurements source {name!r}: give a CSV file in the import format or one "
        f"of {list(BUILTIN_SOURCES)}"
    )


def normalised_metric(metric: object) -> str | None:
    """The canonical name of a measurement's metric (same rules as for claims)."""
    return canonical_metric(metric)[0]
