"""Draw the card-text evaluation sample: a seeded random sample of real model cards.

Reads `../shared/data/model-cards/card-text-samples.json` (364 real README bodies, front
matter stripped), draws `--size` of them without replacement with `random.Random(--seed)`,
and splits the draw once: the first half drawn is the development part, the second half the
test part (a random split, since the draw order is random). Writes `sample.jsonl` (one card a
line: number, part, model id, body) and one Markdown file per card for labelling, so that
labellers read the cards and the definitions (`../shared/docs/card-attributes.md`), never a
detector's output.

A second draw for a fresh test set (`--exclude` an earlier sample.jsonl, `--part`,
`--first-number`) takes its cards from those the earlier draw left out, so no card is in
both; all of it goes to the named part.

    python scripts/draw_card_sample.py --out /tmp/card-sample
    python scripts/draw_card_sample.py --out /tmp/card-sample-2 --seed 20261203 --size 100 \
        --exclude /tmp/card-sample/sample.jsonl --part test2 --first-number 161
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "../shared/data/model-cards/card-text-samples.json"
SEED = 20261202
SIZE = 160


def draw(
    cards: list[dict],
    size: int,
    seed: int,
    *,
    exclude: frozenset[int] = frozenset(),
    part: str | None = None,
    first_number: int = 1,
) -> list[dict]:
    """`size` cards drawn at random (seeded) among those not in `exclude` (source indexes);
    the first half `dev`, the second `test`, unless `part` names one part for all."""
    pool = [i for i in range(len(cards)) if i not in exclude]
    order = random.Random(seed).sample(pool, size)
    half = size // 2
    return [
        {
            "number": first_number + position,
            "part": part or ("dev" if position < half else "test"),
            "source_index": index,
            "model_id": cards[index]["modelId"],
            "body": cards[index]["modelcard_text"],
        }
        for position, index in enumerate(order)
    ]


def drawn_indexes(sample: Path) -> frozenset[int]:
    """Source indexes of an earlier draw's sample.jsonl."""
    lines = sample.read_text(encoding="utf-8").splitlines()
    return frozenset(json.loads(line)["source_index"] for line in lines if line.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--exclude", type=Path, help="an earlier draw's sample.jsonl")
    parser.add_argument("--part", help="one part name for the whole draw (e.g. test2)")
    parser.add_argument("--first-number", type=int, default=1)
    args = parser.parse_args()
    raw = args.source.read_bytes()
    exclude = drawn_indexes(args.exclude) if args.exclude else frozenset()
    sample = draw(
        json.loads(raw),
        args.size,
        args.seed,
        exclude=exclude,
        part=args.part,
        first_number=args.first_number,
    )
    (args.out / "cards").mkdir(parents=True, exist_ok=True)
    with (args.out / "sample.jsonl").open("w", encoding="utf-8") as out:
        for card in sample:
            out.write(json.dumps(card, ensure_ascii=False) + "\n")
            text = f"<!-- card {card['number']:03d}: {card['model_id']} -->\n\n{card['body']}"
            (args.out / "cards" / f"{card['number']:03d}.md").write_text(text, encoding="utf-8")
    digest = hashlib.sha256(raw).hexdigest()
    print(f"{len(sample)} cards (seed {args.seed}) from {args.source.name} sha256 {digest}")


if __name__ == "__main__":
    main()
