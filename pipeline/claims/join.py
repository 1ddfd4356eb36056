"""Pair claims with measurements of the same model, dataset and metric. Pure.

Rules (each pair says which were used):

- **Which claims are compared.** Claims with a usable value (`parse_status` ok and a
  known scale) that are not themselves a Hub-verified value (those are measurements) and,
  by default, neither bot-written (a leaderboard's own numbers are not the author's
  claim) nor low confidence (card tables: rows may be baselines, datasets are rarely
  named). Every other claim is listed as unmatched with the reason.
- **Model**: the same Hub id, compared case-insensitively.
- **Dataset**: the claim's `dataset_type` or `dataset_name` equals the measurement's
  `dataset` after `canonical_dataset` (lowercase, known aliases such as `cais/mmlu` ->
  `mmlu`): `dataset_match = exact`; equal names under different owners: `name`. A claim
  that names no dataset (the ICWSM audit's transcriptions: the card's own test data) is
  paired with the measurements of any dataset, `dataset_match = claim unspecified`
  (switch off with `match_unspecified_dataset=False`).
- **Config and split** must agree when both sides give them (case-insensitive).
- **Metric**: the same canonical metric (`metrics.canonical_metric`: `acc` = `accuracy`,
  `f1` with `average: macro` = `f1_macro`, `em` = `exact_match`, ...). Per-source
  definitions are applied when a source is loaded (the ICWSM `f1` is macro-F1).
- **Several measurements for one claim** (three datasets for an unspecified one, a model
  listed twice in a leaderboard snapshot, several snapshots): the best dataset match
  wins, then the most recent `measured_at`, then the value most favourable to the claim
  (highest for higher-is-better metrics): a claim is called overstated only if even its
  best comparable measurement falls short. The others are listed as unmatched
  measurements, "superseded".
- **Scales**: fractions (0-1) and percents (0-100) are compared in percentage points.
  `difference_pp` = claimed - measured; `discrepancy_pp` is the same, sign-flipped for
  lower-is-better metrics (WER, CER), so that **positive always means the claim is
  better than the measurement**. Raw-unit metrics (perplexity, reward) are paired but have
  no percentage-point discrepancy (`verdict` = `not comparable`).
- **Tolerance** (`tolerance_pp`, default 0.5 percentage points): `overstated` when
  `discrepancy_pp > tolerance`, `understated` when `< -tolerance`, else `within tolerance`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pipeline.claims.metrics import SCALES, canonical_metric, metric_info, to_percentage_points
from pipeline.claims.schema import DISCREPANCY_PAIRS, DISCREPANCY_UNMATCHED

DEFAULT_TOLERANCE_PP = 0.5

DATASET_ALIASES = {
    "allenai/ai2_arc": "ai2_arc",
    "cais/mmlu": "mmlu",
    "hendrycks_test": "mmlu",
    "lukaemon/mmlu": "mmlu",
    "rowan/hellaswag": "hellaswag",
    "truthfulqa/truthful_qa": "truthful_qa",
    "cardiffnlp/tweet_eval": "tweet_eval",
    "takala/financial_phrasebank": "financial_phrasebank",
    "amazon_multi_reviews": "amazon_reviews_multi",  # the ICWSM audit's folder name
    "mteb/amazon_reviews_multi": "amazon_reviews_multi",
}
MATCH_RANK = {"exact": 0, "name": 1, "claim unspecified": 2}

PAIR_COLUMNS = DISCREPANCY_PAIRS.names  # described in schema.py
UNMATCHED_COLUMNS = DISCREPANCY_UNMATCHED.names


@dataclass(frozen=True)
class JoinResult:
    """`pairs` (PAIR_COLUMNS) and `unmatched` claims and measurements (UNMATCHED_COLUMNS)."""

    pairs: pd.DataFrame
    unmatched: pd.DataFrame


def canonical_dataset(value: object) -> str | None:
    """A dataset id for comparison: lowercase, trimmed, known aliases resolved."""
    if not isinstance(value, str) or not value.strip():
        return None
    key = value.strip().lower()
    return DATASET_ALIASES.get(key, key)


def _dataset_match(claim_ids: tuple, measured: str | None) -> str | None:
    """How a claim's datasets (canonical type, name) meet a measured dataset, or None."""
    known = [d for d in claim_ids if d]
    if not known:
        return "claim unspecified"
    if measured is None:
        return None
    if measured in known:
        return "exact"
    if measured.rsplit("/", 1)[-1] in {d.rsplit("/", 1)[-1] for d in known}:
        return "name"
    return None


