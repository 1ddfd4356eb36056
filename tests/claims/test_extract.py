"""Claims extraction: reconciled with the raw sample records by an independent walk of the
JSON, plus synthetic malformed entries (marked) that must be counted, never raised."""

from __future__ import annotations

import json
import math
from collections import Counter

import pandas as pd
import pytest

from pipeline.claims.extract import (
    RULE_LEADERBOARD,
    RULE_TOKEN,
    bot_rule,
    claims_from_model,
    claims_table,
    claims_with_diagnostics,
    counts_by_source,
)
from pipeline.claims.schema import CLAIMS_COLUMNS


def _raw_model_index(record: dict) -> object:
    """Independent rule: the card's model-index if present, else the top-level one."""
    card = record.get("cardData")
    if isinstance(card, dict) and card.get("model-index") is not None:
        return card["model-index"]
    return record.get("model-index")


def _raw_metric_entries(records: list[dict]) -> dict[str, list[object]]:
    """Every element of every `results[].metrics` list, per model, straight from the JSON."""
    found: dict[str, list[object]] = {}
    for record in records:
        model_index = _raw_model_index(record)
        if not isinstance(model_index, list):
            continue
        for entry in model_index:
            for result in (entry.get("results") or []) if isinstance(entry, dict) else []:
                metrics = result.get("metrics") if isinstance(result, dict) else None
                for metric in metrics if isinstance(metrics, list) else []:
                    found.setdefault(record["id"], []).append(metric)
    return found


def test_every_model_index_value_is_a_claim(
    sample_records: list[dict], sample_claims: pd.DataFrame
) -> None:
    raw = _raw_metric_entries(sample_records)
    claims = sample_claims[sample_claims["source"] == "model-index"]
    assert sum(len(v) for v in raw.values()) == len(claims) == 1682
    per_model = claims.groupby("model_id").size().to_dict()
    assert per_model == {model: len(metrics) for model, metrics in raw.items()}
    # every row is parsed or says why not
    assert set(claims["parse_status"]) == {"ok", "unparsed"}
    assert claims.loc[claims["parse_status"] == "unparsed", "parse_reason"].notna().all()
    assert (
        claims["location"].is_unique
        or claims.groupby("model_id")["location"].apply(lambda s: s.is_unique).all()
    )


def test_numeric_raw_values_are_kept_exactly(
    sample_records: list[dict], sample_claims: pd.DataFrame
) -> None:
    raw_numbers = [
        float(m["value"])
        for metrics in _raw_metric_entries(sample_records).values()
        for m in metrics
        if isinstance(m, dict)
        and isinstance(m.get("value"), int | float)
        and not isinstance(m.get("value"), bool)
    ]
    numeric_rows = sample_claims[
        (sample_claims["source"] == "model-index")
        & sample_claims["value_text"].str.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", na=False)
    ]
    assert len(numeric_rows) == len(raw_numbers) == 778
    assert (numeric_rows["parse_status"] == "ok").all()
    assert math.fsum(numeric_rows["value"]) == pytest.approx(math.fsum(raw_numbers))


def test_models_with_a_value_are_the_hub_tagged_ones(
    sample_records: list[dict], sample_claims: pd.DataFrame
) -> None:
    """The Hub tags `model-index` exactly the models whose model-index holds a value (on
    the per-model records: the 15 listing records, without `sha`, have no card data)."""
    per_model = [r for r in sample_records if "sha" in r]
    tagged = {r["id"] for r in per_model if "model-index" in (r.get("tags") or [])}
    with_value = set(sample_claims.loc[sample_claims["value_text"].notna(), "model_id"])
    assert with_value == tagged
    assert len(tagged) == 1059


def test_counts_by_source_and_status(sample_claims: pd.DataFrame) -> None:
    counts = counts_by_source(sample_claims).set_index(["source", "parse_status"])
    assert counts.loc[("model-index", "ok"), "claims"] == 1681
    assert counts.loc[("model-index", "unparsed"), "claims"] == 1  # qqpann/...: a dict value
    assert counts["bot_written"].sum() == 99
    assert counts["verified"].sum() == 0  # no Hub-verified metric in the sample


def test_bot_written_equals_leaderboard_sourced_metrics(
    sample_records: list[dict], sample_claims: pd.DataFrame
) -> None:
    expected = Counter()
    for record in sample_records:
        model_index = _raw_model_index(record)
        for entry in model_index if isinstance(model_index, list) else []:
            for result in entry.get("results") or []:
                source = json.dumps(result.get("source") or {}).lower()
                if "leaderboard" in source:
                    expected[record["id"]] += len(result.get("metrics") or [])
    bots = sample_claims[sample_claims["bot_written"] == True]  # noqa: E712
    assert bots.groupby("model_id").size().to_dict() == dict(expected)
    assert set(bots["bot_rule"]) == {RULE_LEADERBOARD}
    assert "152334H/miqu-1-70b-sf" in expected


