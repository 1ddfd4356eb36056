"""The join: matching rules on small synthetic tables (each case says what it checks), and
conservation on the real ICWSM, leaderboard and sample data."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.claims.join import canonical_dataset, pair_claims
from pipeline.claims.measurements import LEADERBOARD_DIR, leaderboard_measurements
from pipeline.claims.schema import CLAIMS, MEASUREMENTS, frame
from tests.claims.conftest import CLAIMS_DATA


def claim(**fields: object) -> dict:
    """A synthetic parsed model-index claim (defaults: a/b, glue/sst2 validation accuracy)."""
    row = {
        "model_id": "a/b",
        "source": "model-index",
        "location": "model-index[0].results[0].metrics[0]",
        "task_type": "text-classification",
        "dataset_type": "glue",
        "dataset_config": "sst2",
        "dataset_split": "validation",
        "metric": "accuracy",
        "value": 0.92,
        "unit_scale": "fraction",
        "parse_status": "ok",
        "verified": False,
        "bot_written": False,
        "confidence": "high",
    }
    row.update(fields)
    return row


def measured(**fields: object) -> dict:
    """A synthetic measurement matching `claim()` by default (90.0 percent)."""
    row = {
        "model_id": "a/b",
        "dataset": "glue",
        "dataset_config": "sst2",
        "split": "validation",
        "metric": "acc",
        "value": 90.0,
        "scale": "percent",
        "source": "own-run",
        "source_detail": "run 1",
        "measured_at": "2024-01-01",
    }
    row.update(fields)
    return row


def join(claims: list[dict], measurements: list[dict], **options):
    return pair_claims(frame(claims, CLAIMS), frame(measurements, MEASUREMENTS), **options)


def test_scales_aliases_and_sign() -> None:
    result = join([claim()], [measured()])
    pair = result.pairs.iloc[0]
    # 0.92 (fraction) vs 90.0 (percent), metric acc = accuracy
    assert pair["claimed_pp"] == pytest.approx(92.0) and pair["measured_pp"] == 90.0
    assert pair["discrepancy_pp"] == pytest.approx(2.0) and pair["verdict"] == "overstated"
    assert pair["dataset_match"] == "exact" and result.unmatched.empty


def test_lower_is_better_flips_the_sign() -> None:
    # a claimed WER of 10% against a measured 12%: the claim is better, so positive
    result = join(
        [claim(metric="wer", value=10.0, unit_scale="percent")],
        [measured(metric="wer", value=0.12, scale="fraction")],
    )
    pair = result.pairs.iloc[0]
    assert pair["difference_pp"] == pytest.approx(-2.0)
    assert pair["discrepancy_pp"] == pytest.approx(2.0) and pair["verdict"] == "overstated"


@pytest.mark.parametrize(
    ("measured_value", "verdict"),
    [
        (91.5, "within tolerance"),
        (91.49, "overstated"),
        (92.5, "within tolerance"),
        (92.6, "understated"),
    ],
)
def test_tolerance_boundaries(measured_value: float, verdict: str) -> None:
    result = join([claim()], [measured(value=measured_value)], tolerance_pp=0.5)
    assert result.pairs.iloc[0]["verdict"] == verdict


@pytest.mark.parametrize("tolerance", [-0.1, float("nan"), float("inf"), "1"])
def test_bad_tolerance(tolerance: object) -> None:
    with pytest.raises(ValueError, match="tolerance"):
        join([claim()], [measured()], tolerance_pp=tolerance)


def test_dataset_aliases_and_owner_names() -> None:
    assert canonical_dataset(" cais/MMLU ") == "mmlu" == canonical_dataset("hendrycks_test")
    assert canonical_dataset("") is None and canonical_dataset(3) is None
    result = join(
        [
            claim(dataset_type="cais/mmlu", dataset_config=None, dataset_split="test"),
            claim(dataset_type="someone/sst2_copy", dataset_config=None, location="x"),
        ],
        [
            measured(dataset="mmlu", dataset_config="all", split="test"),
            measured(dataset="other/sst2_copy", dataset_config=None),
        ],
    )
    assert result.pairs["dataset_match"].tolist() == ["exact", "name"]


@pytest.mark.parametrize(
    ("claim_fields", "measurement_fields", "reason"),
    [
        ({}, {"model_id": "c/d"}, "no measurement for model"),
        ({"dataset_type": "imdb", "dataset_name": "IMDb"}, {}, "dataset differs (measured: glue)"),
        ({"dataset_split": "test"}, {}, "dataset config or split differs"),
        ({"dataset_config": "mnli"}, {}, "dataset config or split differs"),
        ({"metric": "f1"}, {}, "metric differs (measured: accuracy)"),
        (
            {"parse_status": "unparsed", "parse_reason": "NaN", "value": None},
            {},
            "claim value unparsed: NaN",
        ),
        (
            {"unit_scale": "unknown", "parse_reason": "value 136"},
            {},
            "claim value's scale unknown: value 136",
        ),
        ({"verified": True}, {}, "Hub-verified value (used as a measurement, not as a claim)"),
        (
            {"bot_written": True, "bot_rule": "leaderboard"},
            {},
            "bot-written claim (leaderboard), not compared",
        ),
        (
            {"confidence": "low", "source": "card-table"},
            {},
            "low-confidence claim (card-table), not compared",
        ),
    ],
)
def test_unmatched_claim_reasons(claim_fields: dict, measurement_fields: dict, reason: str) -> None:
    result = join([claim(**claim_fields)], [measured(**measurement_fields)])
    assert result.pairs.empty
    claims = result.unmatched[result.unmatched["side"] == "claim"]
    assert claims["reason"].tolist() == [reason]
    assert (result.unmatched["side"] == "measurement").sum() == 1  # nothing disappears


def test_unmatched_measurement_reasons() -> None:
    result = join(
        [claim(), claim(model_id="e/f", bot_written=True, location="y")],
        [
            measured(),
            measured(source_detail="run 0", value=80.0),
            measured(model_id="c/d"),
            measured(dataset="imdb"),
            measured(metric="f1"),
            measured(model_id="e/f"),
        ],
    )
    measurements = result.unmatched[result.unmatched["side"] == "measurement"]
    reasons = measurements.set_index(["model_id", "dataset", "metric"])["reason"]
    assert reasons[("a/b", "glue", "accuracy")].startswith("superseded")
    assert reasons[("c/d", "glue", "accuracy")] == "no claim for model"
    assert reasons[("a/b", "imdb", "accuracy")] == "dataset differs (claimed: glue)"
    assert reasons[("a/b", "glue", "f1")] == "metric differs (claimed: accuracy)"
    assert reasons[("e/f", "glue", "accuracy")].startswith("model's claims are not compared")


def test_preference_latest_then_most_favourable() -> None:
    measurements = [
        measured(value=95.0, measured_at="2023-01-01", source_detail="old"),
        measured(value=85.0, measured_at="2024-06-01", source_detail="new, low"),
        measured(value=88.0, measured_at="2024-06-01", source_detail="new, high"),
    ]
    pair = join([claim()], measurements).pairs.iloc[0]
    assert pair["source_detail"] == "new, high" and pair["n_candidates"] == 3
    # for a lower-is-better metric the most favourable is the lowest
    low = join(
        [claim(metric="wer", value=0.1)],
        [
            measured(metric="wer", value=v, measured_at=None, source_detail=str(v))
            for v in (12.0, 11.0)
        ],
    ).pairs.iloc[0]
    assert low["measured_value"] == 11.0


def test_unspecified_dataset_and_switch() -> None:
    claims = [
        claim(
            dataset_type=None, dataset_config=None, dataset_split=None, metric="f1_macro", value=0.8
        )
    ]
    measurements = [
        measured(
            dataset=d,
            metric="f1_macro",
            value=v,
            scale="fraction",
            dataset_config=None,
            split=None,
            measured_at=None,
        )
        for d, v in (("tweet_eval", 0.4), ("imdb", 0.7))
    ]
    pair = join(claims, measurements).pairs.iloc[0]
    assert pair["dataset_match"] == "claim unspecified" and pair["measured_dataset"] == "imdb"
    assert pair["discrepancy_pp"] == pytest.approx(10.0)
    off = join(claims, measurements, match_unspecified_dataset=False)
    assert off.pairs.empty
    assert "claim names no dataset" in off.unmatched["reason"].iloc[0]


def test_options_include_bot_and_low_confidence() -> None:
    claims = [claim(bot_written=True, bot_rule="x"), claim(confidence="low", location="z")]
    assert join(claims, [measured()]).pairs.empty
    both = join(claims, [measured()], include_bot_written=True, include_low_confidence=True)
    assert len(both.pairs) == 2


def test_raw_units_are_paired_but_not_compared() -> None:
    pair = join(
        [claim(metric="perplexity", value=12.0, unit_scale="raw")],
        [measured(metric="perplexity", value=13.0, scale="raw")],
    ).pairs.iloc[0]
    assert pair["verdict"] == "not comparable"


def test_conservation_on_real_data(icwsm_join, sample_claims: pd.DataFrame) -> None:
    """Every claim and every measurement ends up exactly once: paired or unmatched."""
    icwsm_claims, icwsm_measured, _ = icwsm_join
    claims = pd.concat([sample_claims, icwsm_claims], ignore_index=True)
    measurements = pd.concat(
        [icwsm_measured, leaderboard_measurements(CLAIMS_DATA / LEADERBOARD_DIR)], ignore_index=True
    )
    result = pair_claims(claims, measurements)
    unmatched = result.unmatched
    assert len(result.pairs) + (unmatched["side"] == "claim").sum() == len(claims)
    assert len(result.pairs) + (unmatched["side"] == "measurement").sum() == len(measurements)
    assert unmatched["reason"].notna().all() and (unmatched["reason"] != "").all()
    # the sample's model-index claims meet no 2023 leaderboard entry: same pairs as ICWSM alone
    assert len(result.pairs) == len(icwsm_join[2].pairs) == 87
