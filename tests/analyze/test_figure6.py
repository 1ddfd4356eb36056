"""Figure 6 tables: checked against counts computed straight from the raw records."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.analyze.figure6 import (
    ArchitectureCounter,
    DatasetCounter,
    architectures_of,
    figure6_architectures,
    figure6_datasets,
)


def _datasets_of(record: dict) -> set[str]:
    """Independent: the card's `datasets` (string or list) and the `dataset:` tags."""
    card = record.get("cardData") or {}
    listed = card.get("datasets") if isinstance(card, dict) else None
    if isinstance(listed, str):
        listed = [listed]
    names = {d.strip() for d in listed or [] if isinstance(d, str)}
    names |= {
        t[len("dataset:") :].strip() for t in record.get("tags") or [] if t.startswith("dataset:")
    }
    return {n for n in names if n}


# Independent of `pipeline.builders`: the packaged builders of huggingface/datasets
# (`src/datasets/packaged_modules/`), written out again here.
PACKAGED = {"arrow", "audiofolder", "cache", "csv", "generator", "imagefolder", "json", "pandas"}
PACKAGED |= {"parquet", "pdffolder", "spark", "sql", "text", "videofolder", "webdataset", "xml"}


def test_datasets_equal_independent_counts(sample_records, sample_table) -> None:
    named = [_datasets_of(r) for r in sample_records]
    per_model = [{d for d in names if d.lower() not in PACKAGED} for names in named]
    local = sum(1 for names in named if any(d.lower() in PACKAGED for d in names))
    counts = Counter(d for names in per_model for d in names)
    table = figure6_datasets(sample_table)
    top = table[table["kind"] == "top"]
    assert len(top) == 10
    expected_top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert list(zip(top["dataset"], top["models"], strict=True)) == expected_top
    names = set(top["dataset"])
    none = sum(1 for d in per_model if not d)
    other = sum(1 for d in per_model if d and not d & names)
    rows = table.set_index("dataset")
    assert rows.loc["None", "models"] == none == 7303  # 7,265 before builders were set apart
    assert rows.loc["local files", "models"] == local == 38
    assert rows.loc["local files", "kind"] == "local-files"
    assert not names & PACKAGED
    assert rows.loc["other", "models"] == other
    with_top = sum(1 for d in per_model if d & names)
    assert none + other + with_top == len(sample_records)
    assert rows.loc["None", "paper_percent"] == 82.1
    assert rows.loc["None", "percent"] == pytest.approx(100 * none / len(sample_records))
    paper_rows = table[table["kind"] == "paper"].set_index("dataset")
    assert paper_rows.loc["conll2003", "models"] == counts["conll2003"]


def _architecture_of(record: dict, vocabulary: set[str]) -> tuple[str | None, str]:
    config = record.get("config") or {}
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if isinstance(model_type, str) and model_type:
        return model_type, "config"
    for tag in record.get("tags") or []:
        if tag in vocabulary:
            return tag, "tag"
    return None, "none"


def test_architectures_equal_independent_counts(sample_records, sample_table) -> None:
    from pipeline.analyze.vocabulary import MODEL_TYPES

    configs = {(r.get("config") or {}).get("model_type") for r in sample_records}
    vocabulary = set(MODEL_TYPES) | {c for c in configs if isinstance(c, str) and c}
    found = [_architecture_of(r, vocabulary) for r in sample_records]
    totals = Counter(a for a, _ in found if a)
    from_tag = Counter(a for a, s in found if s == "tag")
    table = figure6_architectures(sample_table)
    top = table[table["kind"] == "top"]
    expected = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert list(zip(top["architecture"], top["models"], strict=True)) == expected
    rows = table.set_index("architecture")
    assert rows.loc["None", "models"] == sum(1 for a, _ in found if a is None)
    assert rows.loc["llama", "models_from_tag"] == from_tag["llama"] == 84
    assert rows.loc["llama", "architecture_source"] == "config+tag"
    assert rows.loc["stablelm", "architecture_source"] == "config"
    main = table[table["kind"].isin(["top", "none", "other"])]
    assert main["models"].sum() == len(sample_records)
    assert main["share"].sum() == pytest.approx(1.0)


def test_model_type_tag_is_the_fallback(sample_records) -> None:
    """Real finding: when a record has a config `model_type`, the Hub also lists it among
    the tags (2,968 of 2,968); a record without config (here a listing item) may still
    carry it as a tag."""
    with_config = [r for r in sample_records if (r.get("config") or {}).get("model_type")]
    assert len(with_config) == 2968
    assert all(r["config"]["model_type"] in r["tags"] for r in with_config)
    record = next(r for r in sample_records if r["id"] == "princeton-nlp/sup-simcse-roberta-large")
    batch = pa.table(
        {
            "config_model_type": pa.array([None], pa.string()),
            "tags": pa.array([record["tags"]], pa.list_(pa.string())),
        }
    )
    architecture, source = architectures_of(batch)
    assert (architecture[0], source[0]) == ("roberta", "tag")


def test_batches_add_up_to_one_table(sample_table) -> None:
    whole = figure6_datasets(sample_table)
    counter = DatasetCounter()
    for batch in sample_table.to_batches(max_chunksize=997):
        counter.add(batch)
    pd.testing.assert_frame_equal(counter.table(), whole)
    counter = ArchitectureCounter()
    for batch in sample_table.to_batches(max_chunksize=1500):
        counter.add(batch)
    assert counter.models == len(sample_table)


def test_pandas_input_and_junk_never_raise() -> None:
    # synthetic junk (made up here): wrong shapes count as no dataset / no architecture
    frame = pd.DataFrame(
        {
            "datasets": [["squad", " squad ", ""], "squad", None, 3, ["glue", None]],
            "config_model_type": ["bert", "", None, 7, None],
            "tags": [["bert"], "gpt2", None, ["t5", "bert"], [None, "gpt2"]],
        }
    )
    datasets = figure6_datasets(frame).set_index("dataset")
    assert datasets.loc["squad", "models"] == 1  # one model, " squad " stripped, deduplicated
    assert datasets.loc["glue", "models"] == 1
    assert datasets.loc["None", "models"] == 3
    architectures = figure6_architectures(frame).set_index("architecture")
    assert architectures.loc["bert", "models"] == 1  # row 0 (config); row 3 is junk config
    assert architectures.loc["t5", "models"] == 1  # junk config -> first model-type tag
    assert architectures.loc["gpt2", "models"] == 1
    empty = figure6_datasets(frame.iloc[:0])
    assert empty.set_index("dataset").loc["None", "models"] == 0