def _agrees(a: object, b: object) -> bool:
    if not isinstance(a, str) or not isinstance(b, str) or not a.strip() or not b.strip():
        return True
    return a.strip().lower() == b.strip().lower()


def claim_exclusions(
    claims: pd.DataFrame, include_bot_written: bool = False, include_low_confidence: bool = False
) -> pd.Series:
    """Per claim, why it is not compared (None: it is); the first rule that applies wins."""
    text = _text_column
    rules = [
        (
            claims["parse_status"] != "ok",
            "claim value unparsed: " + text(claims, "parse_reason").fillna("no value"),
        ),
        (
            ~claims["unit_scale"].isin(SCALES),
            "claim value's scale unknown: "
            + text(claims, "parse_reason").fillna(text(claims, "unit_scale")).fillna("unknown"),
        ),
        (_true(claims, "verified"), "Hub-verified value (used as a measurement, not as a claim)"),
        (
            _true(claims, "bot_written") & (not include_bot_written),
            "bot-written claim (" + text(claims, "bot_rule").fillna("bot") + "), not compared",
        ),
        (
            (text(claims, "confidence") == "low") & (not include_low_confidence),
            "low-confidence claim (" + text(claims, "source").fillna("?") + "), not compared",
        ),
        (text(claims, "metric").fillna("") == "", "claim has no metric"),
    ]
    reasons = pd.Series([None] * len(claims), index=claims.index, dtype=object)
    for condition, reason in reversed(rules):
        reasons = reasons.mask(condition.fillna(False).astype(bool), reason)
    return reasons


def _text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    values = frame[column].astype(object)
    return values.where(values.notna(), None)