def test_sample_diagnostics(sample_claims_and_diagnostics) -> None:
    _, diagnostics = sample_claims_and_diagnostics
    assert diagnostics["models"] == 7868
    assert diagnostics["model_index_from_card"] == 1640
    # 21iridescent/RoBERTa-base-finetuned-squad2-lwt and qzheng75/swin-tiny-...: the Hub's
    # top-level model-index is a schema-validation error message, not a list
    assert diagnostics["model_index_from_top_level"] == 2
    assert diagnostics["model_index_schema_error"] == 2
    assert diagnostics["claims_model-index"] == 1682
    assert diagnostics["values_unparsed"] == 1


def test_claims_schema_columns(sample_claims: pd.DataFrame) -> None:
    assert list(sample_claims.columns) == CLAIMS_COLUMNS
    assert set(sample_claims["confidence"]) == {"high"}
    assert set(sample_claims["unit_scale"].dropna()) <= {"fraction", "percent", "raw"}


def test_leaderboard_claim_fields(sample_claims: pd.DataFrame) -> None:
    rows = sample_claims[sample_claims["model_id"] == "152334H/miqu-1-70b-sf"]
    arc = rows[rows["dataset_type"] == "ai2_arc"].iloc[0]
    assert (arc["dataset_config"], arc["dataset_split"], arc["metric"]) == (
        "ARC-Challenge",
        "test",
        "acc_norm",
    )
    assert arc["value"] == 73.04 and arc["unit_scale"] == "percent"
    assert json.loads(arc["dataset_args"]) == {"num_few_shot": 25}
    assert arc["task_type"] == "text-generation" and arc["source_name"] == "Open LLM Leaderboard"


# Synthetic malformed model-indexes (made up here): (model_index, expected rows, diagnostic).
MALFORMED = [
    ({"error": "Schema validation error"}, 0, "model_index_schema_error"),
    ("model-index", 0, "model_index_not_a_list"),
    ([None, 3, "x"], 0, "entry_not_a_mapping"),
    ([{"name": "no results"}], 0, "results_missing_or_not_a_list"),
    ([{"results": "text"}], 0, "results_missing_or_not_a_list"),
    ([{"results": [None, 1]}], 0, "result_not_a_mapping"),
    ([{"results": [{"metrics": {"value": 1}}]}], 0, "metrics_missing_or_not_a_list"),
    ([{"results": [{"metrics": ["acc", 3, None]}]}], 3, "metric_not_a_mapping"),
    ([{"results": [{"metrics": [{"type": "acc"}]}]}], 1, "metric_without_value"),
    (
        [{"results": [{"task": "x", "dataset": [1], "metrics": [{"value": 1}]}]}],
        1,
        "dataset_not_a_mapping",
    ),
    ([{"results": [{"source": 5, "metrics": [{"value": 1}]}]}], 1, "source_not_a_mapping"),
    ([{"results": [{"metrics": [{"type": "acc", "value": math.nan}]}]}], 1, "values_unparsed"),
    ([{"results": [{"metrics": [{"type": "acc", "value": 1e400}]}]}], 1, "values_unparsed"),
    (
        [{"name": ["x"], "results": [{"metrics": [{"type": {"a": 1}, "value": "71"}]}]}],
        1,
        "values_ok",
    ),
]


@pytest.mark.parametrize(("model_index", "rows", "diagnostic"), MALFORMED)
def test_malformed_model_index_is_counted(model_index: object, rows: int, diagnostic: str) -> None:
    counts: Counter = Counter()
    claims = claims_from_model("a/b", None, json.dumps(model_index), diagnostics=counts)
    assert len(claims) == rows
    assert counts[diagnostic] >= 1
    assert all(c["parse_status"] in ("ok", "unparsed") for c in claims)
    assert all(c["parse_reason"] for c in claims if c["parse_status"] == "unparsed")


def test_card_model_index_wins_and_bad_json_falls_back() -> None:
    # synthetic: same model, the card's model-index and a different top-level one
    card = json.dumps({"model-index": [{"results": [{"metrics": [{"type": "acc", "value": 1}]}]}]})
    top = json.dumps([{"results": [{"metrics": [{"type": "acc", "value": 2}]}]}])
    assert [c["value"] for c in claims_from_model("a/b", card, top)] == [1.0]
    counts: Counter = Counter()
    assert [c["value"] for c in claims_from_model("a/b", "{not json", top, diagnostics=counts)] == [
        2.0
    ]
    assert counts["card_data_invalid_json"] == 1
    assert claims_from_model("a/b", "{not json", "[also not", diagnostics=counts) == []
    assert counts["model_index_invalid_json"] == 1


