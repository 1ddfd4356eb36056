"""JSON decoded within limits: depth measured before decoding, bad items isolated."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.hub.boundedjson import (
    MAX_JSON_DEPTH,
    JsonTooDeep,
    NotAJsonArray,
    UndecodableItem,
    decode_json_array,
    json_depth,
    loads_bounded,
    split_json_array,
)
from tests.conftest import SAMPLE_DIR


def real_items(n: int = 30) -> list[dict]:
    with gzip.open(SAMPLE_DIR / "models.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [json.loads(line)["record"] for _, line in zip(range(n), lines, strict=False)]


def depth_of(value: object) -> int:
    """Nesting depth computed recursively on the decoded value (the independent oracle)."""
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    return 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values)
@settings(derandomize=True, max_examples=300)
def test_depth_matches_the_decoded_value(value: object) -> None:
    assert json_depth(json.dumps(value).encode()) == depth_of(value)


@given(st.lists(json_values, max_size=8))
@settings(derandomize=True, max_examples=200)
def test_an_array_decodes_as_json_does_and_splits_into_its_items(items: list) -> None:
    raw = json.dumps(items).encode()
    assert decode_json_array(raw) == items
    assert [json.loads(part) for part in split_json_array(raw)] == items


def test_brackets_inside_strings_do_not_count() -> None:
    assert json_depth(b'[{"a": "[[[{{{", "b": "\\"]]]"}]') == 2


def test_a_body_deeper_than_the_limit_is_refused_before_decoding() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000  # json.loads would raise RecursionError
    with pytest.raises(JsonTooDeep, match="100000 levels"):
        loads_bounded(deep)
    assert loads_bounded(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is not None


def test_integers_beyond_the_digit_limit_are_kept_as_their_digits() -> None:
    digits = "9" * 5000  # json.loads raises ValueError (Exceeds the limit (4300 digits))
    assert loads_bounded(f'{{"downloads": {digits}}}'.encode()) == {"downloads": digits}


def test_one_bad_item_costs_only_itself() -> None:
    items = real_items(3)
    parts = [json.dumps(i).encode() for i in items]
    deep = b'{"id": "evil/deep", "cardData": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    bad_utf8 = b'{"id": "evil/bytes", "author": "\xff\xfe"}'
    raw = b"[" + b",".join([parts[0], deep, parts[1], bad_utf8, parts[2]]) + b"]"
    decoded = decode_json_array(raw)
    assert [decoded[0], decoded[2], decoded[4]] == items
    assert isinstance(decoded[1], UndecodableItem) and decoded[1].id_hint == "evil/deep"
    assert "5001 levels" in decoded[1].reason
    assert isinstance(decoded[3], UndecodableItem) and decoded[3].id_hint == "evil/bytes"


def test_truncated_and_non_array_bodies_raise() -> None:
    raw = json.dumps(real_items(2)).encode()
    with pytest.raises(json.JSONDecodeError):
        decode_json_array(raw[:-10])
    with pytest.raises(NotAJsonArray):
        decode_json_array(b'{"error": "not a page"}')
    assert decode_json_array(b"[]") == []
