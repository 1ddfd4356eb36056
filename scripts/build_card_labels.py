"""Build the labelled card set `data/card-labels/` from the draw, two passes and the
adjudication log.

    python scripts/build_card_labels.py [--passes DIR] [--adjudication FILE]

- cards: redrawn from `../shared/data/model-cards/card-text-samples.json` with the seed
  and size of `scripts/draw_card_sample.py` (checked against the source's sha256), written
  as `cards.jsonl.gz` (gzip without timestamp: the same bytes on every run);
- `labels-A.csv`, `labels-B.csv`: the two annotator passes, copied byte for byte from
  `--passes` (default: the bundled copies, so a rebuild re-derives everything else);
- `adjudication.csv`: one row per (card, attribute) where A and B differ; the script
  refuses a log that misses a disagreement, has an extra row, or misquotes a label;
- `labels.csv`: A's label where the passes agree, the adjudicated label where they differ;
- the "agreement" section of `README.md` (percent agreement, Cohen's kappa).
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
ADJUDICATION_COLUMNS = ("number", "model_id", "attribute", "label_A", "label_B", "final", "reason")


def card_license(tags: list[str]) -> str:
    """The licence the card's tags declare (`license:` tag), or `unknown`."""
    found = [t.split(":", 1)[1] for t in tags or [] if t.startswith("license:")]
    return ",".join(found) if found else "unknown"


def write_cards(source: list[dict], target: Path) -> list[dict]:
    """The draw as gzipped JSON Lines (deterministic bytes); the drawn cards."""
    cards = draw(source, SIZE, SEED)
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
    return cards


def read_adjudication(path: Path) -> dict[tuple[int, str], dict]:
    """The adjudication log keyed by (number, attribute)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != ADJUDICATION_COLUMNS:
            sys.exit(f"{path}: columns must be {', '.join(ADJUDICATION_COLUMNS)}")
        log = {}
        for line, row in enumerate(reader, start=2):
            key = (int(row["number"]), row["attribute"])
            if key in log or row["attribute"] not in SIGNALS or row["final"] not in ("0", "1"):
                sys.exit(f"{path} line {line}: duplicate, unknown attribute or bad final label")
            if len(row["reason"].strip()) < 10:
                sys.exit(f"{path} line {line}: a reason is needed")
            log[key] = row
    return log


def agreement_section(rows: list[dict], n_cards: int, n_differ: int) -> str:
    lines = [
        "`python scripts/build_card_labels.py` (written by that command; do not edit by hand). "
        f"Two independent passes over {n_cards} cards x {len(SIGNALS)} attributes; "
        f"{n_differ} (card, attribute) pairs differed, each adjudicated in `adjudication.csv`.",
        "",
        "| attribute | positives A | positives B | disagreements | agreement | Cohen's kappa |",
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--passes", type=Path, default=OUT, help="folder of labels-A/B.csv")
    parser.add_argument("--adjudication", type=Path, default=OUT / "adjudication.csv")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    raw = args.source.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"{args.source}: sha256 {digest}, expected {SOURCE_SHA256}")
    args.out.mkdir(parents=True, exist_ok=True)
    cards = write_cards(json.loads(raw), args.out / "cards.jsonl.gz")
    for name in ("labels-A.csv", "labels-B.csv"):
        if (args.passes / name).resolve() != (args.out / name).resolve():
            shutil.copyfile(args.passes / name, args.out / name)
    a, b = read_pass(args.out / "labels-A.csv"), read_pass(args.out / "labels-B.csv")
    if set(a) != {c["number"] for c in cards}:
        sys.exit("pass A does not label exactly the drawn cards")
    differ = disagreements(a, b)
    log = read_adjudication(args.adjudication)
    if args.adjudication.resolve() != (args.out / "adjudication.csv").resolve():
        shutil.copyfile(args.adjudication, args.out / "adjudication.csv")
    expected = {(n, attr): (la, lb) for n, attr, la, lb in differ}
    if set(log) != set(expected):
        missing = sorted(set(expected) - set(log))[:10]
        extra = sorted(set(log) - set(expected))[:10]
        sys.exit(f"adjudication does not match the disagreements: missing {missing}, extra {extra}")
    final = {n: dict(labels) for n, labels in a.items()}
    for (number, attribute), row in log.items():
        if (int(row["label_A"]), int(row["label_B"])) != expected[(number, attribute)]:
            sys.exit(f"adjudication misquotes the passes at card {number}, {attribute}")
        final[number][attribute] = int(row["final"])
    write_labels_csv(final, cards, args.out / "labels.csv")
    section = agreement_section(agreement(a, b), len(cards), len(differ))
    replace_section(args.out / "README.md", "agreement", section)
    print(f"{len(cards)} cards, {len(differ)} disagreements adjudicated -> {args.out}")


if __name__ == "__main__":
    main()
