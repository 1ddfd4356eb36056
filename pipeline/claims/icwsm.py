"""The ICWSM audit of Hub sentiment models: claimed macro-F1 beside re-measured scores.

Source: Kadasi et al., "Model Hubs and Beyond: Analyzing Model Popularity, Performance,
and Documentation" (ICWSM 2025, arXiv:2503.15222); curated copy in
`data/claims-vs-measured/icwsm/` (see its README). Layout:

- `data/reported_scores_m100_filtered.csv` (21 models) and
  `data/df_reported_scores_400models_filtered.csv` (75 models): `model,macro_f1`, the
  macro-F1 each model card claims, on a 0-1 scale, on the card's own evaluation data
  (which the audit does not name). Two values are not usable as given: `-` (no value)
  and `1.36` (outside 0-1); they stay in the claims as unparsed / scale unknown.
- `data/models.csv`, `data/models_combined.csv`: the audited model ids (400 + 100).
- `model_card_results_combined/{dataset}/{author}_{name}_scores.json`: the audit's re-run
  of 89 models on `tweet_eval`, `financial_phrasebank` and `amazon_multi_reviews`
  (`accuracy`, `f1`, `precision`, `recall` on 0-1, plus timing). `f1` is compared with the
  claimed macro-F1, so it is read as macro-F1 (and precision/recall as macro averages).

File names join author and name with `_`, which is ambiguous when a name contains `_`
(`RogerKam_roberta_RCADE_fine_tuned_sentiment_covid_news`): ids are resolved through the
model lists, and only a file no listed model explains falls back to splitting at the
first `_` (flagged in `source_detail`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from pipeline.claims.errors import MeasurementsError
from pipeline.claims.metrics import FRACTION, parse_value, unit_scale
from pipeline.claims.schema import CLAIMS, MEASUREMENTS, frame

SOURCE = "icwsm"
SOURCE_NAME = "ICWSM audit (Kadasi et al., 2025): macro-F1 transcribed from the model card"
SOURCE_URL = "https://arxiv.org/abs/2503.15222"
REPORTED_FILES = ("reported_scores_m100_filtered.csv", "df_reported_scores_400models_filtered.csv")
MODEL_LISTS = ("models.csv", "models_combined.csv")
RESULTS_DIR = "model_card_results_combined"
SUFFIX = "_scores.json"
TASK = "text-classification"
# The audit's score keys and what they are compared as.
METRICS = {
    "f1": "f1_macro",
    "accuracy": "accuracy",
    "precision": "precision_macro",
    "recall": "recall_macro",
}


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise MeasurementsError(
            f"{path}: ICWSM file not found (run `python -m pipeline.claims.curate`)"
        )
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:
        raise MeasurementsError(f"{path}: cannot read CSV: {error}") from error


def model_ids(root: Path) -> list[str]:
    """Every model id the audit lists (model lists and reported-score files), sorted."""
    ids: set[str] = set()
    for name in MODEL_LISTS:
        ids.update(_read_csv(Path(root) / "data" / name)["model"].str.strip())
    for name in REPORTED_FILES:
        ids.update(_read_csv(Path(root) / "data" / name)["model"].str.strip())
    return sorted(i for i in ids if i)


def file_stem_index(ids: list[str]) -> dict[str, str]:
    """`{author}_{name}` -> model id; `MeasurementsError` if two ids give the same stem."""
    index: dict[str, str] = {}
    for model_id in ids:
        stem = model_id.replace("/", "_", 1)
        if stem in index and index[stem] != model_id:
            raise MeasurementsError(
                f"ICWSM file stem {stem!r} is ambiguous: {index[stem]}, {model_id}"
            )
        index[stem] = model_id
    return index


def icwsm_claims(root: Path) -> pd.DataFrame:
    """The audit's transcribed claims (CLAIMS columns, source `audit`, confidence medium)."""
    rows = []
    for name in REPORTED_FILES:
        table = _read_csv(Path(root) / "data" / name)
        if not {"model", "macro_f1"} <= set(table.columns):
            raise MeasurementsError(
                f"{Path(root) / 'data' / name}: expected columns model, macro_f1"
            )
        for line, record in enumerate(table.to_dict("records"), start=2):
            parsed = parse_value(record["macro_f1"])
            scale, scale_reason = unit_scale("f1_macro", parsed.value, declared=FRACTION)
            rows.append(
                {
                    "model_id": record["model"].strip(),
                    "source": "audit",
                    "location": f"{name} line {line}",
                    "task_type": TASK,
                    "task_name": "sentiment analysis",
                    "metric_type": "macro_f1",
                    "metric_name": "macro_f1",
                    "metric": "f1_macro",
                    "value": parsed.value,
                    "value_text": parsed.text,
                    "unit_scale": scale,
                    "parse_status": parsed.status,
                    "parse_reason": parsed.reason or scale_reason,
                    "verify_token": False,
                    "source_name": SOURCE_NAME,
                    "source_url": SOURCE_URL,
                    "bot_written": False,
                    "confidence": "medium",
                    "pipeline_tag": TASK,
                }
            )
    return frame(rows, CLAIMS)


def icwsm_measurements(root: Path) -> pd.DataFrame:
    """The audit's re-measured scores (one row per model, dataset and metric, fraction)."""
    root = Path(root)
    results = root / RESULTS_DIR
    if not results.is_dir():
        raise MeasurementsError(f"{results}: ICWSM results folder not found")
    index = file_stem_index(model_ids(root))
    rows = []
    for path in sorted(results.glob(f"*/*{SUFFIX}")):
        stem = path.name[: -len(SUFFIX)]
        model_id, note = index.get(stem), ""
        if model_id is None:
            model_id, note = stem.replace("_", "/", 1), " (id guessed from the file name)"
        try:
            scores = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise MeasurementsError(f"{path}: cannot read scores: {error}") from error
        if not isinstance(scores, dict):
            raise MeasurementsError(f"{path}: expected a JSON object of scores")
        for key, metric in METRICS.items():
            value = scores.get(key)
            if not isinstance(value, int | float) or not math.isfinite(value):
                continue
            rows.append(
                {
                    "model_id": model_id,
                    "dataset": path.parent.name,
                    "metric": metric,
                    "value": float(value),
                    "scale": FRACTION,
                    "source": SOURCE,
                    "source_detail": f"{path.parent.name}/{path.name}: {key}{note}",
                }
            )
    return frame(rows, MEASUREMENTS)
