"""Done-when check of issue 15: a replay of the full recorded listing whose Hub answers 307
for renamed paper ids and legacy dataset names, crawled with `configs/hub-listing.yaml`,
then analysed with `--population paper` and `all`.

    PYTHONPATH=. .venv/bin/python benchmarks/names.py [--pages 380] [--work /tmp/ptm-names]

Data: the 380 recorded listing pages (`../shared/data/hub-2024-07/model_lists/`, as
`benchmarks/analysis.py` reads them) as listed models; the 87 recorded dataset pages as
dataset records; renames INFERRED by the rule of `pipeline/hub/replay/infer.py` (labelled
`inferred`, served with `X-Replay-Rename-Evidence: inferred`), for the paper's legacy ids,
legacy base-model references and legacy dataset names. Nothing is written to the repository.
Prints the three paper counts, the names resolved, the requests spent, Figure 6's top
datasets and Table IV's fan-in rows.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from names_data import listing_envelopes, names_file_lines, names_for, references  # noqa: E402

from pipeline.hub.replay.names import NAMES_FILE, write_names  # noqa: E402
from pipeline.paper import paper_model_ids  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "hub-2024-07"


def build_data(out: Path, pages: int, shared: Path = SHARED) -> dict[str, int]:
    """A replay data directory: the first `pages` listing pages, datasets, inferred renames."""
    out.mkdir(parents=True, exist_ok=True)
    models = list(listing_envelopes(shared / "model_lists", "models_page*.json.gz", "listing"))
    listed = models[: pages * 1000]
    with gzip.open(out / "models.jsonl.gz", "wt", encoding="utf-8") as handle:
        for envelope in listed:
            handle.write(json.dumps({**envelope, "requested_id": envelope["record"]["id"]}) + "\n")
    ids = {e["record"]["id"] for e in listed}
    bases, datasets = references(e["record"] for e in listed)
    unlisted, dataset_records, renames = names_for(
        ids,
        bases | set(paper_model_ids()),
        datasets,
        [e for e in models if e["record"]["id"] in ids],  # the rule sees the replayed listing
        list(listing_envelopes(shared / "dataset_lists", "datasets_page*.json.gz", "listing")),
    )
    write_names(out / NAMES_FILE, names_file_lines(unlisted, dataset_records, renames))
    return {"models": len(listed), "datasets": len(dataset_records), "renames": len(renames)}


def run(work: Path, pages: int, quota: int = 1_000_000) -> dict:
    """Build, serve, crawl with configs/hub-listing.yaml, analyse; the measured numbers."""
    from pipeline.hub.replay.server import ReplayHub
    from pipeline.hub.replay.store import ReplayStore

    data = work / "replay-data"
    built = build_data(data, pages)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_DISABLE_TELEMETRY": "1"}
    ptm = [sys.executable, "-m", "pipeline.cli"]
    with ReplayHub(ReplayStore.load(data)) as hub:
        env["HF_ENDPOINT"] = hub.url
        sets = [f"paths.snapshots={work / 'snapshots'}", f"crawl.api_quota={quota}"]
        # Every name, as when the numbers in README were measured (the shipped config asks
        # the 2,000 most-referenced per crawl).
        sets += ["crawl.progress=false", "crawl.resolve_names=all"]
        command = [*ptm, "crawl", "--config", str(ROOT / "configs/hub-listing.yaml")]
        for item in sets:
            command += ["--set", item]
        subprocess.run(command, check=True, env=env)
    snapshot = sorted((work / "snapshots").glob("20*"))[-1]
    for population in ("paper", "all"):
        results = work / f"results-{population}"
        subprocess.run(
            [*ptm, "analyze", "--snapshot", str(snapshot), "--results", str(results),
             "--population", population],
            check=True, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return summary(snapshot, work, built)


def summary(snapshot: Path, work: Path, built: dict[str, int]) -> dict:
    import pandas as pd

    from pipeline.snapshot.reader import read_manifest, read_table

    names = read_table(snapshot, "names")
    paper = json.loads((work / "results-paper" / "analysis.json").read_text())
    figure6 = pd.read_csv(work / "results-all" / "figure6_datasets.csv")
    table4 = pd.read_csv(work / "results-all" / "table4.csv").set_index("mitigation")
    figure7 = pd.read_csv(work / "results-paper" / "figure7.csv")
    resolved = names[names["how"].isin(["redirect", "found"])]
    return {
        "replay": built,
        "paper_ids": {
            k: paper[f"paper_ids_{k}"] for k in ("as_written", "via_rename", "not_found")
        },
        "population_models": paper["models"],
        "figure7_paper_models": int(figure7["models"].sum()),
        "names": {
            f"{k}/{h}": int(n) for (k, h), n in names.groupby(["kind", "how"]).size().items()
        },
        "model_names_resolved": int((resolved["kind"] == "model").sum()),
        "datasets_resolved": int((resolved["kind"] == "dataset").sum()),
        "requests": read_manifest(snapshot)["requests"],
        "figure6_top": figure6.loc[
            figure6["kind"] != "paper", ["dataset", "models"]
        ].values.tolist(),
        "base_model_fan_in": table4.loc["base_model_fan_in", "measured_value"],
        "dataset_fan_in": table4.loc["dataset_fan_in", "measured_value"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=380)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ptm-names"))
    args = parser.parse_args()
    import shutil

    shutil.rmtree(args.work, ignore_errors=True)
    result = run(args.work, args.pages)
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
