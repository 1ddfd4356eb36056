"""Compaction benchmark: read times of a snapshot before and after compaction (pandas,
DuckDB; cold and warm), and the compaction's wall time and peak memory.

    PYTHONPATH=. .venv/bin/python benchmarks/compaction.py [--pages 380] [--rows 2500000]
        [--work /tmp/ptm-bench-compaction] [--no-write]

Data (built once under `--work`, reused by later runs; never in the repository):

- `crawl`: the recorded listing pages (`../shared/data/hub-2024-07/model_lists/`, 380 pages,
  380,000 real models; built into a replay as `benchmarks/names.py` builds it) crawled by
  `ptm crawl --config configs/hub-listing.yaml` with `crawl.compact=false` and names off: the
  `models`, `files` and `errors` tables as the crawl writes them, one part per listing page.
  This crawl takes about 5 minutes.
- `models-<rows>`: that crawl's `models` rows repeated with new ids (`<id>~copy<k>`,
  **synthetic copies**) to `--rows` rows (2.5M: today's Hub), in parts of 1,000 rows, as a
  2,500-page listing writes them.

Each measurement runs in a fresh subprocess. Compaction is `compact_snapshot` (what
`crawl.compact` runs before the manifest) on a copy of the uncompacted snapshot: wall time,
and peak RSS of the subprocess (interpreter and libraries included). For the largest table
it is also run with an unlimited memory budget (sorting the table in one piece), the
alternative the memory budget avoids. Reads of `models`: `pd.read_parquet` of the folder
(four columns); the pipeline's own reader (`ptm analyze`'s record batches) counting
Figure 7; DuckDB's Figure 7 counts over `models/*.parquet`; DuckDB's lookup of one model by
id. **Cold**: the first query of a fresh process after the table's files were evicted from
the page cache (`posix_fadvise(DONTNEED)` on each file; the machine's other work keeps its
cache); **warm**: the best of three repeats in that process. The benchmark
measures; it asserts nothing and is not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from readme_section import machine, update_readme  # noqa: E402

README = ROOT / "benchmarks" / "README.md"
START = "<!-- compaction benchmark: start -->"
END = "<!-- compaction benchmark: end -->"
WORK = Path("/tmp/ptm-bench-compaction")
PART_ROWS = 1000
COLUMNS = ["id", "pipeline_tag", "tags", "downloads"]
ENGINES = ("pandas", "pipeline", "duckdb-fig7", "duckdb-lookup")


# --- data -------------------------------------------------------------------------------


def crawled_snapshot(work: Path, pages: int) -> Path:
    """The uncompacted listing-only crawl of the recorded pages (cached)."""
    store = work / f"crawl-{pages}" / "snapshots"
    done = sorted(store.glob("20*/manifest.json"))
    if done:
        return done[-1].parent
    from names import build_data

    from pipeline.hub.replay.server import ReplayHub
    from pipeline.hub.replay.store import ReplayStore

    shutil.rmtree(store.parent, ignore_errors=True)
    data = store.parent / "replay-data"
    build_data(data, pages)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_DISABLE_TELEMETRY": "1"}
    command = [sys.executable, "-m", "pipeline.cli", "crawl"]
    command += ["--config", str(ROOT / "configs/hub-listing.yaml")]
    for item in (
        f"paths.snapshots={store}",
        "crawl.api_quota=1000000",
        "crawl.progress=false",
        "crawl.resolve_names=off",
        "crawl.compact=false",
    ):
        command += ["--set", item]
    started = time.monotonic()
    with ReplayHub(ReplayStore.load(data)) as hub:
        env["HF_ENDPOINT"] = hub.url
        subprocess.run(command, check=True, env=env)
    seconds = time.monotonic() - started
    (store.parent / "crawl-seconds.txt").write_text(f"{seconds:.0f}\n")
    say(f"crawled {pages} pages in {seconds:.0f} s")
    shutil.rmtree(data)
    return sorted(store.glob("20*/manifest.json"))[-1].parent


def scaled_models(work: Path, source: Path, rows: int) -> Path:
    """`models` of `source` repeated with new ids to `rows` rows, in 1,000-row parts."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from pipeline.snapshot.reader import table_parts

    folder = work / f"models-{rows}" / "2024-07-11T000000Z"
    if (folder / "manifest.json").is_file():
        return folder
    shutil.rmtree(folder.parent, ignore_errors=True)
    real = pa.concat_tables(pq.read_table(p) for p in table_parts(source, "models"))
    (folder / "models").mkdir(parents=True)
    id_index = real.schema.get_field_index("id")
    written, copy, part = 0, 0, 0
    while written < rows:
        chunk = real.slice(0, min(real.num_rows, rows - written))
        if copy:
            ids = pc.binary_join_element_wise(chunk["id"], pa.scalar(f"~copy{copy}"), "")
            chunk = chunk.set_column(id_index, real.schema.field("id"), ids)
        for start in range(0, chunk.num_rows, PART_ROWS):
            part += 1
            target = folder / "models" / f"part-{part:05d}.parquet"
            pq.write_table(chunk.slice(start, PART_ROWS), target, compression="zstd")
        written += chunk.num_rows
        copy += 1
    manifest = {"tables": {"models": {"rows": rows, "parts": part}}, "note": "synthetic copies"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def fresh_copy(folder: Path, target: Path) -> Path:
    shutil.rmtree(target.parent, ignore_errors=True)
    target.parent.mkdir(parents=True)
    return Path(shutil.copytree(folder, target))


# --- children (each a fresh subprocess) -----------------------------------------------------


def peak_mb() -> float:
    """This process's peak RSS. VmHWM starts afresh at exec; ru_maxrss would keep the
    forking parent's high-water mark."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_compact(folder: Path, one_piece: bool) -> dict:
    """`compact_snapshot` with its defaults, or (`one_piece`) with no memory budget and no
    file size limit: each table sorted in memory whole."""
    from pipeline.snapshot.compact import compact_snapshot, refresh_manifest

    unlimited = {"sort_bytes": 2**62, "rows_per_file": 2**62} if one_piece else {}
    started = time.perf_counter()
    results = compact_snapshot(folder, **unlimited)
    seconds = time.perf_counter() - started
    refresh_manifest(folder, results)
    return {
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "tables": {r.table: [r.rows, r.sources, len(r.files), r.ranges] for r in results},
    }


def evict(folder: Path) -> None:
    """Drop the files of `folder` from the page cache (only theirs)."""
    for path in folder.iterdir():
        if path.is_file():
            handle = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(handle, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(handle)


def child_read(engine: str, folder: Path, lookup: str) -> dict:
    """Cold (first query after eviction) and warm (best of 3) seconds of one read."""
    table = folder / "models"
    if engine == "pandas":
        import pandas as pd

        def query() -> object:
            return len(pd.read_parquet(table, columns=COLUMNS))
    elif engine == "pipeline":
        from pipeline.analyze.figure7 import Figure7Counter
        from pipeline.analyze.source import open_snapshot

        def query() -> object:
            counter = Figure7Counter()
            for batch in open_snapshot(folder).batches("models", Figure7Counter.columns):
                counter.add(batch)
            counts = counter.table()
            return [int(counts["models_with_claims"].sum()), int(counts["models"].sum())]
    else:
        import duckdb

        from pipeline.analyze.figure7 import PAPER_TASKS

        connection = duckdb.connect()
        tasks = ", ".join(f"'{t}'" for t in PAPER_TASKS)  # constants, not user input
        sql = {
            "duckdb-fig7": f"""SELECT CASE WHEN pipeline_tag IN ({tasks}) THEN pipeline_tag
                                     ELSE 'other' END AS task,
                    count(*) FILTER (WHERE list_contains(tags, 'model-index')) AS k, count(*) AS n
                FROM read_parquet(?) GROUP BY 1 ORDER BY 1""",
            "duckdb-lookup": "SELECT id, downloads FROM read_parquet(?) WHERE id = ?",
        }[engine]
        parameters = [str(table / "*.parquet")] + ([lookup] if engine == "duckdb-lookup" else [])

        def query() -> object:
            return connection.execute(sql, parameters).fetchall()

    evict(table)
    started = time.perf_counter()
    answer = query()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(3):
        started = time.perf_counter()
        query()
        warm.append(time.perf_counter() - started)
    return {"cold": cold, "warm": min(warm), "answer": repr(answer)[:2000]}


def run_child(*arguments: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *arguments],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode != 0:
        sys.exit(f"child {arguments} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- measuring ------------------------------------------------------------------------------


def measure(name: str, folder: Path, work: Path, one_piece: bool) -> dict:
    """Reads before, compaction of a copy, reads after (and the one-piece compaction)."""
    import pyarrow.parquet as pq

    from pipeline.snapshot.reader import table_parts

    ids = sorted(pq.read_table(table_parts(folder, "models")[-1], columns=["id"])["id"].to_pylist())
    lookup = ids[len(ids) // 2]
    compacted = fresh_copy(folder, work / f"{name}-compacted" / folder.name)
    result: dict = {"name": name, "before": {}, "after": {}}
    result["files_before"] = len(table_parts(folder, "models"))
    result["mb_before"] = _size(folder / "models")
    for engine in ENGINES:
        result["before"][engine] = run_child("read", engine, str(folder), lookup)
    say(f"{name}: compacting")
    result["compaction"] = run_child("compact", str(compacted))
    for engine in ENGINES:
        result["after"][engine] = run_child("read", engine, str(compacted), lookup)
    result["files_after"] = len(table_parts(compacted, "models"))
    result["mb_after"] = _size(compacted / "models")
    result["same"] = {
        engine: result["before"][engine]["answer"] == result["after"][engine]["answer"]
        for engine in ENGINES
    }
    shutil.rmtree(compacted.parent)
    if one_piece:
        say(f"{name}: compacting in one piece (no memory budget)")
        whole = fresh_copy(folder, work / f"{name}-one-piece" / folder.name)
        result["one_piece"] = run_child("compact", str(whole), "one-piece")
        shutil.rmtree(whole.parent)
    return result


def _size(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 1e6


# --- report -------------------------------------------------------------------------------


def versions() -> str:
    import duckdb
    import pandas
    import pyarrow

    return (
        f"Python {platform.python_version()}, pandas {pandas.__version__}, "
        f"pyarrow {pyarrow.__version__}, duckdb {duckdb.__version__}"
    )


def render(results: list[dict], pages: int, seconds: float, crawl_seconds: str) -> str:
    from pipeline.snapshot.compact import ROW_GROUP_ROWS, ROWS_PER_FILE, SORT_BYTES

    lines = [
        "## Compaction: read times before and after, compaction time and memory",
        "",
        f"`PYTHONPATH=. .venv/bin/python benchmarks/compaction.py` (written by that command, "
        f"{seconds:.0f} s, plus {crawl_seconds} s for the crawl when its snapshot is not cached "
        f"yet; do not edit by hand). Data: `crawl` = a listing-only crawl "
        f"(`configs/hub-listing.yaml`, `crawl.compact=false`, names off) of the {pages} recorded "
        "listing pages of 2024-07-11 (`../shared/data/hub-2024-07/model_lists/`, real models) "
        "served by the replay Hub: one part per page in `models`, `files`, `errors` (the "
        "recorded pages hold no `siblings`, so `files` is empty); "
        "`models-N` = that crawl's `models` rows repeated with new ids (**synthetic copies**) "
        "to N rows in parts of 1,000 rows. Compaction defaults: row groups of "
        f"{ROW_GROUP_ROWS:,} rows, at most {ROWS_PER_FILE:,} rows per file, "
        f"{SORT_BYTES / 2**20:.0f} MiB sorted in memory at once. Every number comes from a "
        "fresh subprocess. Reads of the `models` table: `pandas` = `pd.read_parquet(models/, "
        f"columns={COLUMNS})`; `pipeline` = Figure 7's counts through the pipeline's reader "
        "(`ptm analyze`'s record batches); `duckdb-fig7` = the same counts in SQL over "
        "`models/*.parquet` (as `benchmarks/analysis.py`); `duckdb-lookup` = one model by id. "
        "**Cold** = first query "
        "after evicting the table's files from the page cache (`posix_fadvise(DONTNEED)`); "
        "**warm** = best of 3 repeats. Peak RSS includes the interpreter and libraries. The "
        "synthetic copies sit side by side once sorted by id, so their compacted size "
        "overstates what zstd gains on real rows (the `crawl` row is real).",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Versions: {versions()}",
        "",
        "| data | models rows | files before -> after | MB before -> after | read | "
        "cold before -> after (s) | warm before -> after (s) | warm speed-up | same answer |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows = r["compaction"]["tables"]["models"][0]
        for engine in ENGINES:
            b, a = r["before"][engine], r["after"][engine]
            lines.append(
                f"| {r['name']} | {rows:,} | {r['files_before']:,} -> {r['files_after']} | "
                f"{r['mb_before']:.0f} -> {r['mb_after']:.0f} | {engine} | "
                f"{b['cold']:.3f} -> {a['cold']:.3f} | {b['warm']:.3f} -> {a['warm']:.3f} | "
                f"{b['warm'] / a['warm']:.1f}x | {'yes' if r['same'][engine] else 'NO'} |"
            )
    lines += [
        "",
        "| data | compaction | wall time (s) | peak RSS (MB) | tables: rows, parts -> files "
        "(key ranges) |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        runs = [("memory budget (default)", r["compaction"])]
        if "one_piece" in r:
            runs.append(("one piece (no budget)", r["one_piece"]))
        for label, run in runs:
            tables = "; ".join(
                f"{name} {rows:,}, {parts:,} -> {files} ({ranges})"
                for name, (rows, parts, files, ranges) in run["tables"].items()
            )
            lines.append(
                f"| {r['name']} | {label} | {run['seconds']:.1f} | {run['peak_mb']:.0f} | "
                f"{tables} |"
            )
    return "\n".join(lines) + "\n"


def say(message: str) -> None:
    print(f"[compaction] {message}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=380)
    parser.add_argument("--rows", type=int, default=2_500_000)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--no-write", action="store_true", help="do not update README.md")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "compact":
            out = child_compact(Path(rest[0]), one_piece=rest[1:] == ["one-piece"])
        else:
            out = child_read(rest[0], Path(rest[1]), rest[2])
        print(json.dumps(out))
        return 0
    began = time.perf_counter()
    crawl = crawled_snapshot(args.work, args.pages)
    big = scaled_models(args.work, crawl, args.rows)
    results = [
        measure("crawl", crawl, args.work, one_piece=False),
        measure(f"models-{args.rows:,}", big, args.work, one_piece=True),
    ]
    timing = crawl.parents[1] / "crawl-seconds.txt"
    crawl_seconds = timing.read_text().strip() if timing.is_file() else "?"
    text = render(results, args.pages, time.perf_counter() - began, crawl_seconds)
    print(text)
    (args.work / "results.json").write_text(json.dumps(results, indent=2))
    if not args.no_write:
        update_readme(README, text, START, END)
        say(f"wrote {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
