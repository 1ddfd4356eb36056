"""Reuse-graph benchmark (issue 12): the lineage stage over listing-sized snapshots, and the
issue's acceptance check on the 380 recorded listing pages.

    .venv/bin/python benchmarks/lineage.py [--sizes 380000,760000,3000000] [--repeat 3]

Data. The 380 real listing pages recorded on 2024-07-11 (`../shared/data/hub-2024-07/
model_lists/`, 380,000 real models) parsed by the crawler's parser (`benchmarks/analysis.py`'s
`real_listing`, cached under /tmp/ptm-bench/). Larger sizes are **synthetic copies**: the
real rows repeated with new ids (`<id>~copy<k>`), and in copy k every `base_model:` tag that
names a real listing model names that model's copy k instead, so each copy is a replica of
the real graph (dangling references keep their names). Only the columns the graph reads are
written (`pipeline.lineage.graph.COLUMNS`), in Parquet parts of 50,000 rows under
`/tmp/ptm-bench/lineage-<size>/`, never in the repository.

Engines, each in a fresh subprocess per size (peak = the subprocess's max RSS, interpreter
and libraries included):

- `pipeline`: `run_lineage(snapshot, results)`, the whole stage: read, build the graph, every
  result table, the CSVs, the figure (PNG+PDF) and the report section;
- `networkx`: only the graph algorithms (strongly connected components, condensation,
  longest path to a root for every node) with networkx on the pipeline's edges, beside the
  pipeline's own scipy/numpy `components` + `depths` on the same edges: would a graph
  library be faster?

Acceptance (issue 12, "Done when"): on the 380 real pages as written (no name resolution),
`models_with_declared_base` and `edges` of `lineage.csv` against the same counts taken with
plain `json` from the raw pages. Results go to stdout and to `benchmarks/README.md`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from analysis import (  # noqa: E402
    SHARED_PAGES,
    WORK,
    measure_in_subprocess,
    peak_rss_mb,
    real_listing,
)
from readme_section import machine, update_readme  # noqa: E402

PART_ROWS = 50_000
SIZES = (380_000, 760_000, 3_000_000)
START, END = "<!-- lineage benchmark: start -->", "<!-- lineage benchmark: end -->"


# --- data -------------------------------------------------------------------------------


def build_snapshot(size: int, listing) -> Path:
    """`/tmp/ptm-bench/lineage-<size>/`: `size` rows (real, then synthetic replicas)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from pipeline.lineage.graph import BASE_TAG, COLUMNS

    folder = WORK / f"lineage-{size}"
    manifest = folder / "manifest.json"
    if manifest.is_file():
        return folder
    parts = folder / "models"
    parts.mkdir(parents=True, exist_ok=True)
    listing = listing.select([c for c in COLUMNS if c in listing.column_names]).combine_chunks()
    ids = listing["id"].combine_chunks()
    tags = listing["tags"].combine_chunks()
    values = pc.list_flatten(tags)
    target = pc.utf8_slice_codeunits(values, len(BASE_TAG))
    inside = pc.and_(pc.starts_with(values, BASE_TAG), pc.is_in(target, value_set=ids))
    inside = pc.fill_null(inside, False)
    written, copy, part = 0, 0, 0
    while written < size:
        chunk = listing
        if copy:
            suffix = pa.scalar(f"~copy{copy}")
            renamed = pc.if_else(inside, pc.binary_join_element_wise(values, suffix, ""), values)
            new_tags = pa.ListArray.from_arrays(tags.offsets, renamed, mask=tags.is_null())
            chunk = chunk.set_column(
                chunk.schema.get_field_index("id"),
                "id",
                pc.binary_join_element_wise(ids, suffix, ""),
            ).set_column(chunk.schema.get_field_index("tags"), "tags", new_tags)
        chunk = chunk.slice(0, min(len(chunk), size - written))
        for start in range(0, len(chunk), PART_ROWS):
            pq.write_table(chunk.slice(start, PART_ROWS), parts / f"part-{part:05d}.parquet")
            part += 1
        written += len(chunk)
        copy += 1
    manifest.write_text(
        json.dumps(
            {
                "snapshot_id": folder.name,
                "tables": {"models": {"parts": part, "rows": size}},
                "note": "benchmark data: real listing rows, then synthetic replicas",
            }
        )
    )
    return folder


