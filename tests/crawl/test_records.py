"""`parse_model_record` on real recorded records and on synthetic junk."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from pipeline.crawl.records import parse_model_record
from pipeline.snapshot.schema import ENVELOPE, MODELS


def test_every_real_record_parses_into_the_schema(sample_records: list[dict]) -> None:
    rows = [parse_model_record(r) for r in sample_records]
    envelope = {
        "snapshot_id": "s",
        "fetched_at": datetime(2024, 7, 11, tzinfo=UTC),
        "crawler_version": "t",
        "origin": "o",
    }
    table = pa.Table.from_pylist([{**envelope, **row} for row in rows], schema=MODELS)
    assert table.num_rows == len(sample_records)
    assert len(set(table.column("id").to_pylist())) == len(sample_records)
    assert [f.name for f in ENVELOPE] == MODELS.names[:4]


def test_real_record_fields(sample_records: list[dict]) -> None:
    raw = next(r for r in sample_records if r["id"] == "0-hero/flan-alpaca-ul2")
    row = parse_model_record(raw)
    assert row["sha"] == "91a03bdacaf6adb86f55bfdd5644eba95673ab29"
    assert row["config_model_type"] == "t5"
    assert row["architectures"] == ["T5ForConditionalGeneration"]
    assert row["datasets"] == ["tatsu-lab/alpaca"]
    assert row["license"] == "apache-2.0"
    assert row["created_at"] == datetime(2023, 3, 30, 11, 11, 3, tzinfo=UTC)
    assert json.loads(row["card_data"]) == raw["cardData"]
    assert row["n_files"] == len(raw["siblings"])
    assert json.loads(row["extra_json"]) == {
        "inferenceStatus": "not-loaded",
        "transformersInfo": raw["transformersInfo"],
    }


def test_base_models_come_from_tags(sample_records: list[dict]) -> None:
    raw = next(r for r in sample_records if r["id"] == "monsterapi/mistral_7b_norobots")
    assert parse_model_record(raw)["base_models"] == ["mistralai/Mistral-7B-v0.1"]


@pytest.mark.parametrize(
    "junk",
    [
        # Synthetic edge cases: odd shapes seen in Hub data, built here on purpose.
        {"id": "a/b", "downloads": "12", "likes": None, "tags": "single", "gated": "manual"},
        {"id": "a/b", "createdAt": "not a date", "config": [], "cardData": "text", "siblings": {}},
        {"id": "a/b", "cardData": {"base_model": ["x/y", 3], "datasets": "d", "license": ["mit"]}},
        {"id": "a/b", "model-index": [{"results": float("nan")}], "trendingScore": float("inf")},
        {"modelId": "legacy-name", "safetensors": {"total": 1.5}},
    ],
)
def test_junk_never_raises_and_keeps_the_id(junk: dict) -> None:
    row = parse_model_record(junk)
    assert row["id"] in {"a/b", "legacy-name"}
    for column in ("card_data", "model_index", "extra_json"):
        if row[column] is not None:
            json.loads(row[column])


def test_a_record_without_id_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no string id"):
        parse_model_record({"downloads": 3})
