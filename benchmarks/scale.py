"""Issue 13, item 7: `ptm measure --config configs/hub.yaml` end to end against a replay of
a ~2.5M-model Hub, with wall time per phase, peak RSS, and requests per rate-limit bucket.

    PYTHONPATH=. .venv/bin/python benchmarks/scale.py [--models 2500000] [--work /tmp/ptm-scale]
    PYTHONPATH=. .venv/bin/python benchmarks/scale.py --models 100000 --keep-readme   # smoke run

Data: the recorded 2024-07 listing (`../shared/data/hub-2024-07/model_lists/`, 380 pages of
real models, with names and INFERRED renames built as `benchmarks/names.py` builds them),
served by the replay Hub's `ScaledStore` (`pipeline/hub/replay/scale.py`) with **SYNTHETIC
copies** under new namespaces (`scale-copy-N--author/name`) until the Hub holds `--models`
models. The first `ceil(models / copies / 1000)` recorded pages are used so that
`copies x pages x 1000` is the closest size at or above `--models`.

Run: the replay Hub (no rate limit, no latency, on 127.0.0.1, in this process) and
`ptm measure --config configs/hub.yaml` as a subprocess with `HF_ENDPOINT` pointing at it,
overrides: the crawler's own quotas raised to 10^9 (we measure our throughput and count
requests; the rate-limit time is computed from the counts), `crawl.commits=off` (the replay
Hub does not serve git), progress bars off. Measured by this process while it runs:

- peak RSS of the ptm process tree (sum over the process and its children, psutil, every
  0.25 s);
- phase times: crawl phases from the first and last line of each phase in the snapshot's
  `progress.jsonl` (seen while polling), crawl end = `manifest.json`; the offline stages from
  the first appearance of result files (analyze until the first figure file, plot until the
  last figure file, then claims and the report);
- requests: the manifest's `requests` (the crawler's counts) and the replay's own counts per
  endpoint kind and per rate-limit bucket; rate-limit minutes at free-tier limits
  (api 1000 / 5 min, resolvers 5000 / 5 min): `(api / 1000 + resolvers / 5000) * 5`.

Nothing is asserted: it measures. The full-size run rewrites its section of
`benchmarks/README.md` (`--keep-readme` leaves it alone; smaller runs never write it).
Everything else goes under `--work`, and `result.json` there.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from names import SHARED, build_data  # noqa: E402
from readme_section import machine, update_readme  # noqa: E402

README = ROOT / "benchmarks" / "README.md"
START = "<!-- scale benchmark: start -->"
END = "<!-- scale benchmark: end -->"
FULL_SIZE = 2_500_000
RECORDED_PAGES = 380
PAGE = 1000
RSS_LIMIT_MB = 4096
FREE_TIER = {"api": 1000, "resolvers": 5000}  # requests per 5-minute window
WINDOW_MIN = 5
NO_LIMIT = str(10**9)
OVERRIDES = (
    f"crawl.api_quota={NO_LIMIT}",
    f"crawl.resolvers_quota={NO_LIMIT}",
    f"crawl.pages_quota={NO_LIMIT}",
    "crawl.commits=off",  # the replay Hub serves no git repositories
    "crawl.progress=false",
)
BUCKET_OF_KIND = {
    "models_list": "api",
    "model_info": "api",
    "dataset_info": "api",
    "org_overview": "api",
    "resolve": "resolvers",
    "git_clone": "git (no Hub bucket)",
}
STAGE_OF_KIND = {
    "models_list": "listing",
    "model_info": "names",
    "dataset_info": "names",
    "org_overview": "orgs",
    "resolve": "cards",
    "git_clone": "commits",
}
FIGURE_SUFFIXES = (".png", ".pdf")


def plan_size(models: int, recorded_pages: int = RECORDED_PAGES) -> tuple[int, int]:
    """(recorded pages to serve, copies of each, the original counted): the smallest number
    of copies that reaches `models` with at most the recorded pages, then the fewest pages."""
    copies = max(1, math.ceil(models / (recorded_pages * PAGE)))
    pages = math.ceil(models / copies / PAGE)
    return pages, copies


class Monitor(threading.Thread):
    """Polls the ptm process tree's RSS, the snapshot's progress log and the results folder."""

    def __init__(self, pid: int, work: Path, started: float, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.work = work
        self.started = started
        self.interval = interval
        self.stop = threading.Event()
        self.peak_mb = 0.0
        self.peak_at = 0.0
        self.peak_processes = 0
        self.samples: list[tuple[float, float, int]] = []
        self.loads: list[float] = []  # the machine's 1-minute load average
        self.phases: dict[str, list[float]] = {}  # phase -> [first line, last line]
        self.files: dict[str, float] = {}  # result file -> first seen
        self.manifest_at: float | None = None
        self._offset = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.poll()
            self.stop.wait(self.interval)
        self.poll()

    def poll(self) -> None:
        now = time.monotonic() - self.started
        rss, count = self.tree_rss()
        self.loads.append(os.getloadavg()[0])
        self.samples.append((round(now, 2), round(rss, 1), count))
        if rss > self.peak_mb:
            self.peak_mb, self.peak_at, self.peak_processes = rss, now, count
        snapshots = sorted((self.work / "snapshots").glob("20*"))
        if snapshots:
            self.read_progress(snapshots[-1] / "progress.jsonl", now)
            if self.manifest_at is None and (snapshots[-1] / "manifest.json").exists():
                self.manifest_at = now
        results = self.work / "results"
        if results.is_dir():
            for path in results.iterdir():
                self.files.setdefault(path.name, now)

    def tree_rss(self) -> tuple[float, int]:
        try:
            processes = [self.process, *self.process.children(recursive=True)]
        except psutil.Error:
            return 0.0, 0
        total = 0
        for process in processes:
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
        return total / 2**20, len(processes)

    def read_progress(self, path: Path, now: float) -> None:
        if not path.is_file():
            return
        with path.open("rb") as handle:
            handle.seek(self._offset)
            data = handle.read()
        complete = data[: data.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.splitlines():
            with contextlib.suppress(ValueError):
                phase = json.loads(line).get("phase", "?")
                self.phases.setdefault(phase, [now, now])[1] = now


def build_replay(work: Path, pages: int, copies: int) -> tuple[Any, dict[str, Any]]:
    """The scaled store over the first `pages` recorded pages, and what it holds."""
    from pipeline.hub.replay.scale import ScaledStore
    from pipeline.hub.replay.store import ReplayStore

    started = time.monotonic()
    built = build_data(work / "replay-data", pages)
    base = ReplayStore.load(work / "replay-data")
    store = ScaledStore(base, copies - 1)
    info = {
        "recorded_pages": pages,
        "recorded_models": len(base),
        "copies": copies,
        "models": len(store),
        "names": {k: v for k, v in built.items() if k != "models"},
        "readmes": sum(base.readme(r["id"]) is not None for r in base.models),
        "build_s": round(time.monotonic() - started, 1),
        "replay_rss_mb": round(psutil.Process().memory_info().rss / 2**20),
    }
    return store, info


def measure_command(work: Path) -> list[str]:
    command = [sys.executable, "-m", "pipeline.cli", "measure"]
    command += ["--config", str(ROOT / "configs" / "hub.yaml")]
    for item in (
        f"paths.snapshots={work / 'snapshots'}",
        f"paths.results={work / 'results'}",
        *OVERRIDES,
    ):
        command += ["--set", item]
    return command


def run_measure(work: Path, store: Any) -> dict[str, Any]:
    """Serve `store`, run ptm measure against it, and what was measured meanwhile."""
    from pipeline.hub.replay.server import ReplayHub, ReplayKnobs

    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_DISABLE_TELEMETRY": "1"}
    log_path = work / "ptm.log"
    with ReplayHub(store, knobs=ReplayKnobs()) as hub, log_path.open("w") as log:
        env["HF_ENDPOINT"] = hub.url
        started = time.monotonic()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        process = subprocess.Popen(
            measure_command(work), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        monitor = Monitor(process.pid, work, started)
        monitor.start()
        returncode = process.wait()
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        monitor.stop.set()
        monitor.join()
        usage = psutil.Process().memory_info().rss / 2**20
        replay = hub.stats()
    return {
        "returncode": returncode,
        "wall_s": round(wall, 1),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "monitor": monitor,
        "replay_requests": replay,
        "replay_rss_mb_after": round(usage),
        "log_tail": log_path.read_text(errors="replace").splitlines()[-15:],
    }


def phase_times(monitor: Monitor, wall: float) -> dict[str, float]:
    """Seconds per phase (see the module docstring for where each boundary comes from)."""
    times: dict[str, float] = {}
    crawl_end = monitor.manifest_at if monitor.manifest_at is not None else wall
    previous = 0.0  # process start: imports, Dask cluster, first listing request
    phases = dict(monitor.phases)
    if "listing" in phases:
        previous = phases.pop("listing")[1]
        times["crawl: listing"] = round(previous, 1)
    compact = phases.pop("compact", None)
    if phases:  # the per-model stages run side by side: their spans overlap
        end = max(last for _, last in phases.values())
        times["crawl: per-model stages, side by side"] = round(end - previous, 1)
        for phase, (first, last) in sorted(phases.items()):
            times[f"crawl: {phase} (first to last unit, overlapping)"] = round(last - first, 1)
        previous = end
    if compact is not None:
        times["crawl: compact"] = round(compact[1] - previous, 1)
        previous = compact[1]
    times["crawl: sampling plan, manifest (rest)"] = round(crawl_end - previous, 1)
    figures = [t for name, t in monitor.files.items() if name.endswith(FIGURE_SUFFIXES)]
    if figures:
        times["analyze"] = round(min(figures) - crawl_end, 1)
        times["plot"] = round(max(figures) - min(figures), 1)
        times["claims, report"] = round(wall - max(figures), 1)
    else:
        times["analyze, plot, claims, report"] = round(wall - crawl_end, 1)
    return times


def bucket_counts(requests: dict[str, int]) -> dict[str, int]:
    buckets: dict[str, int] = {}
    for kind, count in requests.items():
        bucket = BUCKET_OF_KIND.get(kind, f"other ({kind})")
        buckets[bucket] = buckets.get(bucket, 0) + count
    return buckets


def rate_limit_minutes(api: int, resolvers: int) -> float:
    return (api / FREE_TIER["api"] + resolvers / FREE_TIER["resolvers"]) * WINDOW_MIN


def snapshot_facts(work: Path) -> dict[str, Any]:
    """Manifest requests and row counts, and how many cards had text."""
    from pipeline.snapshot.reader import read_manifest, read_table

    snapshots = sorted((work / "snapshots").glob("20*"))
    if not snapshots or not (snapshots[-1] / "manifest.json").exists():
        return {}
    folder = snapshots[-1]
    manifest = read_manifest(folder)
    cards = read_table(folder, "cards", ["readme_status"])
    orgs = read_table(folder, "orgs", ["kind"])
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return {
        "snapshot": str(folder),
        "snapshot_mb": round(size / 2**20),
        "rows": {name: entry["rows"] for name, entry in manifest["tables"].items()},
        "parts": {name: entry["parts"] for name, entry in manifest["tables"].items()},
        "requests": manifest["requests"],
        "retries": manifest["retries"],
        "cards_by_status": cards["readme_status"].value_counts().to_dict(),
        "orgs_by_kind": orgs["kind"].value_counts().to_dict(),
    }


def summarize(built: dict, measured: dict, facts: dict, work: Path) -> dict[str, Any]:
    monitor: Monitor = measured.pop("monitor")
    crawler_buckets = bucket_counts(facts.get("requests", {}))
    replay_buckets = measured["replay_requests"]["buckets"]
    api, resolvers = replay_buckets["api"], replay_buckets["resolvers"]
    result_files = sorted((work / "results").glob("*")) if (work / "results").is_dir() else []
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "command": " ".join(measure_command(Path("WORK"))),
        "replay": built,
        "returncode": measured["returncode"],
        "wall_s": measured["wall_s"],
        "cpu_s": measured["cpu_s"],
        "load_average": {
            "mean": round(sum(monitor.loads) / max(1, len(monitor.loads)), 2),
            "max": round(max(monitor.loads, default=0), 2),
        },
        "phases_s": phase_times(monitor, measured["wall_s"]),
        "peak_rss_mb": round(monitor.peak_mb),
        "peak_rss_at_s": round(monitor.peak_at, 1),
        "peak_rss_processes": monitor.peak_processes,
        "rss_limit_mb": RSS_LIMIT_MB,
        "crawler_requests": facts.get("requests", {}),
        "crawler_buckets": crawler_buckets,
        "replay_requests": measured["replay_requests"],
        "rate_limit_minutes": round(rate_limit_minutes(api, resolvers), 1),
        "rate_limit_minutes_by_bucket": {
            "api": round(api / FREE_TIER["api"] * WINDOW_MIN, 1),
            "resolvers": round(resolvers / FREE_TIER["resolvers"] * WINDOW_MIN, 1),
        },
        "snapshot": {k: v for k, v in facts.items() if k != "requests"},
        "result_files": len(result_files),
        "replay_rss_mb_after": measured["replay_rss_mb_after"],
        "log_tail": measured["log_tail"],
        "rss_samples": monitor.samples[:: max(1, len(monitor.samples) // 400)],
    }


def shown_command(command: str) -> str:
    """The command as run from the repository with its `.venv`, HF_ENDPOINT set."""
    command = command.replace(sys.executable, ".venv/bin/python").replace(f"{ROOT}/", "")
    return "HF_ENDPOINT=http://127.0.0.1:PORT " + command.replace(" -v measure", " measure")


def _minutes(bucket: str | None, count: int) -> str:
    quota = FREE_TIER.get(bucket or "")
    return "-" if quota is None else f"{count / quota * WINDOW_MIN:.1f}"


def section(result: dict[str, Any]) -> str:
    """The benchmark's section of benchmarks/README.md."""
    replay, snap = result["replay"], result["snapshot"]
    buckets = result["replay_requests"]["buckets"]
    minutes = result["rate_limit_minutes_by_bucket"]
    cards = snap.get("cards_by_status", {})
    wall, load = result["wall_s"], result["load_average"]
    lines = [
        "## Scale: `ptm measure --config configs/hub.yaml` on a replay of a ~2.5M-model Hub",
        "",
        "`PYTHONPATH=. .venv/bin/python benchmarks/scale.py` (written by that command; do not "
        f"edit by hand; {(wall + replay['build_s']) / 60:.0f} min in all). Data: the first "
        f"{replay['recorded_pages']} recorded listing pages of 2024-07 "
        f"(`../shared/data/hub-2024-07/model_lists/`, {replay['recorded_models']:,} real "
        f"models) served {replay['copies']} times by the replay Hub's `ScaledStore` "
        f"(`pipeline/hub/replay/scale.py`): the originals and {replay['copies'] - 1} "
        "**SYNTHETIC copies** under new namespaces (`scale-copy-N--author/name`), "
        f"{replay['models']:,} models in all. The recorded listing holds no README and no org "
        f"overview ({replay['readmes']} READMEs), so every sampled card answers 404 "
        "not-recorded and every org overview 404: the request counts are those a live crawl "
        "of this size makes, the card-text and org tables are not. Replay Hub on 127.0.0.1 in "
        "the benchmark's process (replay RSS "
        f"{replay['replay_rss_mb']:,} MB for the recorded records; a materialized "
        f"{replay['models'] / 1e6:.1f}M-record `ReplayStore` would need about "
        f"{replay['replay_rss_mb'] * replay['copies'] / 1024:.0f} GB, extrapolated): no "
        "rate limit, no latency. Command, a subprocess with `HF_ENDPOINT` pointing at the replay "
        "(`WORK` = `--work`, default /tmp/ptm-scale):",
        "",
        "```",
        shown_command(result["command"]),
        "```",
        "",
        "The crawler's quotas are raised because the rate-limit time is computed from the "
        "request counts; `crawl.commits=off` because the replay Hub serves no git "
        "repositories (the commit sample's 1,000 clones are in no Hub rate-limit bucket).",
        "",
        f"- Date: {result['date']}",
        f"- Machine: {result['machine']}",
        f"- Exit code {result['returncode']}; {result['result_files']} result files; "
        f"snapshot {snap.get('snapshot_mb', '?')} MB; rows {snap.get('rows', {})}",
        "",
        "| measure | value |",
        "|---|---|",
        f"| wall time of `ptm measure` | **{wall / 60:.1f} min** ({wall:,.0f} s) |",
        f"| CPU time of the ptm process tree (user + system) | {result['cpu_s'] / 60:.1f} min |",
        f"| the machine's 1-minute load average meanwhile | mean {load['mean']}, max "
        f"{load['max']} (2 cores; above 2, other work shared them) |",
        f"| peak RSS of the ptm process tree | **{result['peak_rss_mb']:,} MB** (limit "
        f"{result['rss_limit_mb']:,} MB), at {result['peak_rss_at_s']:,.0f} s, "
        f"{result['peak_rss_processes']} process(es) |",
        f"| requests, api bucket (replay's count) | {buckets['api']:,}: "
        f"{minutes['api']} min at 1,000 / 5 min |",
        f"| requests, resolvers bucket (replay's count) | {buckets['resolvers']:,}: "
        f"{minutes['resolvers']} min at 5,000 / 5 min |",
        f"| requests, pages bucket (replay's count) | {buckets['pages']:,} |",
        "| **rate-limit time at free-tier limits** | "
        f"**{result['rate_limit_minutes']} min** ((api / 1000 + resolvers / 5000) x 5 min; "
        "target <= 60) |",
        f"| cards with text | {cards.get('ok', 0):,} of {sum(cards.values()):,} sampled "
        f"({cards}) |",
        "",
        "Phases: crawl phases from the snapshot's `progress.jsonl` as it grew (the listing "
        "from the process start, so imports and the Dask cluster are in it); the offline "
        "stages from when result files appeared.",
        "",
        "| phase | s |",
        "|---|---|",
        *(f"| {name} | {seconds:,.1f} |" for name, seconds in result["phases_s"].items()),
        "",
        "The crawler's own request counts (manifest `requests`) and the free-tier minutes "
        "each costs:",
        "",
        "| kind | stage | bucket | requests | minutes |",
        "|---|---|---|---|---|",
        *(
            f"| `{kind}` | {STAGE_OF_KIND.get(kind, '?')} | {BUCKET_OF_KIND.get(kind, 'other')} "
            f"| {count:,} | {_minutes(BUCKET_OF_KIND.get(kind), count)} |"
            for kind, count in sorted(result["crawler_requests"].items())
        ),
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=FULL_SIZE, help="Hub size (~)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ptm-scale"))
    parser.add_argument(
        "--keep-readme", action="store_true", help="do not rewrite benchmarks/README.md"
    )
    parser.add_argument(
        "--readme-from",
        type=Path,
        metavar="RESULT_JSON",
        help="only rewrite the README section from a run's result.json",
    )
    args = parser.parse_args()
    if args.readme_from is not None:
        update_readme(README, section(json.loads(args.readme_from.read_text())), START, END)
        return 0
    if not (SHARED / "model_lists").is_dir():
        print(f"recorded listing not found: {SHARED / 'model_lists'}", file=sys.stderr)
        return 2
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    pages, copies = plan_size(args.models)
    store, built = build_replay(args.work, pages, copies)
    print(json.dumps(built), flush=True)
    measured = run_measure(args.work, store)
    result = summarize(built, measured, snapshot_facts(args.work), args.work)
    (args.work / "result.json").write_text(json.dumps(result, indent=2, default=str))
    shown = {k: v for k, v in result.items() if k != "rss_samples"}
    print(json.dumps(shown, indent=2, default=str))
    if args.models >= FULL_SIZE and not args.keep_readme:
        update_readme(README, section(result), START, END)
        print(f"wrote the scale section of {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