def listing_pages(pages: int | None = None) -> list[Path]:
    """The recorded listing pages in the Hub's order (page 1 first), the first `pages`."""
    files = sorted(
        SHARED_PAGES.glob("models_page*_07-11-2024.json.gz"),
        key=lambda p: int(p.name.split("_page")[1].split("_")[0]),
    )
    return files if pages is None else files[:pages]


def raw_counts(pages: int | None = None) -> dict:
    """Listing items, models with a `base_model:` tag and distinct (model, base) pairs, from
    the raw pages with plain json (the listing has no card data, so tags are the only
    source); an id listed twice counts once, as the crawl keeps its first row."""
    relations = ("finetune:", "adapter:", "quantized:", "merge:")
    seen: set[str] = set()
    models, edges = 0, 0
    for page in listing_pages(pages):
        with gzip.open(page, "rt", encoding="utf-8") as handle:
            for item in json.load(handle):
                if item["id"] in seen:
                    continue
                seen.add(item["id"])
                bases = set()
                for tag in item.get("tags") or []:
                    if tag.startswith("base_model:"):
                        name = tag[len("base_model:") :]
                        for relation in relations:
                            if name.startswith(relation) and len(name) > len(relation):
                                name = name[len(relation) :]
                        if name:
                            bases.add(name)
                models += bool(bases)
                edges += len(bases)
    return {"items": len(seen), "models_with_declared_base": models, "edges": edges}


# --- engines (run in a subprocess) -------------------------------------------------------


def run_pipeline(folder: Path) -> dict:
    import pandas as pd

    from pipeline.lineage.command import run_lineage

    with tempfile.TemporaryDirectory() as results:
        run_lineage(folder, Path(results))
        summary = pd.read_csv(Path(results) / "lineage.csv").set_index("metric")["value"]
    keep = (
        "models",
        "models_with_declared_base",
        "edges",
        "dangling_references",
        "max_depth",
        "cycles",
        "self_references",
        "license_more_permissive_edges",
    )
    return {k: int(float(summary[k])) for k in keep}


def run_networkx(folder: Path) -> dict:
    """networkx vs the pipeline's scipy/numpy on the same edges: components + depths."""
    import networkx as nx
    import numpy as np

    from pipeline.lineage.command import load_graph
    from pipeline.lineage.graph import components, depths

    graph = load_graph(folder)
    start = time.perf_counter()
    ours = depths(graph, components(graph))
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    g.add_edges_from(zip(graph.edges["model_node"], graph.edges["base_node"], strict=True))
    condensed = nx.condensation(g)
    longest: dict[int, int] = {}
    for component in reversed(list(nx.topological_sort(condensed))):
        longest[component] = max(
            (longest[base] + 1 for base in condensed.successors(component)), default=0
        )
    mapping = condensed.graph["mapping"]
    theirs = np.fromiter((longest[mapping[n]] for n in range(graph.n_nodes)), dtype=np.int64)
    nx_s = time.perf_counter() - start
    return {
        "algorithms_s": {"pipeline (scipy+numpy)": round(ours_s, 3), "networkx": round(nx_s, 3)},
        "same_depths": bool((ours == theirs).all()),
        "max_depth": int(ours[: graph.n_models].max()),
    }


ENGINES = {"pipeline": run_pipeline, "networkx": run_networkx}


def child(engine: str, folder: str) -> None:
    """Subprocess entry: import, then time the engine; print one JSON line."""
    sys.path.insert(0, str(ROOT))
    import matplotlib

    matplotlib.use("Agg")
    import pipeline.lineage.command  # noqa: F401 - import cost outside the timing

    if engine == "networkx":
        import networkx  # noqa: F401
    baseline = peak_rss_mb()
    start = time.perf_counter()
    result = ENGINES[engine](Path(folder))
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {"seconds": seconds, "peak_mb": peak_rss_mb(), "import_mb": baseline, "result": result}
        )
    )


def measure(engine: str, folder: Path, repeat: int) -> dict | None:
    return measure_in_subprocess(__file__, engine, folder, repeat)