def _true(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(False, index=frame.index)
    return frame[column].astype(object).eq(True)


def pair_claims(
    claims: pd.DataFrame,
    measurements: pd.DataFrame,
    tolerance_pp: float = DEFAULT_TOLERANCE_PP,
    *,
    include_bot_written: bool = False,
    include_low_confidence: bool = False,
    match_unspecified_dataset: bool = True,
) -> JoinResult:
    """Pair every comparable claim with its best measurement (rules in the module doc).

    Claims that are excluded or whose model has no measurement are handled column-wise;
    only the others go through the row-by-row matching. Raises `ValueError` for a
    negative or non-finite tolerance."""
    if (
        not isinstance(tolerance_pp, int | float)
        or not math.isfinite(tolerance_pp)
        or tolerance_pp < 0
    ):
        raise ValueError(
            f"tolerance must be a finite number of percentage points >= 0, not {tolerance_pp!r}"
        )
    claims = claims.reset_index(drop=True)
    if "metric" not in claims or claims["metric"].isna().any():
        metric = claims["metric"] if "metric" in claims else pd.Series(None, index=claims.index)
        fallback = _text_column(claims, "metric_type").map(lambda t: canonical_metric(t)[0])
        claims = claims.assign(metric=metric.astype(object).where(metric.notna(), fallback))
    measured_rows = _prepared_measurements(measurements)
    by_model: dict[str, list[int]] = {}
    for m, row in enumerate(measured_rows):
        by_model.setdefault(row["_model"], []).append(m)
    model_keys = claims["model_id"].astype(str).str.lower()
    claimed_models = set(model_keys)
    reasons = claim_exclusions(claims, include_bot_written, include_low_confidence)
    measured_model = model_keys.isin(list(by_model))
    reasons = reasons.mask(reasons.isna() & ~measured_model, "no measurement for model")
    unmatched_claims = [_unmatched_claims_frame(claims[reasons.notna()], reasons[reasons.notna()])]

    pairs, unmatched, used = [], [], set()
    compared: dict[str, list[dict]] = {}
    for order, claim in claims[reasons.isna()].iterrows():
        claim = _clean(claim.to_dict())
        model = str(claim["model_id"]).lower()
        compared.setdefault(model, []).append(claim)
        candidates, reason = _candidates(
            claim, by_model.get(model, []), measured_rows, match_unspecified_dataset
        )
        if not candidates:
            unmatched.append(_unmatched_claim(claim, reason) | {"_order": order})
            continue
        best = min(candidates, key=lambda m: _preference(claim, measured_rows[m]))
        used.add(best)
        pairs.append(_pair(claim, measured_rows[best], len(candidates), tolerance_pp))
    unmatched_claims.append(pd.DataFrame(unmatched, columns=[*UNMATCHED_COLUMNS, "_order"]))
    claim_side = pd.concat([f for f in unmatched_claims if len(f)] or unmatched_claims[:1])
    claim_side = claim_side.sort_values("_order", kind="stable").drop(columns="_order")
    measurement_side = [
        _unmatched_measurement(
            row,
            _measurement_reason(
                row, claimed_models, compared.get(row["_model"], []), match_unspecified_dataset
            ),
        )
        for m, row in enumerate(measured_rows)
        if m not in used
    ]
    unmatched_frame = pd.concat(
        [claim_side, pd.DataFrame(measurement_side, columns=UNMATCHED_COLUMNS)], ignore_index=True
    )
    pairs_frame = pd.DataFrame(pairs, columns=PAIR_COLUMNS)
    if not pairs_frame.empty:
        pairs_frame = pairs_frame.sort_values(
            ["measurement_source", "model_id", "metric", "claim_location"], kind="stable"
        ).reset_index(drop=True)
    return JoinResult(pairs_frame, unmatched_frame[UNMATCHED_COLUMNS])


def _unmatched_claims_frame(claims: pd.DataFrame, reasons: pd.Series) -> pd.DataFrame:
    """Unmatched-claim rows (UNMATCHED_COLUMNS + `_order`) built column-wise."""
    text = _text_column
    return pd.DataFrame(
        {
            "side": "claim",
            "model_id": claims["model_id"],
            "source": text(claims, "source"),
            "dataset": text(claims, "dataset_type").fillna(text(claims, "dataset_name")),
            "dataset_config": text(claims, "dataset_config"),
            "split": text(claims, "dataset_split"),
            "metric": text(claims, "metric"),
            "value": claims.get("value"),
            "scale": text(claims, "unit_scale"),
            "location": text(claims, "location"),
            "reason": reasons,
            "_order": claims.index,
        },
        columns=[*UNMATCHED_COLUMNS, "_order"],
    )


def _clean(row: dict) -> dict:
    """Missing values (NaN, pd.NA) as None, so that `or` fallbacks work on them."""
    return {
        k: None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v
        for k, v in row.items()
    }


def _prepared_measurements(measurements: pd.DataFrame) -> list[dict]:
    rows = [_clean(row) for row in measurements.to_dict("records")]
    for row in rows:
        row["_model"] = str(row["model_id"]).lower()
        row["_metric"] = canonical_metric(row.get("metric"))[0]
        row["_dataset"] = canonical_dataset(row.get("dataset"))
        row["_pp"] = to_percentage_points(row.get("value"), row.get("scale"))
    return rows


def _candidates(
    claim: dict, indices: list[int], measured: list[dict], unspecified: bool
) -> tuple[list[int], str]:
    """Indices of the measurements matching a claim, or the reason there are none."""
    if not indices:
        return [], "no measurement for model"
    ids = _claim_datasets(claim)
    if not any(ids) and not unspecified:
        return [], "claim names no dataset (unspecified datasets not matched)"
    on_dataset = [m for m in indices if _dataset_match(ids, measured[m]["_dataset"])]
    if not on_dataset:
        return (
            [],
            f"dataset differs (measured: {_listing(measured[m]['dataset'] for m in indices)})",
        )
    same_setup = [
        m
        for m in on_dataset
        if _agrees(claim.get("dataset_config"), measured[m].get("dataset_config"))
        and _agrees(claim.get("dataset_split"), measured[m].get("split"))
    ]
    if not same_setup:
        return [], "dataset config or split differs"
    same_metric = [m for m in same_setup if measured[m]["_metric"] == claim["metric"]]
    if not same_metric:
        return (
            [],
            f"metric differs (measured: {_listing(measured[m]['_metric'] for m in same_setup)})",
        )
    return same_metric, ""


def _listing(values) -> str:
    distinct = sorted({str(v) for v in values if v is not None and v == v})
    return ", ".join(distinct[:5]) + (", ..." if len(distinct) > 5 else "")


def _preference(claim: dict, row: dict) -> tuple:
    """Sort key: best dataset match, then latest date, then most favourable to the claim."""
    match = MATCH_RANK[
        _dataset_match(_claim_datasets(claim), row["_dataset"]) or "claim unspecified"
    ]
    higher = metric_info(claim["metric"]).higher_is_better is not False
    value = row["_pp"] if not math.isnan(row["_pp"]) else _float(row.get("value"))
    favourable = -value if higher else value
    return (match, -_day(row.get("measured_at")), favourable, str(row.get("source_detail")))


def _day(value: object) -> float:
    """Days since year 1 of an ISO date; -inf when unknown (sorts after any real date)."""
    try:
        return float(date.fromisoformat(str(value)[:10]).toordinal())
    except ValueError:
        return -math.inf


def _float(value: object) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def _pair(claim: dict, row: dict, n_candidates: int, tolerance: float) -> dict:
    info = metric_info(claim["metric"])
    claimed_pp = to_percentage_points(claim.get("value"), claim.get("unit_scale"))
    measured_pp = row["_pp"]
    difference = claimed_pp - measured_pp
    discrepancy = difference if info.higher_is_better is not False else -difference
    if math.isnan(discrepancy):
        verdict = "not comparable"
    elif discrepancy > tolerance:
        verdict = "overstated"
    elif discrepancy < -tolerance:
        verdict = "understated"
    else:
        verdict = "within tolerance"
    ids = _claim_datasets(claim)
    return {
        "model_id": claim["model_id"],
        "task": claim.get("task_type") or claim.get("pipeline_tag") or "unknown",
        "claim_source": claim.get("source"),
        "measurement_source": row.get("source"),
        "claim_dataset": claim.get("dataset_type") or claim.get("dataset_name"),
        "measured_dataset": row.get("dataset"),
        "dataset_match": _dataset_match(ids, row["_dataset"]),
        "dataset_config": claim.get("dataset_config") or row.get("dataset_config"),
        "split": claim.get("dataset_split") or row.get("split"),
        "metric": claim["metric"],
        "higher_is_better": info.higher_is_better,
        "claimed_value": claim.get("value"),
        "claimed_scale": claim.get("unit_scale"),
        "measured_value": row.get("value"),
        "measured_scale": row.get("scale"),
        "claimed_pp": claimed_pp,
        "measured_pp": measured_pp,
        "difference_pp": difference,
        "discrepancy_pp": discrepancy,
        "tolerance_pp": float(tolerance),
        "verdict": verdict,
        "n_candidates": n_candidates,
        "claim_confidence": claim.get("confidence"),
        "claim_location": claim.get("location"),
        "entry_name": claim.get("entry_name"),
        "measured_at": row.get("measured_at"),
        "source_detail": row.get("source_detail"),
    }


def _measurement_reason(
    row: dict, claimed: set[str], compared: list[dict], unspecified: bool
) -> str:
    """Why an unused measurement is unpaired (checked against the model's compared claims)."""
    if row["_model"] not in claimed:
        return "no claim for model"
    if not compared:
        return "model's claims are not compared (unparsed, bot-written, verified or low confidence)"
    if row.get("scale") not in SCALES or (math.isnan(row["_pp"]) and row.get("scale") != "raw"):
        return "measurement value or scale unusable"
    on_dataset = [
        c
        for c in compared
        if (unspecified or _claim_datasets(c) != (None, None))
        and _dataset_match(_claim_datasets(c), row["_dataset"])
    ]
    if not on_dataset:
        claimed_datasets = (c.get("dataset_type") or c.get("dataset_name") for c in compared)
        return f"dataset differs (claimed: {_listing(claimed_datasets)})"
    same_setup = [
        c
        for c in on_dataset
        if _agrees(c.get("dataset_config"), row.get("dataset_config"))
        and _agrees(c.get("dataset_split"), row.get("split"))
    ]
    if not same_setup:
        return "dataset config or split differs"
    if not any(c["metric"] == row["_metric"] for c in same_setup):
        return f"metric differs (claimed: {_listing(c['metric'] for c in same_setup)})"
    return "superseded by another measurement of the same claim (a closer or more favourable one)"


def _claim_datasets(claim: dict) -> tuple[str | None, str | None]:
    return canonical_dataset(claim.get("dataset_type")), canonical_dataset(
        claim.get("dataset_name")
    )


def _unmatched_claim(claim: dict, reason: str) -> dict:
    return {
        "side": "claim",
        "model_id": claim.get("model_id"),
        "source": claim.get("source"),
        "dataset": claim.get("dataset_type") or claim.get("dataset_name"),
        "dataset_config": claim.get("dataset_config"),
        "split": claim.get("dataset_split"),
        "metric": claim.get("metric"),
        "value": claim.get("value"),
        "scale": claim.get("unit_scale"),
        "location": claim.get("location"),
        "reason": reason,
    }


def _unmatched_measurement(row: dict, reason: str) -> dict:
    return {
        "side": "measurement",
        "model_id": row.get("model_id"),
        "source": row.get("source"),
        "dataset": row.get("dataset"),
        "dataset_config": row.get("dataset_config"),
        "split": row.get("split"),
        "metric": row["_metric"],
        "value": row.get("value"),
        "scale": row.get("scale"),
        "location": row.get("source_detail"),
        "reason": reason,
    }
