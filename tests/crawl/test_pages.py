"""A listing page whose items were mutated by a hostile uploader: one bad item, one error row."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.crawl.pages import parse_listing_page
from tests.crawl.hostile import encode_record, hostile_values, nested, record_fields

PROVENANCE = {
    "snapshot_id": "2024-07-11T000000Z",
    "fetched_at": datetime(2024, 7, 11, tzinfo=UTC),
    "crawler_version": "test",
    "origin": "http://127.0.0.1",
}


def page_of(items: list[bytes]) -> bytes:
    return b"[" + b",".join(items) + b"]"


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=39), record_fields, hostile_values),
        min_size=1,
        max_size=6,
    )
)
@settings(derandomize=True, max_examples=150, deadline=None)
def test_every_item_becomes_a_model_or_an_error(sample_records: list[dict], mutations) -> None:
    records = sample_records[:40]
    encoded = [json.dumps(r).encode() for r in records]
    for index, field, value in mutations:
        encoded[index] = encode_record(records[index], field, value)
    tables = parse_listing_page(page_of(encoded), PROVENANCE, "http://127.0.0.1/api/models")
    models = tables["models"].column("id").to_pylist()
    errors = tables["errors"].column("model_id").to_pylist()
    assert len(models) + len(errors) == len(records)
    assert set(models) | set(errors) == {r["id"] for r in records}
    assert set(tables["files"].column("model_id").to_pylist()) <= set(models)


def test_the_named_cases_cost_one_row_each(sample_records: list[dict]) -> None:
    """The regressions of the hostile-input issue, as SYNTHETIC values in real records."""
    records = sample_records[:6]
    items = [
        encode_record(records[0], "downloads", 10**30),  # OverflowError in Arrow before
        encode_record(records[1], "likes", 10**25),
        encode_record(records[2], "downloadsAllTime", -(10**40)),
        page_item_deep := encode_record(records[3], "cardData", {"x": 1}).replace(
            b'{"x":1}', nested(5000)
        ),
        encode_record(records[4], "createdAt", "2024-13-45T00:00:00Z"),
        json.dumps(records[5]).encode(),
    ]
    assert b'{"a":{"a":' in page_item_deep
    tables = parse_listing_page(page_of(items), PROVENANCE, "http://127.0.0.1/api/models")
    models = tables["models"].to_pandas().set_index("id")
    errors = tables["errors"].to_pandas()
    assert list(errors["model_id"]) == [records[3]["id"]]
    assert "5001 levels" in errors["message"].iloc[0]
    assert models.loc[records[0]["id"], "invalid_fields"].tolist() == ["downloads"]
    assert models.loc[records[4]["id"], "invalid_fields"].tolist() == ["createdAt"]
    assert len(models) == 5
