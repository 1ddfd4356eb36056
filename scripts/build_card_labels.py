"""Build the labelled card set `data/card-labels/` from the draws, the passes and the
adjudication logs.

    python scripts/build_card_labels.py [--passes DIR]

Two labelling rounds, each a seeded draw from `../shared/data/model-cards/card-text-samples.json`
(checked against the source's sha256) labelled by two independent passes:

- round 1: 160 cards, seed 20261202, numbers 1-160, parts `dev` and `test`, passes A and B,
  `adjudication.csv`;
- round 2: 100 cards, seed 20261203, drawn among the 204 cards round 1 did not draw,
  numbers 161-260, part `test2`, passes C and D, `adjudication-test2.csv`;
- round 3: the 104 cards rounds 1 and 2 did not draw, in the order of seed 20261204,
  numbers 261-364, part `test3`, passes E and F, `adjudication-test3.csv` (adjudicated
  before any detector ran on these cards).

Written:

- `cards.jsonl.gz`: the 364 cards (gzip without timestamp: the same bytes on every run);
- `labels-A.csv` ... `labels-F.csv`: the passes, copied byte for byte from `--passes`
  (default: the bundled copies, so a rebuild re-derives everything else);
- the adjudication logs: one row per (card, attribute) where a round's passes differ; the
  script refuses a log that misses a disagreement, has an extra row, or misquotes a label;
- `labels.csv`: the first pass's label where the passes agree, the adjudicated label where
  they differ;
- the "agreement", "agreement test2" and "agreement test3" sections of `README.md`
  (percent agreement, Cohen's kappa).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from draw_card_sample import SEED, SIZE, SOURCE, draw  # noqa: E402

from pipeline.analyze.cardtext import SIGNALS  # noqa: E402
from pipeline.cards.labels import (  # noqa: E402
    agreement,
    disagreements,
    read_pass,
    write_labels_csv,
)
from pipeline.cards.readme import replace_section  # noqa: E402

OUT = ROOT / "data" / "card-labels"
SOURCE_SHA256 = "ba4d5e24d23a46e14afb2b903deb67f49970b764e1b5d73170d3cacdb26d280a"


@dataclass(frozen=True)
class Round:
    """One labelling round: its draw and its two passes."""

    name: str  # README section suffix: "" for round 1, " test2", " test3" for rounds 2, 3
    seed: int
    size: int
    first_number: int
    part: str | None  # None: first half dev, second half test
    passes: tuple[str, str]  # pass letters
    adjudication: str

    def columns(self) -> tuple[str, ...]:
        """The adjudication log's columns."""
        first, second = self.passes
        return (
            "number",
            "model_id",
            "attribute",
            f"label_{first}",
            f"label_{second}",
            "final",
            "reason",
        )


ROUNDS = (
    Round("", SEED, SIZE, 1, None, ("A", "B"), "adjudication.csv"),
    Round(" test2", 20261203, 100, SIZE + 1, "test2", ("C", "D"), "adjudication-test2.csv"),
    Round(" test3", 20261204, 104, SIZE + 101, "test3", ("E", "F"), "adjudication-test3.csv"),
)


def card_license(tags: list[str]) -> str:
    """The licence the card's tags declare (`license:` tag), or `unknown`."""
    found = [t.split(":", 1)[1] for t in tags or [] if t.startswith("license:")]
    return ",".join(found) if found else "unknown"


def draw_rounds(source: list[dict]) -> list[list[dict]]:
    """The cards of every round, in draw order; each later round draws among the cards no
    earlier round drew."""
    drawn: set[int] = set()
    rounds = []
    for spec in ROUNDS:
        cards = draw(
            source,
            spec.size,
            spec.seed,
            exclude=frozenset(drawn),
            part=spec.part,
            first_number=spec.first_number,
        )
        drawn |= {c["source_index"] for c in cards}
        rounds.append(cards)
    return rounds


