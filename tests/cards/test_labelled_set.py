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
    LABELS_DIR,
    agreement,
    cohen_kappa,
    disagreements,
    load_labelled_set,
    read_pass,
)
from pipeline.cards.readme import read_section

SOURCE = LABELS_DIR.parents[2] / "shared" / "data" / "model-cards" / "card-text-samples.json"


def test_final_labels_follow_the_passes_and_the_adjudication() -> None:
    a, b = read_pass(LABELS_DIR / "labels-A.csv"), read_pass(LABELS_DIR / "labels-B.csv")
    final = read_pass(LABELS_DIR / "labels.csv")
    with (LABELS_DIR / "adjudication.csv").open(newline="") as handle:
        log = {(int(r["number"]), r["attribute"]): r for r in csv.DictReader(handle)}
    differ = disagreements(a, b)
    assert {(n, attr) for n, attr, _, _ in differ} == set(log)
    for number, labels in final.items():
        for attribute in SIGNALS:
            row = log.get((number, attribute))
            expected = a[number][attribute] if row is None else int(row["final"])
            assert labels[attribute] == expected


def test_cards_split_and_size() -> None:
    cards = load_labelled_set()
    assert len(cards) == 160 and [c.number for c in cards] == list(range(1, 161))
    assert {c.part for c in cards if c.number <= 80} == {"dev"}
    assert {c.part for c in cards if c.number > 80} == {"test"}
    assert all(c.body.strip() for c in cards)


@pytest.mark.skipif(not SOURCE.is_file(), reason="../shared is not beside the repository")
def test_cards_are_the_seeded_draw_from_the_source() -> None:
    import random

    raw = SOURCE.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == (
        "ba4d5e24d23a46e14afb2b903deb67f49970b764e1b5d73170d3cacdb26d280a"
    )
    source = json.loads(raw)
    order = random.Random(20261202).sample(range(len(source)), 160)
    for card, index in zip(load_labelled_set(), order, strict=True):
        assert card.body == source[index]["modelcard_text"]
        assert card.model_id == source[index]["modelId"]


def test_agreement_section_matches_the_passes() -> None:
    a, b = read_pass(LABELS_DIR / "labels-A.csv"), read_pass(LABELS_DIR / "labels-B.csv")
    pooled = agreement(a, b)[-1]
    section = read_section(LABELS_DIR / "README.md", "agreement")
    assert f"| {100 * pooled['agreement']:.1f}% | {pooled['kappa']:.3f} |" in section


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
