"""Counting under current ids: the paper's ids matched through renames, base-model fan-in and
datasets under one id per model. SYNTHETIC small tables (names from the real sample's
renames), each a case the real sample does not isolate."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipeline.analyze.figure6 import DatasetCounter
from pipeline.analyze.names import current, match_paper_ids
from pipeline.analyze.run import _BaseModelCounter
from pipeline.analyze.source import to_arrow


def test_paper_ids_as_written_via_rename_and_not_at_all():
    paper = ["bert-base-uncased", "a/kept", "gone/model", "old/name"]
    snapshot = {"google-bert/bert-base-uncased", "a/kept", "other/x"}
    renames = {"bert-base-uncased": "google-bert/bert-base-uncased", "old/name": "new/gone"}
    match = match_paper_ids(paper, snapshot, renames)
    assert (match.as_written, match.via_rename, match.not_found) == (1, 1, 2)
    assert match.population == ["a/kept", "google-bert/bert-base-uncased"]


def _batch(column: str, values: list) -> pa.RecordBatch:
    return to_arrow(pd.DataFrame({column: values}), "models").to_batches()[0]


def test_base_model_fan_in_counts_legacy_references_for_the_current_id():
    renames = {"distilbert-base-uncased": "distilbert/distilbert-base-uncased"}
    values = [
        ["distilbert-base-uncased"],
        ["distilbert/distilbert-base-uncased"],
        ["distilbert-base-uncased", "distilbert/distilbert-base-uncased"],  # once per model
        ["x/y"],
        ["x/y"],
    ]
    counter = _BaseModelCounter(renames)
    counter.add(_batch("base_models", values))
    assert counter.top() == ("distilbert/distilbert-base-uncased", 3)
    plain = _BaseModelCounter()
    plain.add(_batch("base_models", values))
    assert plain.top() == ("distilbert-base-uncased", 2)  # split in two rows of 2


def test_datasets_count_once_under_the_current_id_and_builders_apart():
    counter = DatasetCounter({"squad": "rajpurkar/squad"})
    counter.add(
        _batch(
            "datasets",
            [["squad", "rajpurkar/squad"], ["squad"], ["imagefolder"], ["JSON", "glue"], None],
        )
    )
    table = counter.table({}).set_index("dataset")
    assert table.loc["rajpurkar/squad", "models"] == 2
    assert "squad" not in table.index and "imagefolder" not in table.index
    assert table.loc["local files", ["kind", "models"]].tolist() == ["local-files", 2]
    assert table.loc["None", "models"] == 2  # no dataset, or only a builder


def test_current_keeps_unresolved_names_as_written():
    values = pa.array(["a", "b", None])
    assert current(values, {"a": "x/a"}).to_pylist() == ["x/a", "b", None]
