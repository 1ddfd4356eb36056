"""Done-when check of issue 12: the reuse graph of a listing-only crawl of the recorded listing.

    PYTHONPATH=. .venv/bin/python benchmarks/lineage_crawl.py [--pages 380] [--work DIR]

A replay of the recorded listing pages (`../shared/data/hub-2024-07/model_lists/`, built as
`benchmarks/names.py` builds it) is crawled with `configs/hub-listing.yaml` and name
resolution off (names as written), analysed with `ptm analyze`, and `results/lineage.csv`'s
`models_with_declared_base` and `edges` are compared with the same counts taken directly from
the raw JSON pages by `benchmarks/lineage.py`'s `raw_counts`. Prints both and the wall time.
Nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lineage import raw_counts  # noqa: E402
from names import build_data  # noqa: E402


def crawl_and_analyze(work: Path, pages: int) -> dict[str, str]:
    """Serve the pages, crawl listing-only (names as written), analyse; lineage.csv."""
    from pipeline.hub.replay.server import ReplayHub
    from pipeline.hub.replay.store import ReplayStore

    data = work / "replay-data"
    build_data(data, pages)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_DISABLE_TELEMETRY": "1"}
    ptm = [sys.executable, "-m", "pipeline.cli"]
    with ReplayHub(ReplayStore.load(data)) as hub:
        env["HF_ENDPOINT"] = hub.url
        command = [*ptm, "crawl", "--config", str(ROOT / "configs/hub-listing.yaml")]
        for item in (
            f"paths.snapshots={work / 'snapshots'}",
            "crawl.api_quota=1000000",
            "crawl.progress=false",
            "crawl.resolve_names=off",
        ):
            command += ["--set", item]
        subprocess.run(command, check=True, env=env)
    snapshot = sorted((work / "snapshots").glob("20*"))[-1]
    results = work / "results"
    subprocess.run(
        [*ptm, "analyze", "--snapshot", str(snapshot), "--results", str(results)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    lines = (results / "lineage.csv").read_text(encoding="utf-8").splitlines()[1:]
    return dict(line.split(",", 1) for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=380)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ptm-lineage-crawl"))
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    started = time.monotonic()
    lineage = crawl_and_analyze(args.work, args.pages)
    elapsed = time.monotonic() - started
    counted = raw_counts(args.pages)
    raw = {"models": counted.pop("items"), **counted}
    result = {
        "pages": args.pages,
        "crawl_and_analyze_s": round(elapsed, 1),
        "raw_json": raw,
        "lineage_csv": {k: lineage[k] for k in (*raw, "dangling_references", "max_depth")},
    }
    result["equal"] = all(int(lineage[k]) == v for k, v in raw.items())
    print(json.dumps(result, indent=2))
    return 0 if result["equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
