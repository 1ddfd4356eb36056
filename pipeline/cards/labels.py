"""The labelled card set: cards, annotator passes, adjudication, agreement.

`data/card-labels/` (see its README) holds the 364 real model cards of
`../shared/data/model-cards/card-text-samples.json`, drawn at random in three rounds
(160 + 100 + 104), each labelled 0/1 on the 14 attributes of
`pipeline.analyze.cardtext.SIGNALS` (definitions: `../shared/docs/card-attributes.md`):

- `cards.jsonl.gz`: one card a line: `number`, `part` (`dev`, `test`, `test2` or `test3`),
  `source_index`, `model_id`, `license` (from the card's tags), `body`;
- `labels-A.csv`, `labels-B.csv` (round 1), `labels-C.csv`, `labels-D.csv` (round 2, part
  `test2`), `labels-E.csv`, `labels-F.csv` (round 3, part `test3`): the independent
  annotator passes;
- `adjudication.csv`, `adjudication-test2.csv`, `adjudication-test3.csv`: every (card,
  attribute) where a round's two passes disagree, both labels, the final label and the
  reason;
- `labels.csv`: the final labels (`number`, `model_id`, `part`, one column per attribute).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.analyze.cardtext import SIGNALS
from pipeline.errors import PipelineError
from pipeline.paths import CARD_LABELS

LABELS_DIR = CARD_LABELS
CARDS_FILE = "cards.jsonl.gz"
FINAL_FILE = "labels.csv"
PARTS = ("dev", "test", "test2", "test3")
# Development data: round 1's `dev` and `test` parts (since round 2: `test` was evaluated
# and its errors seen) and round 2's `test2` (since round 3: measured once, micro F1 0.858,
# and its errors then read), 260 cards. A part that has been measured is development data
# from then on: it no longer measures untuned detectors.
DEVELOPMENT = ("dev", "test", "test2")
# The held-out part, measured once per round of detector work: round 3's `test3` (104 cards,
# adjudicated and sealed before any detector ran on them). Round 2's was `test2`.
TEST_PART = "test3"


@dataclass(frozen=True)
class LabelledCard:
    """One labelled card: its number in the draw, part, model id, body and 0/1 labels."""

    number: int
    part: str
    model_id: str
    body: str
    labels: Mapping[str, int]


def read_pass(path: Path) -> dict[int, dict[str, int]]:
    """An annotator's CSV (`number`, `model_id`, one 0/1 column per attribute, `notes`) as
    {number: {attribute: label}}. A bad cell raises, naming the file, row and column."""
    labels: dict[int, dict[str, int]] = {}
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [a for a in SIGNALS if a not in (reader.fieldnames or [])]
        if missing:
            raise PipelineError(f"{path}: columns missing: {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            number = int(row["number"])
            values = {}
            for attribute in SIGNALS:
                cell = (row[attribute] or "").strip()
                if cell not in ("0", "1"):
                    raise PipelineError(f"{path} line {line}: {attribute} is {cell!r}, not 0/1")
                values[attribute] = int(cell)
            labels[number] = values
    return labels


def read_cards(directory: Path = LABELS_DIR) -> list[dict]:
    """The bundled cards (`cards.jsonl.gz`), in draw order."""
    path = Path(directory) / CARDS_FILE
    if not path.is_file():
        raise PipelineError(f"labelled cards not found: {path}")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_labelled_set(directory: Path = LABELS_DIR) -> list[LabelledCard]:
    """The bundled cards joined with their final labels, in draw order."""
    final = read_pass(Path(directory) / FINAL_FILE)
    cards = read_cards(directory)
    missing = [c["number"] for c in cards if c["number"] not in final]
    if missing:
        raise PipelineError(f"cards without final labels: {missing[:10]}")
    return [
        LabelledCard(c["number"], c["part"], c["model_id"], c["body"], final[c["number"]])
        for c in cards
    ]


def select(cards: Iterable[LabelledCard], part: str) -> list[LabelledCard]:
    """Cards of one part (`PARTS`), of `development` (`DEVELOPMENT`) or `all`."""
    if part not in (*PARTS, "development", "all"):
        raise PipelineError(f"unknown part {part!r}: choose {', '.join(PARTS)}, development or all")
    wanted = DEVELOPMENT if part == "development" else PARTS if part == "all" else (part,)
    return [c for c in cards if c.part in wanted]


def disagreements(
    a: Mapping[int, Mapping[str, int]], b: Mapping[int, Mapping[str, int]]
) -> list[tuple[int, str, int, int]]:
    """(number, attribute, label A, label B) wherever the two passes differ."""
    if set(a) != set(b):
        raise PipelineError(f"the passes label different cards: {sorted(set(a) ^ set(b))[:10]}")
    return [
        (number, attribute, a[number][attribute], b[number][attribute])
        for number in sorted(a)
        for attribute in SIGNALS
        if a[number][attribute] != b[number][attribute]
    ]


def cohen_kappa(x: list[int], y: list[int]) -> float:
    """Cohen's kappa of two 0/1 label lists; NaN when chance agreement is 1 (both
    annotators gave one and the same label everywhere, so kappa is undefined)."""
    n = len(x)
    if n == 0 or n != len(y):
        raise ValueError("two label lists of the same, non-zero length are needed")
    observed = sum(1 for p, q in zip(x, y, strict=True) if p == q) / n
    px, py = sum(x) / n, sum(y) / n
    chance = px * py + (1 - px) * (1 - py)
    if math.isclose(chance, 1.0):
        return math.nan
    return (observed - chance) / (1 - chance)


def agreement(a: Mapping[int, Mapping[str, int]], b: Mapping[int, Mapping[str, int]]) -> list[dict]:
    """Per attribute, then `all`: cards, positives by A and by B, disagreements, percent
    agreement and Cohen's kappa (pooled over attributes for `all`)."""
    numbers = sorted(a)
    rows = []
    pooled_x: list[int] = []
    pooled_y: list[int] = []
    for attribute in (*SIGNALS, "all"):
        if attribute == "all":
            x, y = pooled_x, pooled_y
        else:
            x = [a[n][attribute] for n in numbers]
            y = [b[n][attribute] for n in numbers]
            pooled_x += x
            pooled_y += y
        differ = sum(1 for p, q in zip(x, y, strict=True) if p != q)
        rows.append(
            {
                "attribute": attribute,
                "labels": len(x),
                "positives_A": sum(x),
                "positives_B": sum(y),
                "disagreements": differ,
                "agreement": 1 - differ / len(x),
                "kappa": cohen_kappa(x, y),
            }
        )
    return rows


def write_labels_csv(
    labels: Mapping[int, Mapping[str, int]], cards: list[dict], target: Path
) -> None:
    """The final labels as CSV: `number`, `model_id`, `part`, one column per attribute."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["number", "model_id", "part", *SIGNALS])
    for card in cards:
        row = labels[card["number"]]
        writer.writerow(
            [card["number"], card["model_id"], card["part"], *(row[a] for a in SIGNALS)]
        )
    Path(target).write_text(out.getvalue(), encoding="utf-8")
