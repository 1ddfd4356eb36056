"""Acceptance: the ICWSM audit's share of overstating models, recomputed here from the raw
curated files with the csv and json modules only, equals the pipeline's."""

from __future__ import annotations

import csv
import json
import math
import statistics
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as scipy_stats

from pipeline.claims.icwsm import file_stem_index, icwsm_claims, icwsm_measurements, model_ids
from pipeline.claims.stats import discrepancy_summary
from tests.claims.conftest import ICWSM

TOLERANCE_PP = 0.5


def _independent_discrepancies(root: Path) -> dict[str, float]:
    """Per model: 100 x (claimed macro-F1 - best measured f1 over the three benchmarks),
    for claims that are numbers within 0-1 and models with result files."""
    claimed: dict[str, float] = {}
    for name in ("reported_scores_m100_filtered.csv", "df_reported_scores_400models_filtered.csv"):
        with (root / "data" / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                try:
                    value = float(row["macro_f1"])
                except ValueError:
                    continue
                if 0 <= value <= 1:
                    claimed[row["model"]] = value
    listed: dict[str, str] = {}
    for name in (
        "models.csv",
        "models_combined.csv",
        *("reported_scores_m100_filtered.csv", "df_reported_scores_400models_filtered.csv"),
    ):
        with (root / "data" / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                listed[row["model"].replace("/", "_", 1)] = row["model"]
    best: dict[str, float] = {}
    for path in (root / "model_card_results_combined").glob("*/*_scores.json"):
        model = listed[path.name.removesuffix("_scores.json")]
        f1 = json.loads(path.read_text())["f1"]
        best[model] = max(best.get(model, -1.0), f1)
    return {m: 100 * (claimed[m] - best[m]) for m in claimed if m in best}


@pytest.fixture(scope="module")
def independent() -> dict[str, float]:
    return _independent_discrepancies(ICWSM)


@pytest.fixture(scope="module")
def summary(icwsm_join):
    return discrepancy_summary(icwsm_join[2].pairs, TOLERANCE_PP)


def test_share_overstating_matches_independent_count(independent, summary, icwsm_join) -> None:
    pairs = icwsm_join[2].pairs
    overall = summary[summary["grouping"] == "all"].iloc[0]
    over = sum(d > TOLERANCE_PP for d in independent.values())
    assert len(independent) == overall["n_pairs"] == overall["n_units"] == 87
    assert over == overall["n_overstated"] == 67
    assert overall["share_overstated"] == pytest.approx(over / len(independent))
    got = dict(zip(pairs["model_id"], pairs["discrepancy_pp"], strict=True))
    assert got.keys() == independent.keys()
    for model, value in independent.items():
        assert got[model] == pytest.approx(value, abs=1e-9)


def test_interval_and_median(independent, summary) -> None:
    overall = summary[summary["grouping"] == "all"].iloc[0]
    n, k = len(independent), sum(d > TOLERANCE_PP for d in independent.values())
    # Wilson score interval, written out
    z, p = 1.959963984540054, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert overall["share_ci_low"] == pytest.approx(centre - half, abs=1e-9)
    assert overall["share_ci_high"] == pytest.approx(centre + half, abs=1e-9)
    assert overall["median_pp"] == pytest.approx(statistics.median(independent.values()))
    assert overall["median_ci_low"] < overall["median_pp"] < overall["median_ci_high"]
    expected = scipy_stats.wilcoxon(np.array(list(independent.values())))
    assert overall["wilcoxon_p"] == pytest.approx(expected.pvalue)
    assert overall["wilcoxon_p"] < 1e-6


def test_claims_keep_unusable_values(icwsm_join) -> None:
    claims = icwsm_join[0]
    assert len(claims) == 96  # 21 + 75 reported values
    dash = claims[claims["value_text"] == "-"].iloc[0]
    assert dash["parse_status"] == "unparsed" and "placeholder" in dash["parse_reason"]
    over_one = claims[claims["value_text"] == "1.36"].iloc[0]
    assert over_one["parse_status"] == "ok" and over_one["unit_scale"] == "unknown"
    unmatched = icwsm_join[2].unmatched
    reasons = unmatched[unmatched["side"] == "claim"]["reason"]
    assert reasons.str.startswith("claim value unparsed").sum() == 1
    assert reasons.str.startswith("claim value's scale unknown").sum() == 1
    assert (reasons == "no measurement for model").sum() == 7


def test_file_names_resolve_through_model_lists() -> None:
    index = file_stem_index(model_ids(ICWSM))
    assert index["RogerKam_roberta_RCADE_fine_tuned_sentiment_covid_news"] == (
        "RogerKam/roberta_RCADE_fine_tuned_sentiment_covid_news"
    )
    measurements = icwsm_measurements(ICWSM)
    assert not measurements["source_detail"].str.contains("guessed").any()
    assert measurements["model_id"].nunique() == 89
    assert len(measurements) == 89 * 3 * 4  # models x datasets x (accuracy, f1, precision, recall)
    assert set(measurements["metric"]) == {
        "accuracy",
        "f1_macro",
        "precision_macro",
        "recall_macro",
    }


def test_missing_files_raise(tmp_path: Path) -> None:
    from pipeline.claims.errors import MeasurementsError

    with pytest.raises(MeasurementsError, match="not found"):
        icwsm_claims(tmp_path)
    with pytest.raises(MeasurementsError, match="results folder not found"):
        icwsm_measurements(tmp_path)
