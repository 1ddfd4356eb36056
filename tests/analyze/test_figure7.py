"""Figure 7 table: checked against counts computed independently from the raw records."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.analyze.claims import has_machine_parseable_claim
from pipeline.analyze.figure7 import (
    PAPER_TASKS,
    assess_models,
    figure7_diagnostics,
    figure7_table,
    task_of,
)
from tests.analyze.sample_models import records_to_models

REFERENCE = Path(__file__).resolve().parents[2] / "pipeline" / "reference" / "icse23.yaml"


@pytest.fixture(scope="module")
def paper_tasks() -> list[str]:
    """Task order straight from the reference file (not from the code under test)."""
    return list(yaml.safe_load(REFERENCE.read_text())["figure_7"])


@pytest.fixture(scope="module")
def sample_models(sample_records: list[dict]) -> pd.DataFrame:
    return records_to_models(sample_records)


def _counts_from_tags(records: list[dict], tasks: list[str]) -> dict[str, tuple[int, int]]:
    """Independent method: the Hub's own `model-index` tag, tasks mapped by hand."""
    models, with_claims = Counter(), Counter()
    for record in records:
        tag = record.get("pipeline_tag")
        task = tag if tag in tasks else "other"
        models[task] += 1
        with_claims[task] += "model-index" in (record.get("tags") or [])
    return {task: (with_claims[task], models[task]) for task in tasks}


def _as_dict(table: pd.DataFrame) -> dict[str, tuple[int, int]]:
    return {row.task: (int(row.models_with_claims), int(row.models)) for row in table.itertuples()}


def test_paper_tasks_match_reference(paper_tasks: list[str]) -> None:
    assert [*PAPER_TASKS, "other"] == paper_tasks


def test_sample_counts_equal_tag_counts(
    sample_records: list[dict], sample_models: pd.DataFrame, paper_tasks: list[str]
) -> None:
    table = figure7_table(sample_models)
    assert list(table["task"]) == paper_tasks
    assert _as_dict(table) == _counts_from_tags(sample_records, paper_tasks)
    assert table["models"].sum() == len(sample_records) == 7868
    assert table["models_with_claims"].sum() == 1060
    expected_share = table["models_with_claims"] / table["models"]
    assert table["share"].tolist() == pytest.approx(expected_share.tolist())


def test_tag_iff_card_model_index_has_value(sample_records: list[dict]) -> None:
    """Real finding (design.md): on per-model records (those carrying card data), the Hub's
    `model-index` tag is present iff the card's model-index holds a metric value."""
    per_model = [r for r in sample_records if "cardData" in r]
    assert len(per_model) == 5320
    mismatches = [
        r["id"]
        for r in per_model
        if has_machine_parseable_claim((r["cardData"] or {}).get("model-index"))
        != ("model-index" in r["tags"])
    ]
    assert mismatches == []
    assert sum("model-index" in r["tags"] for r in per_model) == 1059


def test_card_json_alone_gives_the_same_counts(
    sample_records: list[dict], sample_models: pd.DataFrame, paper_tasks: list[str]
) -> None:
    """Without tags, claims come from the JSON only: equal to the tag counts over the records
    that carry card data (the listing-only records then count as no claim)."""
    table = figure7_table(sample_models.drop(columns=["tags"]))
    with_card = [r for r in sample_records if "cardData" in r or "model-index" in r]
    expected = _counts_from_tags(with_card, paper_tasks)
    got = _as_dict(table)
    assert {t: k for t, (k, _) in got.items()} == {t: k for t, (k, _) in expected.items()}
    assert table["models"].sum() == len(sample_records)


def test_tags_only_listing_gives_the_same_table(sample_models: pd.DataFrame) -> None:
    light = sample_models.assign(card_data=None, model_index=None)
    pd.testing.assert_frame_equal(figure7_table(light), figure7_table(sample_models))
    assert figure7_diagnostics(light)["decided_by_tag"] == len(sample_models)


def test_sample_diagnostics(sample_models: pd.DataFrame) -> None:
    diagnostics = figure7_diagnostics(sample_models)
    assert diagnostics == {
        "models": 7868,
        "models_with_claims": 1060,
        "decided_by_model_index": 5320,
        "decided_by_tag": 2548,
        "claims_by_tag": 1,  # Intel/dynamic_tinybert, a listing record without card data
        "no_metadata": 0,
        "unparseable_json": 0,
    }


def _frame(rows: list[dict]) -> pd.DataFrame:
    columns = ["id", "pipeline_tag", "tags", "card_data", "model_index"]
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


CLAIM = json.dumps({"model-index": [{"results": [{"metrics": [{"value": 0.9}]}]}]})


