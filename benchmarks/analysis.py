"""Analysis benchmark: Figure 7 + Figure 6 (datasets) tables over a listing-sized snapshot.

    .venv/bin/python benchmarks/analysis.py [--sizes 380000,760000,3000000] [--repeat 3]

Data. The 380 real listing pages recorded on 2024-07-11 (`../shared/data/hub-2024-07/
model_lists/`, 380,000 real models) are parsed with the crawler's own parser into a
`models` table. Larger sizes are **synthetic copies**: the real rows repeated with new ids
(`<id>~copy<k>`), everything else unchanged. Each size is written as a snapshot folder
(`models/part-*.parquet`, 50,000 rows per part, plus a manifest) under `/tmp/ptm-bench/`,
never in the repository.

Engines, each run in a fresh subprocess per size (time = reading the Parquet parts and
computing both tables; peak memory = the subprocess's maximum RSS, which includes the
Python interpreter and imported libraries):

- `pipeline`: this package (`pipeline.analyze.source` batches + `Figure7Counter` +
  `DatasetCounter`), the code `ptm analyze` runs;
- `pandas-naive`: `pd.read_parquet` of the columns, `explode` of tags and datasets, groupby;
- `duckdb`: one SQL query per table over the same Parquet parts (if `duckdb` is installed).

Results go to stdout and to `benchmarks/README.md` (machine, date, numbers, ratios). The
benchmark measures; it asserts nothing and is not part of the test suite.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from readme_section import machine, update_readme  # noqa: E402

SHARED_PAGES = ROOT.parent / "shared" / "data" / "hub-2024-07" / "model_lists"
WORK = Path("/tmp/ptm-bench")
PART_ROWS = 50_000
SIZES = (380_000, 760_000, 3_000_000)
COLUMNS = ["id", "pipeline_tag", "tags", "card_data", "model_index", "datasets"]


# --- data -------------------------------------------------------------------------------


def real_listing():
    """The 380 recorded listing pages as a `models` table (cached under /tmp)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cache = WORK / "listing-2024-07-11.parquet"
    if cache.is_file():
        return pq.read_table(cache)
    sys.path.insert(0, str(ROOT))
    from pipeline.crawl.records import parse_model_record
    from pipeline.snapshot.schema import MODELS

    pages = sorted(SHARED_PAGES.glob("models_page*_07-11-2024.json.gz"))
    if not pages:
        sys.exit(f"no listing pages under {SHARED_PAGES}")
    rows, seen = [], set()
    for page in pages:
        with gzip.open(page, "rt", encoding="utf-8") as handle:
            for item in json.load(handle):
                row = parse_model_record(item)
                if row["id"] in seen:
                    continue
                seen.add(row["id"])
                rows.append(row)
    schema = pa.schema([MODELS.field(c) for c in MODELS.names if c in rows[0]])
    table = pa.Table.from_pylist(rows, schema=schema)
    WORK.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, cache)
    return table