def write_cards(source: list[dict], cards: list[dict], target: Path) -> None:
    """The drawn cards as gzipped JSON Lines (deterministic bytes)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
        for card in cards:
            record = {
                **{k: card[k] for k in ("number", "part", "source_index", "model_id")},
                "license": card_license(source[card["source_index"]].get("tags")),
                "body": card["body"],
            }
            handle.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
    target.write_bytes(buffer.getvalue())


def read_adjudication(path: Path, columns: tuple[str, ...]) -> dict[tuple[int, str], dict]:
    """An adjudication log keyed by (number, attribute)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != columns:
            sys.exit(f"{path}: columns must be {', '.join(columns)}")
        log = {}
        for line, row in enumerate(reader, start=2):
            key = (int(row["number"]), row["attribute"])
            if key in log or row["attribute"] not in SIGNALS or row["final"] not in ("0", "1"):
                sys.exit(f"{path} line {line}: duplicate, unknown attribute or bad final label")
            if len(row["reason"].strip()) < 10:
                sys.exit(f"{path} line {line}: a reason is needed")
            log[key] = row
    return log


def agreement_section(rows: list[dict], n_cards: int, n_differ: int, spec: Round) -> str:
    first, second = spec.passes
    lines = [
        "`python scripts/build_card_labels.py` (written by that command; do not edit by hand). "
        f"Two independent passes ({first}, {second}) over {n_cards} cards x {len(SIGNALS)} "
        f"attributes; {n_differ} (card, attribute) pairs differed, each adjudicated in "
        f"`{spec.adjudication}`.",
        "",
        f"| attribute | positives {first} | positives {second} | disagreements | agreement "
        "| Cohen's kappa |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        kappa = "undefined" if row["kappa"] != row["kappa"] else f"{row['kappa']:.3f}"
        name = "**all (pooled)**" if row["attribute"] == "all" else row["attribute"]
        lines.append(
            f"| {name} | {row['positives_A']} | {row['positives_B']} | {row['disagreements']} "
            f"| {100 * row['agreement']:.1f}% | {kappa} |"
        )
    return "\n".join(lines)


def final_labels(spec: Round, cards: list[dict], passes: Path, out: Path) -> dict:
    """Copy a round's passes and log into `out`, check them, and return the final labels."""
    names = [f"labels-{letter}.csv" for letter in spec.passes]
    for name in (*names, spec.adjudication):
        if (passes / name).resolve() != (out / name).resolve():
            shutil.copyfile(passes / name, out / name)
    a, b = (read_pass(out / name) for name in names)
    if set(a) != {c["number"] for c in cards}:
        sys.exit(f"pass {spec.passes[0]} does not label exactly the drawn cards")
    differ = disagreements(a, b)
    log = read_adjudication(out / spec.adjudication, spec.columns())
    expected = {(n, attr): (la, lb) for n, attr, la, lb in differ}
    if set(log) != set(expected):
        missing = sorted(set(expected) - set(log))[:10]
        extra = sorted(set(log) - set(expected))[:10]
        sys.exit(
            f"{spec.adjudication} does not match the disagreements: missing {missing}, "
            f"extra {extra}"
        )
    final = {n: dict(labels) for n, labels in a.items()}
    first, second = spec.columns()[3:5]
    for (number, attribute), row in log.items():
        if (int(row[first]), int(row[second])) != expected[(number, attribute)]:
            sys.exit(f"{spec.adjudication} misquotes the passes at card {number}, {attribute}")
        final[number][attribute] = int(row["final"])
    section = agreement_section(agreement(a, b), len(cards), len(differ), spec)
    replace_section(out / "README.md", f"agreement{spec.name}", section)
    print(f"{len(cards)} cards, {len(differ)} disagreements adjudicated ({spec.adjudication})")
    return final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument(
        "--passes", type=Path, default=OUT, help="folder of labels-A..F.csv and the logs"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    raw = args.source.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"{args.source}: sha256 {digest}, expected {SOURCE_SHA256}")
    source = json.loads(raw)
    args.out.mkdir(parents=True, exist_ok=True)
    rounds = draw_rounds(source)
    cards = [card for drawn in rounds for card in drawn]
    write_cards(source, cards, args.out / "cards.jsonl.gz")
    final: dict[int, dict[str, int]] = {}
    for spec, drawn in zip(ROUNDS, rounds, strict=True):
        final |= final_labels(spec, drawn, args.passes, args.out)
    write_labels_csv(final, cards, args.out / "labels.csv")
    print(f"{len(cards)} cards -> {args.out}")


if __name__ == "__main__":
    main()