# --- report --------------------------------------------------------------------------------


def versions() -> str:
    import networkx
    import numpy
    import pandas
    import pyarrow
    import scipy

    return (
        f"Python {platform.python_version()}, pandas {pandas.__version__}, pyarrow "
        f"{pyarrow.__version__}, numpy {numpy.__version__}, scipy {scipy.__version__}, "
        f"networkx {networkx.__version__} (baseline only)"
    )


def render(results: dict, acceptance: dict, repeat: int) -> str:
    lines = [
        "## Reuse graph (lineage): 3M models, and the acceptance check",
        "",
        "`.venv/bin/python benchmarks/lineage.py` (written by that command; do not edit by "
        "hand). Data: the 380,000 real models of the recorded 2024-07-11 listing, parsed by "
        "the crawler's parser; 760,000 and 3,000,000 rows are **synthetic replicas** of that "
        "real graph (ids and in-listing `base_model:` targets suffixed `~copy<k>`). Each "
        f"number is the best of {repeat} run(s) in a fresh subprocess; peak = the "
        "subprocess's max RSS (interpreter and libraries included).",
        "",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {machine()}",
        f"- Versions: {versions()}",
        "",
        "**Acceptance (issue 12).** The 380 recorded pages, names as written: "
        f"{acceptance['items']:,} listing items; models with a declared base "
        f"{acceptance['models_with_declared_base']:,} from the raw JSON vs "
        f"{acceptance['pipeline_models_with_declared_base']:,} in lineage.csv; edges "
        f"{acceptance['edges']:,} vs {acceptance['pipeline_edges']:,}: "
        f"**{'equal' if acceptance['equal'] else 'DIFFERENT'}**.",
        "",
        "| rows | engine | time (s) | peak RSS (MB) | import RSS (MB) | result |",
        "|---|---|---|---|---|---|",
    ]
    for size, engines in results.items():
        for engine, run in engines.items():
            if run is None:
                lines.append(f"| {size:,} | {engine} | failed | | | |")
                continue
            result = json.dumps(run["result"]).replace("|", "/")
            lines.append(
                f"| {size:,} | {engine} | {run['seconds']:.2f} | {run['peak_mb']:.0f} | "
                f"{run['import_mb']:.0f} | {result} |"
            )
    lines += [
        "",
        "`pipeline` = `run_lineage`: read the Parquet parts, build the graph, every result "
        "table, CSVs, figure (PNG+PDF), report section. `networkx` row: time = loading the "
        "graph plus both algorithm runs; `algorithms_s` compares the depth-and-cycles step "
        "alone (scipy strongly connected components + numpy frontiers vs networkx "
        "condensation + longest path), `same_depths` checks they agree on every node. "
        "Target (issue 12): 3M models in under a minute and 4 GB; a graph library only if "
        "it beats the array code.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="do not update README.md")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    sys.path.insert(0, str(ROOT))
    listing = real_listing()
    print(f"real listing: {len(listing):,} models", flush=True)
    acceptance = raw_counts()
    results: dict[int, dict] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        folder = build_snapshot(size, listing)
        results[size] = {}
        for engine in ENGINES:
            run = measure(engine, folder, args.repeat)
            results[size][engine] = run
            if run:
                print(
                    f"{size:>9,} {engine:<9} {run['seconds']:6.2f} s  "
                    f"peak {run['peak_mb']:6.0f} MB  {run['result']}",
                    flush=True,
                )
    real = results.get(len(listing), {}).get("pipeline") or measure(
        "pipeline", build_snapshot(len(listing), listing), 1
    )
    acceptance["pipeline_models_with_declared_base"] = real["result"]["models_with_declared_base"]
    acceptance["pipeline_edges"] = real["result"]["edges"]
    acceptance["equal"] = (
        acceptance["pipeline_models_with_declared_base"] == acceptance["models_with_declared_base"]
        and acceptance["pipeline_edges"] == acceptance["edges"]
    )
    print(f"acceptance: {acceptance}", flush=True)
    text = render(results, acceptance, args.repeat)
    if not args.no_write:
        update_readme(ROOT / "benchmarks" / "README.md", text, START, END)
    print(text)
    return 0 if acceptance["equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