def build_snapshot(size: int, listing) -> Path:
    """`/tmp/ptm-bench/models-<size>/`: `size` rows (real, then synthetic copies)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from pipeline.snapshot.schema import MODELS

    folder = WORK / f"models-{size}"
    manifest = folder / "manifest.json"
    if manifest.is_file():
        return folder
    parts = folder / "models"
    parts.mkdir(parents=True, exist_ok=True)
    full_schema = pa.schema([f.with_nullable(True) for f in MODELS])
    written, copy, part = 0, 0, 0
    while written < size:
        chunk = listing.slice(0, min(len(listing), size - written))
        if copy:
            chunk = chunk.set_column(
                chunk.schema.get_field_index("id"),
                "id",
                pc.binary_join_element_wise(chunk["id"], pa.scalar(f"~copy{copy}"), ""),
            )
        columns = [
            chunk[f.name] if f.name in chunk.column_names else pa.nulls(len(chunk), f.type)
            for f in full_schema
        ]
        chunk = pa.Table.from_arrays(columns, schema=full_schema)
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
                "listing": {"expand": ["tags", "pipeline_tag"]},
                "note": "benchmark data: real listing rows, then synthetic copies",
            }
        )
    )
    return folder


# --- engines (run in a subprocess) -------------------------------------------------------


def run_pipeline(folder: Path) -> dict:
    from pipeline.analyze.figure6 import DatasetCounter
    from pipeline.analyze.figure7 import Figure7Counter
    from pipeline.analyze.source import open_snapshot

    source = open_snapshot(folder)
    figure7, datasets = Figure7Counter(), DatasetCounter()
    columns = [*Figure7Counter.columns, *DatasetCounter.columns]
    for batch in source.batches("models", columns):
        figure7.add(batch)
        datasets.add(batch)
    table7, table6 = figure7.table(), datasets.table()
    return {
        "claims": int(table7["models_with_claims"].sum()),
        "models": int(table7["models"].sum()),
        "top_dataset": [str(table6.iloc[0]["dataset"]), int(table6.iloc[0]["models"])],
        "no_dataset": int(table6.set_index("dataset").loc["None", "models"]),
    }


def run_pandas(folder: Path) -> dict:
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    from pipeline.analyze.figure7 import PAPER_TASKS

    frame = pd.read_parquet(folder / "models", columns=["id", "pipeline_tag", "tags", "datasets"])
    task = frame["pipeline_tag"].where(frame["pipeline_tag"].isin(PAPER_TASKS), "other")
    tags = frame["tags"].explode()
    claim = (tags == "model-index").groupby(level=0).any()
    figure7 = (
        pd.DataFrame({"task": task, "claim": claim}).groupby("task")["claim"].agg(["sum", "size"])
    )
    pairs = frame[["id", "datasets"]].explode("datasets").dropna().drop_duplicates()
    counts = pairs.groupby("datasets").size().sort_values(ascending=False)
    no_dataset = len(frame) - pairs["id"].nunique()
    return {
        "claims": int(figure7["sum"].sum()),
        "models": int(figure7["size"].sum()),
        "top_dataset": [str(counts.index[0]), int(counts.iloc[0])],
        "no_dataset": int(no_dataset),
    }


def run_duckdb(folder: Path) -> dict:
    import duckdb

    sys.path.insert(0, str(ROOT))
    from pipeline.analyze.figure7 import PAPER_TASKS

    parts = str(folder / "models" / "*.parquet")
    tasks = ", ".join(f"'{t}'" for t in PAPER_TASKS)  # constants, not user input
    connection = duckdb.connect()
    figure7 = connection.execute(
        f"""SELECT CASE WHEN pipeline_tag IN ({tasks}) THEN pipeline_tag ELSE 'other' END AS task,
                   count(*) FILTER (WHERE list_contains(tags, 'model-index')) AS k, count(*) AS n
            FROM read_parquet(?) GROUP BY 1""",
        [parts],
    ).fetchall()
    top = connection.execute(
        """SELECT dataset, count(DISTINCT id) AS n FROM
               (SELECT id, unnest(datasets) AS dataset FROM read_parquet(?))
           GROUP BY 1 ORDER BY n DESC, dataset LIMIT 10""",
        [parts],
    ).fetchall()
    no_dataset = connection.execute(
        "SELECT count(*) FROM read_parquet(?) WHERE len(coalesce(datasets, [])) = 0", [parts]
    ).fetchone()[0]
    return {
        "claims": int(sum(k for _, k, _ in figure7)),
        "models": int(sum(n for _, _, n in figure7)),
        "top_dataset": [str(top[0][0]), int(top[0][1])],
        "no_dataset": int(no_dataset),
    }


ENGINES = {"pipeline": run_pipeline, "pandas-naive": run_pandas, "duckdb": run_duckdb}


def child(engine: str, folder: str) -> None:
    """Subprocess entry: import, then time the engine; print one JSON line."""
    sys.path.insert(0, str(ROOT))
    if engine == "pipeline":
        import pipeline.analyze.figure6
        import pipeline.analyze.figure7  # noqa: F401 - import cost outside the timing
    elif engine == "pandas-naive":
        import pandas  # noqa: F401
    else:
        import duckdb  # noqa: F401
    baseline = peak_rss_mb()
    start = time.perf_counter()
    result = ENGINES[engine](Path(folder))
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    print(
        json.dumps({"seconds": seconds, "peak_mb": peak, "import_mb": baseline, "result": result})
    )


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: VmHWM, which starts afresh at exec (unlike
    ru_maxrss, which a child started by fork+exec inherits from a large parent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_in_subprocess(script: str, engine: str, folder: Path, repeat: int) -> dict | None:
    """Run `script --child engine folder` `repeat` times, each in a fresh subprocess; the
    fastest run, with the largest peak memory of all runs (None when one failed)."""
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, script, "--child", engine, str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"{engine} failed: {done.stderr.strip().splitlines()[-3:]}", file=sys.stderr)
            return None
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["seconds"])
    best["peak_mb"] = max(r["peak_mb"] for r in runs)
    return best


def measure(engine: str, folder: Path, repeat: int) -> dict | None:
    return measure_in_subprocess(__file__, engine, folder, repeat)


# --- report --------------------------------------------------------------------------------


def versions() -> str:
    import pandas
    import pyarrow

    found = [
        f"Python {platform.python_version()}",
        f"pandas {pandas.__version__}",
        f"pyarrow {pyarrow.__version__}",
    ]
    try:
        import duckdb

        found.append(f"duckdb {duckdb.__version__}")
    except ImportError:
        found.append("duckdb not installed")
    return ", ".join(found)


def render(results: dict[int, dict[str, dict | None]], repeat: int) -> str:
    lines = [
        "## Analysis: Figure 7 + Figure 6 (datasets) tables",
        "",
        "`.venv/bin/python benchmarks/analysis.py` (written by that command; do not edit by "
        "hand). Data: the 380,000 real models of the recorded 2024-07-11 listing "
        "(`../shared/data/hub-2024-07/model_lists/`), parsed by the crawler's parser; the "
        "760,000 and 3,000,000 rows are the same real rows repeated with new ids "
        "(**synthetic copies**). Parquet parts of 50,000 rows under /tmp/ptm-bench/. Each "
        f"number is the best of {repeat} runs in a fresh subprocess; time = read + compute "
        "both tables; peak = the subprocess's max RSS (interpreter and libraries included; "
        "`import` = RSS after imports, before reading).",
        "",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {machine()}",
        f"- Versions: {versions()}",
        "",
        "| rows | engine | time (s) | peak RSS (MB) | import RSS (MB) | time / duckdb "
        "| same tables |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, engines in results.items():
        duck = engines.get("duckdb")
        reference = (duck or {}).get("result")
        for engine, run in engines.items():
            if run is None:
                lines.append(f"| {size:,} | {engine} | failed or not installed | | | | |")
                continue
            ratio = f"{run['seconds'] / duck['seconds']:.2f}x" if duck else "-"
            same = "-" if reference is None else ("yes" if run["result"] == reference else "NO")
            lines.append(
                f"| {size:,} | {engine} | {run['seconds']:.2f} | {run['peak_mb']:.0f} | "
                f"{run['import_mb']:.0f} | {ratio} | {same} |"
            )
    lines += [
        "",
        'Target (docs/design.md, "Figures to reach"): the pipeline within 2x of the DuckDB '
        "query at 760,000 rows, with bounded memory, growing linearly to millions of rows. "
        "`same tables` compares the totals each engine found (models, models with claims, "
        "top dataset and its count, models without a dataset) with DuckDB's.",
        "",
    ]
    return "\n".join(lines)


START, END = "<!-- analysis benchmark: start -->", "<!-- analysis benchmark: end -->"


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
    results: dict[int, dict[str, dict | None]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        folder = build_snapshot(size, listing)
        results[size] = {}
        for engine in ENGINES:
            run = measure(engine, folder, args.repeat)
            results[size][engine] = run
            if run:
                print(
                    f"{size:>9,} {engine:<13} {run['seconds']:6.2f} s  "
                    f"peak {run['peak_mb']:6.0f} MB  {run['result']}",
                    flush=True,
                )
    text = render(results, args.repeat)
    if not args.no_write:
        update_readme(ROOT / "benchmarks" / "README.md", text, START, END)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
