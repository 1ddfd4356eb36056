"""The bundled labelled set agrees with itself and with its source; agreement statistics."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from pathlib import Path

import pytest

from pipeline.analyze.cardtext import SIGNALS
from pipeline.cards.labels import (
    DEVELOPMENT,
    LABELS_DIR,
    TEST_PART,
    agreement,
    cohen_kappa,
    disagreements,
    load_labelled_set,
    read_pass,
    select,
)
from pipeline.cards.readme import read_section

SOURCE = LABELS_DIR.parents[2] / "shared" / "data" / "model-cards" / "card-text-samples.json"


ROUNDS = [
    ("A", "B", "adjudication.csv"),
    ("C", "D", "adjudication-test2.csv"),
    ("E", "F", "adjudication-test3.csv"),
]


@pytest.mark.parametrize(("first", "second", "log_file"), ROUNDS)
def test_final_labels_follow_the_passes_and_the_adjudication(first, second, log_file) -> None:
    a = read_pass(LABELS_DIR / f"labels-{first}.csv")
    b = read_pass(LABELS_DIR / f"labels-{second}.csv")
    final = read_pass(LABELS_DIR / "labels.csv")
    with (LABELS_DIR / log_file).open(newline="") as handle:
        log = {(int(r["number"]), r["attribute"]): r for r in csv.DictReader(handle)}
    differ = disagreements(a, b)
    assert {(n, attr) for n, attr, _, _ in differ} == set(log)
    for n, attr, label_a, label_b in differ:
        assert (int(log[n, attr][f"label_{first}"]), int(log[n, attr][f"label_{second}"])) == (
            label_a,
            label_b,
        )
    for number in a:
        for attribute in SIGNALS:
            row = log.get((number, attribute))
            expected = a[number][attribute] if row is None else int(row["final"])
            assert final[number][attribute] == expected


def test_cards_split_and_size() -> None:
    cards = load_labelled_set()
    assert len(cards) == 364 and [c.number for c in cards] == list(range(1, 365))
    assert {c.part for c in cards if c.number <= 80} == {"dev"}
    assert {c.part for c in cards if 80 < c.number <= 160} == {"test"}
    assert {c.part for c in cards if 160 < c.number <= 260} == {"test2"}
    assert {c.part for c in cards if c.number > 260} == {"test3"}
    assert all(c.body.strip() for c in cards)
    assert len(select(cards, "development")) == 260 and len(select(cards, "test2")) == 100
    assert len(select(cards, TEST_PART)) == 104 and TEST_PART not in DEVELOPMENT


@pytest.mark.skipif(not SOURCE.is_file(), reason="../shared is not beside the repository")
def test_cards_are_the_seeded_draw_from_the_source() -> None:
    import random

    raw = SOURCE.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == (
        "ba4d5e24d23a46e14afb2b903deb67f49970b764e1b5d73170d3cacdb26d280a"
    )
    source = json.loads(raw)
    order = random.Random(20261202).sample(range(len(source)), 160)
    # round 2: a fresh draw among the cards round 1 left out
    pool = [i for i in range(len(source)) if i not in set(order)]
    order += random.Random(20261203).sample(pool, 100)
    # round 3: every card rounds 1 and 2 left out, in a seeded order
    pool = [i for i in range(len(source)) if i not in set(order)]
    order += random.Random(20261204).sample(pool, 104)
    assert len(set(order)) == 364 == len(source)
    for card, index in zip(load_labelled_set(), order, strict=True):
        assert card.body == source[index]["modelcard_text"]
        assert card.model_id == source[index]["modelId"]


@pytest.mark.parametrize(
    ("first", "second", "section_name"),
    [("A", "B", "agreement"), ("C", "D", "agreement test2"), ("E", "F", "agreement test3")],
)
def test_agreement_section_matches_the_passes(first, second, section_name) -> None:
    a = read_pass(LABELS_DIR / f"labels-{first}.csv")
    b = read_pass(LABELS_DIR / f"labels-{second}.csv")
    rows = agreement(a, b)
    section = read_section(LABELS_DIR / "README.md", section_name)
    for row in rows:
        if row["kappa"] == row["kappa"]:
            assert f"| {100 * row['agreement']:.1f}% | {row['kappa']:.3f} |" in section


def test_cohen_kappa_known_values() -> None:
    # synthetic label lists
    assert cohen_kappa([1, 0, 1, 0], [1, 0, 1, 0]) == 1.0
    assert cohen_kappa([1, 1, 0, 0], [1, 0, 1, 0]) == 0.0
    assert cohen_kappa([1, 1, 1, 0], [1, 1, 0, 0]) == pytest.approx(0.5)
    assert math.isnan(cohen_kappa([0, 0], [0, 0]))


def test_bad_pass_cell_names_the_line(tmp_path: Path) -> None:
    from pipeline.errors import PipelineError

    path = tmp_path / "labels.csv"  # synthetic pass with a bad cell
    path.write_text(
        "number,model_id," + ",".join(SIGNALS) + "\n1,x," + ",".join(["0"] * 13) + ",2\n"
    )
    with pytest.raises(PipelineError, match="line 2: co2 is '2'"):
        read_pass(path)
