"""Rebuild `data/claims-vs-measured/` from the shared recordings, byte for byte.

Usage:  python -m pipeline.claims.curate [--shared ../shared] [--out data/claims-vs-measured]

What is kept (data/claims-vs-measured/README.md says why, and the sources and licences):

- `icwsm/data/*.csv`: the audit's four CSV files (claimed macro-F1, model lists), as is.
- `icwsm/model_card_results_combined/{dataset}/*_scores.json`: the audit's re-runs of 89
  models on 3 datasets, as is. (`model_card_results/` in the shared copy holds the same
  files for 21 of these models, byte-identical, so it is not copied.)
- `open-llm-leaderboard/YYYYMMDD.csv`: the nine Open LLM Leaderboard snapshots, as is.
- `card-tables/card-text-samples-with-tables.json`: the entries of
  `model-cards/card-text-samples.json` whose body has a Markdown table (a `|---|`
  delimiter row) and at most `MAX_BODY_CHARS` characters, unchanged, in source order.
- `SHA256SUMS`: the digest of every curated file, so a copy can be checked.

Files are copied unchanged and written atomically; running it twice gives identical bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

from pipeline.atomic import write_bytes_atomic, write_text_atomic
from pipeline.paths import CLAIMS_DATA, REPO_ROOT

ROOT = REPO_ROOT
DEFAULT_OUT = CLAIMS_DATA
MAX_BODY_CHARS = 20_000
TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*\|", re.MULTILINE)
CARD_SAMPLES = "card-tables/card-text-samples-with-tables.json"


def planned_copies(shared: Path) -> list[tuple[Path, str]]:
    """(source file, destination relative to the output) of every file copied as is."""
    data = Path(shared) / "data"
    icwsm = data / "claims-vs-measured" / "icwsm"
    copies = [(p, f"icwsm/data/{p.name}") for p in sorted((icwsm / "data").glob("*.csv"))]
    results = icwsm / "model_card_results_combined"
    copies += [
        (p, f"icwsm/model_card_results_combined/{p.parent.name}/{p.name}")
        for p in sorted(results.glob("*/*_scores.json"))
    ]
    leaderboard = data / "leaderboards" / "open-llm-leaderboard"
    copies += [(p, f"open-llm-leaderboard/{p.name}") for p in sorted(leaderboard.glob("*.csv"))]
    return copies


def card_samples_with_tables(samples: list[dict]) -> list[dict]:
    """Entries whose `modelcard_text` has a table delimiter row and is not too long."""
    return [
        entry
        for entry in samples
        if isinstance(entry.get("modelcard_text"), str)
        and len(entry["modelcard_text"]) <= MAX_BODY_CHARS
        and TABLE_DELIMITER.search(entry["modelcard_text"])
    ]


def curate(shared: Path, out: Path) -> list[Path]:
    """Write the curated files under `out`; the paths written (SHA256SUMS last)."""
    shared, out = Path(shared), Path(out)
    copies = planned_copies(shared)
    if not copies:
        raise SystemExit(f"{shared}/data: no claims-vs-measured or leaderboard files found")
    written: dict[str, bytes] = {}
    for source, target in copies:
        written[target] = source.read_bytes()
    cards = shared / "data" / "model-cards" / "card-text-samples.json"
    samples = json.loads(cards.read_text(encoding="utf-8"))
    kept = card_samples_with_tables(samples)
    text = json.dumps(kept, ensure_ascii=False, indent=1) + "\n"
    written[CARD_SAMPLES] = text.encode("utf-8")
    paths = []
    for target, payload in sorted(written.items()):
        write_bytes_atomic(out / target, payload)
        paths.append(out / target)
    sums = "".join(
        f"{hashlib.sha256(payload).hexdigest()}  {target}\n"
        for target, payload in sorted(written.items())
    )
    write_text_atomic(out / "SHA256SUMS", sums)
    return [*paths, out / "SHA256SUMS"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.claims.curate",
        description="Rebuild data/claims-vs-measured/ from the shared recordings.",
    )
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", metavar="DIR")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR")
    args = parser.parse_args(argv)
    written = curate(args.shared, args.out)
    print(f"wrote {len(written)} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