def test_verify_token_marks_bot_and_verified() -> None:
    # synthetic: the shape the Hub's evaluation service writes
    model_index = [
        {
            "name": "m",
            "results": [
                {
                    "task": {"type": "text-classification"},
                    "dataset": {
                        "type": "glue",
                        "name": "GLUE",
                        "config": "sst2",
                        "split": "validation",
                    },
                    "metrics": [
                        {"type": "accuracy", "value": 0.92, "verified": True, "verifyToken": "eyJ"},
                        {"type": "f1", "value": 0.91, "verified": False},
                    ],
                }
            ],
        }
    ]
    signed, author = claims_from_model("a/b", json.dumps({"model-index": model_index}), None)
    assert (signed["verified"], signed["verify_token"], signed["bot_rule"]) == (
        True,
        True,
        RULE_TOKEN,
    )
    assert (author["verified"], author["verify_token"], author["bot_written"]) == (
        False,
        False,
        False,
    )


@pytest.mark.parametrize(
    ("name", "url", "token", "rule"),
    [
        (
            "Open LLM Leaderboard",
            "https://huggingface.co/spaces/HuggingFaceH4/open_llm_leaderboard?query=x",
            False,
            RULE_LEADERBOARD,
        ),
        ("Open Portuguese LLM Leaderboard", None, False, RULE_LEADERBOARD),
        (
            None,
            "https://huggingface.co/datasets/open-llm-leaderboard/results/blob/main/x.json",
            False,
            RULE_LEADERBOARD,
        ),
        (None, "https://tatsu-lab.github.io/alpaca_eval/", False, None),  # the author cites it
        (
            None,
            "https://huggingface.co/spaces/autoevaluate/model-evaluator",
            False,
            "source is AutoEvaluate/AutoTrain evaluation",
        ),
        (None, None, True, RULE_TOKEN),
        (3, ["x"], False, None),
    ],
)
def test_bot_rule(name: object, url: object, token: bool, rule: str | None) -> None:
    assert bot_rule(name, url, token) == rule


def test_eval_results_entries() -> None:
    # synthetic, in the documented `.eval_results` shape (huggingface_hub EvalResultEntry
    # docstring examples), one wrapped as the API's `data`, plus a failed file and junk
    entries = [
        {
            "dataset": {"id": "cais/hle", "task_id": "default"},
            "value": 20.90,
            "source": {"url": "https://huggingface.co/datasets/cais/hle", "name": "CAIS HLE"},
        },
        {
            "filename": "gpqa.yaml",
            "data": {
                "dataset": {"id": "Idavidrein/gpqa", "task_id": "gpqa_diamond"},
                "value": 0.412,
                "verifyToken": "eyJ",
            },
        },
        {"filename": "bad.yaml", "error": "Invalid YAML"},
        {"dataset": "x", "value": "n/a"},
        7,
    ]
    counts: Counter = Counter()
    extra = json.dumps({"evalResults": entries})
    models = pd.DataFrame(
        {"id": ["a/b"], "card_data": [None], "model_index": [None], "extra_json": [extra]}
    )
    claims, diagnostics = claims_with_diagnostics(models)
    assert list(claims["source"]) == ["eval_results"] * 5
    assert list(claims["dataset_type"][:2]) == ["cais/hle", "Idavidrein/gpqa"]
    assert list(claims["dataset_config"][:2]) == ["default", "gpqa_diamond"]
    assert list(claims["parse_status"]) == ["ok", "ok", "unparsed", "unparsed", "unparsed"]
    assert claims["verify_token"].tolist()[:2] == [False, True]
    assert diagnostics["eval_results_entries"] == 5 and diagnostics["eval_results_errors"] == 1
    assert claims_from_model("a/b", None, None, eval_results="not json", diagnostics=counts) == []
    assert claims_from_model("a/b", None, None, eval_results={"a": 1}, diagnostics=counts) == []
    assert counts["eval_results_not_a_list"] == 1


def test_card_body_claims_and_pipeline_tag(card_samples: dict[str, str]) -> None:
    body = card_samples["speechbrain/vad-crdnn-libriparty"]
    models = pd.DataFrame(
        {
            "id": ["speechbrain/vad-crdnn-libriparty"],
            "card_data": [None],
            "model_index": [None],
            "pipeline_tag": ["voice-activity-detection"],
            "card_body": [body],
        }
    )
    claims = claims_table(models)
    assert set(claims["source"]) == {"card-table"}
    assert set(claims["pipeline_tag"]) == {"voice-activity-detection"}
    assert set(claims["confidence"]) == {"low"}


def test_missing_columns_named() -> None:
    with pytest.raises(ValueError, match=r"model_index"):
        claims_table(pd.DataFrame({"id": ["a"], "card_data": [None]}))


def test_empty_models_give_empty_claims() -> None:
    claims = claims_table(pd.DataFrame(columns=["id", "card_data", "model_index"]))
    assert claims.empty and list(claims.columns) == CLAIMS_COLUMNS
