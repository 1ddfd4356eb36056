"""Machine-parseable claims: synthetic junk (edge cases made up here) and real sample cases."""

from __future__ import annotations

import json
import math

import pytest

from pipeline.analyze.claims import has_machine_parseable_claim, model_index_of


def _mi(*values: object) -> list:
    """A well-formed model-index whose metrics carry `values`."""
    return [{"name": "m", "results": [{"metrics": [{"type": "acc", "value": v} for v in values]}]}]


# Synthetic edge cases: (model_index, expected). None of these may raise.
SYNTHETIC = [
    (None, False),
    ("model-index", False),
    (42, False),
    (math.nan, False),
    (object(), False),
    ({"results": [{"metrics": [{"value": 1}]}]}, False),  # dict instead of list
    ([], False),
    ([None, 3, "x"], False),
    ([{"name": "no results"}], False),
    ([{"results": None}], False),
    ([{"results": "text"}], False),
    ([{"results": [None, 1]}], False),
    ([{"results": [{"metrics": None}]}], False),
    ([{"results": [{"metrics": {"value": 1}}]}], False),  # metrics not a list
    ([{"results": [{"metrics": ["acc", 3, None]}]}], False),  # metric not a dict
    ([{"results": [{"metrics": [{"name": "acc"}]}]}], False),  # no value key
    (_mi(None), False),
    (_mi(""), False),
    (_mi("   "), False),
    (_mi(math.nan), False),
    (_mi([]), False),
    (_mi({}), False),
    (_mi(None, "", math.nan), False),
    (_mi(0.91), True),
    (_mi(0), True),
    (_mi(-327.63), True),
    (_mi("20.0 ± 1.2"), True),
    (_mi("-327.63 +/- 25.14"), True),
    (_mi({"wer_result_on_test": None}), True),  # a real card's value; the Hub tags it
    (_mi(None, 0.5), True),
    ([{"results": None}, {"results": [{"metrics": [{"value": 1.0}]}]}], True),
    ([{"results": [{"metrics": None}, {"metrics": [{"value": "71.2"}]}]}], True),
]


@pytest.mark.parametrize(("model_index", "expected"), SYNTHETIC)
def test_synthetic_junk_never_raises(model_index: object, expected: bool) -> None:
    assert has_machine_parseable_claim(model_index) is expected


CARD = json.dumps({"model-index": _mi(1.0)})
TOP = json.dumps(_mi(2.0))


@pytest.mark.parametrize(
    ("card_data", "model_index", "expected"),
    [
        (CARD, TOP, _mi(1.0)),  # the card's wins
        (json.dumps({"license": "mit"}), TOP, _mi(2.0)),
        (json.dumps({"model-index": None}), TOP, _mi(2.0)),
        ("{not json", TOP, _mi(2.0)),
        (json.dumps([1, 2]), TOP, _mi(2.0)),  # card data not a mapping
        (CARD, "{not json", _mi(1.0)),
        ("{not json", "[also not", None),
        (None, None, None),
        (math.nan, math.nan, None),
        ("", "", None),
        (
            None,
            json.dumps({"error": "Schema validation error"}),
            {"error": "Schema validation error"},
        ),
    ],
)
def test_model_index_of(card_data: object, model_index: object, expected: object) -> None:
    assert model_index_of(card_data, model_index) == expected


def _by_id(records: list[dict]) -> dict[str, dict]:
    return {record["id"]: record for record in records}


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("qqpann/wav2vec2-large-xlsr-japanese-0325-1200", True),  # value is a dict
        ("1aurent/swin_tiny_patch4_window7_224.CTransPath", True),  # "96.3 ± 2.6"
        ("qgallouedec/ppo-LiftCube-v0", True),  # "-327.63 +/- 25.14"
        ("QuantFactory/Nous-Hermes-2-SOLAR-10.7B-GGUF", False),  # results: []
        ("21iridescent/RoBERTa-base-finetuned-squad2-lwt", False),  # Hub schema error
    ],
)
def test_real_sample_cases(sample_records: list[dict], model_id: str, expected: bool) -> None:
    record = _by_id(sample_records)[model_id]
    card = record.get("cardData")
    top = record.get("model-index")
    found = model_index_of(
        None if card is None else json.dumps(card), None if top is None else json.dumps(top)
    )
    assert has_machine_parseable_claim(found) is expected
    assert ("model-index" in record["tags"]) is expected  # the Hub agrees


def test_real_sample_totals(sample_records: list[dict]) -> None:
    """Over the whole sample: 1,640 cards carry a model-index, 1,059 with a metric value."""
    indexes = [(r.get("cardData") or {}).get("model-index") for r in sample_records]
    present = [mi for mi in indexes if mi is not None]
    assert len(present) == 1640
    assert sum(has_machine_parseable_claim(mi) for mi in present) == 1059
