"""Draw the card-text evaluation sample: a seeded random sample of real model cards.

Reads `../shared/data/model-cards/card-text-samples.json` (364 real README bodies, front
matter stripped), draws `--size` of them without replacement with `random.Random(--seed)`,
and splits the draw once: the first half drawn is the development part, the second half the
test part (a random split, since the draw order is random). Writes `sample.jsonl` (one card a
line: number, part, model id, body) and one Markdown file per card for labelling, so that
labellers read the cards and the definitions (`../shared/docs/card-attributes.md`), never a
detector's output.

    python scripts/draw_card_sample.py --out /tmp/card-sample
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


def draw(cards: list[dict], size: int, seed: int) -> list[dict]:
    """`size` cards drawn at random (seeded); the first half `dev`, the second `test`."""
    order = random.Random(seed).sample(range(len(cards)), size)
    half = size // 2
    return [
        {
            "number": number,
            "part": "dev" if number <= half else "test",
            "source_index": index,
            "model_id": cards[index]["modelId"],
            "body": cards[index]["modelcard_text"],
        }
        for number, index in enumerate(order, start=1)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    raw = args.source.read_bytes()
    sample = draw(json.loads(raw), args.size, args.seed)
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
