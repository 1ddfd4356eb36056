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


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [
        ("downloads", 10**30, "downloads"),
        ("likes", -(10**20), "likes"),
        ("downloadsAllTime", 2**63, "downloads_all_time"),
        ("trendingScore", float("nan"), "trending_score"),
        ("trendingScore", 10**400, "trending_score"),
        ("createdAt", "2024-13-45T00:00:00.000Z", "created_at"),
        ("lastModified", "9999-12-31T23:59:59-23:59", "last_modified"),
        ("private", "false", "private"),
    ],
)
def test_a_value_that_does_not_fit_is_null_named_and_kept_raw(
    sample_records: list[dict], field: str, value: object, column: str
) -> None:
    """SYNTHETIC values planted in a real record: never clamped, never silently dropped."""
    raw = {**sample_records[0], field: value}
    row = parse_model_record(raw)
    assert row[column] is None
    assert row["invalid_fields"] == [field]
    kept = json.loads(row["extra_json"])[field]
    assert kept == value or (value != value and kept is None)  # NaN is stored as null JSON


def test_int64_bounds_are_kept_exactly(sample_records: list[dict]) -> None:
    row = parse_model_record({**sample_records[0], "downloads": 2**63 - 1, "likes": -(2**63)})
    assert (row["downloads"], row["likes"], row["invalid_fields"]) == (2**63 - 1, -(2**63), None)


def test_lone_surrogates_are_replaced_and_an_id_with_one_is_refused(
    sample_records: list[dict],
) -> None:
    row = parse_model_record({**sample_records[0], "author": "a\ud800b", "tags": ["x\udfff"]})
    assert row["author"] == "a\ufffdb" and row["tags"] == ["x\ufffd"]
    with pytest.raises(ValueError, match="not valid Unicode"):
        parse_model_record({**sample_records[0], "id": "evil/\ud800"})


def test_real_records_have_no_invalid_fields(sample_records: list[dict]) -> None:
    assert all(parse_model_record(r)["invalid_fields"] is None for r in sample_records)
