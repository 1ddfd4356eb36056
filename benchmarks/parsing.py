"""Parsing benchmark: what the hostile-input limits cost on real data.

    .venv/bin/python benchmarks/parsing.py [--pages 40] [--repeat 5]

Data: real recorded listing pages (`../shared/data/hub-2024-07/model_lists/`, 1000 models
each) and the real READMEs of `data/hub-2024-07/readmes/`. Measured in one run:

- listing page to `models`/`files`/`errors` tables: `parse_listing_page` (bounded JSON:
  depth measured before decoding, item-by-item fallback) against the same parse fed by a plain
  `json.loads` (the decoder before the limits), per page;
- front matter: `load_bounded_yaml` against `yaml.safe_load`, per README.

The best of `--repeat` passes counts. Results go to stdout and `benchmarks/README.md`.
The benchmark measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from readme_section import machine, update_readme  # noqa: E402

import pipeline.crawl.pages as pages  # noqa: E402
from pipeline.crawl.boundedyaml import load_bounded_yaml  # noqa: E402
from pipeline.crawl.cards import split_front_matter  # noqa: E402

PAGES = ROOT.parent / "shared" / "data" / "hub-2024-07" / "model_lists"
READMES = ROOT / "data" / "hub-2024-07" / "readmes"
PROVENANCE = {
    "snapshot_id": "bench",
    "fetched_at": datetime(2024, 7, 11, tzinfo=UTC),
    "crawler_version": "bench",
    "origin": "bench",
}


def best_of(repeat: int, work: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def parse_pages(raws: list[bytes], decode: Callable[[bytes], list]) -> None:
    original = pages.decode_json_array
    pages.decode_json_array = decode
    try:
        for raw in raws:
            pages.parse_listing_page(raw, PROVENANCE, "bench")
    finally:
        pages.decode_json_array = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = sorted(PAGES.glob("*"))[: args.pages]
    raws = [gzip.decompress(path.read_bytes()) for path in files]
    megabytes = sum(map(len, raws)) / 1e6
    bounded = best_of(args.repeat, lambda: parse_pages(raws, pages.decode_json_array))
    plain = best_of(args.repeat, lambda: parse_pages(raws, json.loads))
    texts = [
        split_front_matter(p.read_text(encoding="utf-8"))[0] for p in sorted(READMES.glob("*.md"))
    ]
    texts = [t for t in texts if t]
    loops = 20
    yaml_bounded = best_of(args.repeat, lambda: [load_bounded_yaml(t) for t in texts * loops])
    yaml_plain = best_of(args.repeat, lambda: [yaml.safe_load(t) for t in texts * loops])
    n_yaml = len(texts) * loops
    section = "\n".join(
        [
            "## Parsing: the cost of the hostile-input limits",
            "",
            f"`.venv/bin/python benchmarks/parsing.py --pages {args.pages} --repeat "
            f"{args.repeat}` on {datetime.now(UTC):%Y-%m-%d}, {machine()}, Python "
            f"{platform.python_version()}. Best of {args.repeat} passes.",
            "",
            "| work | with limits | plain decoder, same run | ratio |",
            "|---|---|---|---|",
            f"| {len(raws)} real listing pages ({megabytes:.1f} MB, "
            f"{len(raws) * 1000:,} models) to tables | {bounded * 1000 / len(raws):.1f} ms/page "
            f"| {plain * 1000 / len(raws):.1f} ms/page (`json.loads`) | {bounded / plain:.2f}x |",
            f"| front matter of {len(texts)} real READMEs x {loops} | "
            f"{yaml_bounded * 1000 / n_yaml:.2f} ms/card | {yaml_plain * 1000 / n_yaml:.2f} "
            f"ms/card (`yaml.safe_load`) | {yaml_bounded / yaml_plain:.2f}x |",
            "",
            "The listing ratio is the depth check (one masked pass over each body) on top of the "
            "decode and the row building; at the Hub's rate limits a page costs far more in "
            "waiting than in parsing.",
        ]
    )
    print(section)
    update_readme(
        ROOT / "benchmarks" / "README.md",
        section,
        "<!-- parsing: start -->",
        "<!-- parsing: end -->",
    )


if __name__ == "__main__":
    main()