@pytest.mark.parametrize("empty", [pd.DataFrame(), _frame([])])
def test_empty_input_gives_fifteen_zero_rows(empty: pd.DataFrame) -> None:
    table = figure7_table(empty)
    assert list(table.columns) == ["task", "models_with_claims", "models", "share"]
    assert list(table["task"]) == [*PAPER_TASKS, "other"]
    assert (table[["models_with_claims", "models"]] == 0).all().all()
    assert (table["share"] == 0.0).all()


def test_null_and_unknown_tasks_go_to_other() -> None:
    models = _frame(
        [
            {"pipeline_tag": None, "card_data": CLAIM},
            {"pipeline_tag": "text-to-image", "card_data": CLAIM},
            {"pipeline_tag": "reinforcement-learning"},
            {"pipeline_tag": "fill-mask", "card_data": CLAIM},
        ]
    )
    table = figure7_table(models).set_index("task")
    assert tuple(table.loc["other", ["models_with_claims", "models"]]) == (2, 3)
    assert tuple(table.loc["fill-mask", ["models_with_claims", "models"]]) == (1, 1)
    assert table.loc["translation", "share"] == 0.0
    assert len(table) == 15


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "other"), ("translation", "translation"), ("Translation", "other"), (3, "other")],
)
def test_task_of(value: object, expected: str) -> None:
    assert task_of(value) == expected


def test_junk_rows_never_crash_and_are_counted() -> None:
    """Synthetic junk: bad JSON (falls back to the tag), odd types, missing values."""
    models = _frame(
        [
            {"pipeline_tag": "translation", "card_data": '{"metrics": [', "tags": ["model-index"]},
            {"pipeline_tag": "translation", "model_index": "not json metrics", "tags": None},
            {"pipeline_tag": "translation", "card_data": json.dumps({"metrics": ["acc"]})},
            {"pipeline_tag": float("nan"), "tags": "model-index"},
            {"pipeline_tag": 7, "tags": [], "card_data": None},
            {"pipeline_tag": "translation"},
            {"pipeline_tag": "translation", "model_index": CLAIM},  # card-shaped, not a list
        ]
    )
    table = figure7_table(models).set_index("task")
    assert tuple(table.loc["translation", ["models_with_claims", "models"]]) == (1, 5)
    assert tuple(table.loc["other", ["models_with_claims", "models"]]) == (1, 2)
    assessed = assess_models(models)
    assert assessed["unparseable"].tolist() == [True, True, False, False, False, False, False]
    diagnostics = figure7_diagnostics(models)
    assert diagnostics["unparseable_json"] == 2
    assert diagnostics["no_metadata"] == 2  # row 2 (bad JSON, tags None) and row 6


def test_missing_pipeline_tag_column_is_named() -> None:
    with pytest.raises(ValueError, match="pipeline_tag"):
        figure7_table(pd.DataFrame({"card_data": [CLAIM]}))


def test_needs_some_claim_evidence() -> None:
    with pytest.raises(ValueError, match="card_data"):
        figure7_table(pd.DataFrame({"pipeline_tag": ["translation"]}))


def test_junk_tags_never_crash() -> None:
    """Synthetic junk in the tags column: only the clear cases are asserted."""
    tags = [None, float("nan"), "model-index", ["a", "model-index"], 5, [], [["x"]], {"a"}]
    models = pd.DataFrame(
        {"pipeline_tag": [None] * len(tags), "tags": pd.Series(tags, dtype=object)}
    )
    assessed = assess_models(models)
    assert assessed["claim"].tolist()[:6] == [False, False, True, True, False, False]
    assert assessed["evidence"].tolist()[:3] == ["none", "none", "tag"]


def test_arrow_path_equals_pandas_path(sample_models: pd.DataFrame, sample_table) -> None:
    """The batch (Arrow) assessment used on snapshots gives the pandas assessment."""
    from pipeline.analyze.figure7 import Figure7Counter, assess_batch

    expected = assess_models(sample_models).reset_index(drop=True)
    got = assess_batch(sample_table)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    counter = Figure7Counter()
    for batch in sample_table.to_batches(max_chunksize=1000):
        counter.add(batch)
    pd.testing.assert_frame_equal(counter.table(), figure7_table(sample_models))
    assert counter.diagnostics() == figure7_diagnostics(sample_models)


def test_arrow_path_tags_only_and_missing_tags(sample_table) -> None:
    import pyarrow as pa

    from pipeline.analyze.figure7 import assess_batch

    light = sample_table.select(["pipeline_tag", "tags"])
    assessed = assess_batch(light)
    assert int(assessed["claim"].sum()) == 1060
    assert set(assessed["evidence"]) == {"tag"}
    no_tags = light.set_column(1, "tags", pa.nulls(len(light), pa.list_(pa.string())))
    assert set(assess_batch(no_tags)["evidence"]) == {"none"}
