"""The default configuration's share of a rate limit: does `configs/hub.yaml` spend a 50
requests/s quota when each request takes 100 ms? (issue 13, "Use the whole quota")

    .venv/bin/python benchmarks/quota.py [--quick] [--no-write]

A replay Hub (`benchmarks/crawl.py`'s logging child process) serves the bundled real sample
(`data/hub-2024-07`, 7,868 models recorded in July 2024) with 100 ms of latency on every
request and a fixed-window limit of 500 requests per 10 s window in each bucket (50
requests/s). The crawl is `configs/hub.yaml` as shipped (its Dask cluster, batch size and
per-model stages: README cards, org overviews, name resolution), with only these changes:
snapshots under /tmp, no progress bars, commits off (the replay serves no git), quotas ten
times the server's in a 10 s window (the crawler has to learn the real quota from
`RateLimit-Policy`). The sample is smaller than the configuration's sample sizes, so every
model and namespace is measured.

Per bucket (`resolvers`: README resolves; `api`: org overviews and name resolution after the
listing), the share of the allowed rate over the server windows lying wholly inside that
bucket's per-model phase, and the 429s. Results go to stdout and (full mode) to the
`quota benchmark` section of `benchmarks/README.md`; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import LATENCY_MS, Server, delta, own_cpu_s, versions  # noqa: E402
from readme_section import machine, update_readme  # noqa: E402

WORK = Path("/tmp/ptm-bench-quota")
README = ROOT / "benchmarks" / "README.md"
START, END = "<!-- quota benchmark: start -->", "<!-- quota benchmark: end -->"
QUOTA, WINDOW_S = 500, 10.0  # per bucket: 50 requests/s
PER_MODEL_API = ("org_overview", "model_info", "other")  # after the listing


def crawl_default(server: Server) -> dict[str, Any]:
    """`configs/hub.yaml` with the few changes of the module docstring; wall time, counts."""
    from pipeline.cli.crawl import crawl
    from pipeline.config import load_config

    shutil.rmtree(WORK, ignore_errors=True)
    overrides = [
        f"paths.snapshots={WORK}",
        "crawl.progress=false",
        "crawl.commits=off",
        f"crawl.api_quota={QUOTA * 10}",
        f"crawl.resolvers_quota={QUOTA * 10}",
        f"crawl.window_s={WINDOW_S:g}",
    ]
    config = load_config(ROOT / "configs" / "hub.yaml", overrides)
    before = server.snapshot()
    load_before = os.getloadavg()[0]
    cpu = own_cpu_s()
    started = time.perf_counter()
    result = crawl(config, server.url)
    seconds = time.perf_counter() - started
    cpu = own_cpu_s() - cpu
    served = delta(server.snapshot(), before)
    return {
        "overrides": overrides,
        "seconds": seconds,
        "dask": (config.dask.workers, config.dask.threads_per_worker),
        "batch": config.crawl.detail_batch,
        "requests": result.manifest["requests"],
        "retries": result.manifest["retries"],
        "tables": {k: v["rows"] for k, v in result.manifest["tables"].items()},
        "server": served,
        "crawler_cpu_s": cpu,
        "load": (load_before, os.getloadavg()[0]),
    }


def bucket_share(log: list[tuple[float, str, int]], kinds: tuple[str, ...]) -> dict[str, Any]:
    """Allowed and 429 answers of `kinds` per server window; the share of the allowed rate
    over the windows wholly between the first and the last of them."""
    times = [(t, status) for t, kind, status in log if kind in kinds]
    if len(times) < 2:
        return {"requests": len(times), "steady": [], "share": float("nan"), "rate_limited": 0}
    first, last = times[0][0], times[-1][0]
    windows: dict[int, list[int]] = {}
    for t, status in times:
        counts = windows.setdefault(int(t // WINDOW_S), [0, 0])
        counts[1 if status == 429 else 0] += 1
    steady = [w for w in sorted(windows) if w * WINDOW_S >= first and (w + 1) * WINDOW_S <= last]
    allowed = sum(windows[w][0] for w in steady)
    rate = allowed / (len(steady) * WINDOW_S) if steady else float("nan")
    return {
        "requests": len(times),
        "phase_s": last - first,
        "steady": steady,
        "steady_rate": rate,
        "share": rate / (QUOTA / WINDOW_S),
        "rate_limited": sum(c[1] for c in windows.values()),
        "windows": windows,
    }


def render(run: dict[str, Any], shares: dict[str, dict[str, Any]], total_s: float) -> str:
    stats = run["server"]["stats"]
    answered = sum(
        v
        for k, v in stats.items()
        if k in ("models_list", "model_info", "resolve", "org_overview", "other")
    )
    n_429 = stats.get("rate_limited", 0)
    rows = []
    for bucket, share in shares.items():
        ok = share["share"] >= 0.9
        rows.append(
            f"| {bucket} | {share['requests']:,} | {share['phase_s']:.1f} "
            f"| {len(share['steady'])} | {share['steady_rate']:.2f} of {QUOTA / WINDOW_S:.0f} "
            f"| **{share['share']:.1%}** | {share['rate_limited']} | {'met' if ok else 'missed'} |"
        )
    workers, threads = run["dask"]
    return "\n".join(
        [
            "## Rate limit: the default configuration's share of a 50 requests/s quota",
            "",
            f"`.venv/bin/python benchmarks/quota.py` (written by that command, {total_s:.0f} s "
            "in all; do not edit by hand). Replay Hub in a child process serving the bundled "
            f"real sample (7,868 models, July 2024), **{LATENCY_MS:.0f} ms latency** on every "
            f"request, a limit of **{QUOTA} requests per {WINDOW_S:g} s window per bucket** "
            f"({QUOTA / WINDOW_S:.0f} requests/s). Crawl: `configs/hub.yaml` as shipped "
            f"(Dask {workers} workers x {threads} threads, batches of {run['batch']}; cards, org "
            "overviews and name resolution running side by side) with "
            + ", ".join(f"`{o}`" for o in run["overrides"])
            + ". The crawler starts out believing 10x the server's quota and learns the real "
            "one from `RateLimit-Policy`.",
            "",
            f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
            f"- Machine: {machine()}",
            f"- Versions: {versions()}",
            "",
            f"Crawl: {run['seconds']:.1f} s wall; crawler request counts {run['requests']}; "
            f"retries {sum(run['retries'].values())}; **{n_429} 429s of {answered:,} answers "
            f"({n_429 / max(answered, 1):.2%})** (target <= 1%). CPU seconds: crawler "
            f"{run['crawler_cpu_s']:.0f}, replay Hub {run['server']['cpu_s']:.0f}, in "
            f"{run['seconds']:.0f} s on 2 cores; load average {run['load'][0]:.1f} before, "
            f"{run['load'][1]:.1f} after (other work on the machine shares the cores).",
            "",
            "| bucket | requests | phase (s) | whole windows | allowed requests/s | share "
            "(target >= 90%) | 429s | |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            *[
                f"Allowed {bucket} answers per whole window (of {QUOTA}): "
                + ", ".join(str(share["windows"][w][0]) for w in share["steady"])
                + "."
                for bucket, share in shares.items()
                if share["steady"]
            ],
            "",
            "Share: allowed answers in the server windows lying wholly inside the bucket's "
            "per-model phase (first to last answer of that bucket after the listing), per "
            "second, over the quota rate. Before this change (two single-thread workers, the "
            "phases one after the other) the same kind of run reached 30% (issue 13).",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 models; print only")
    parser.add_argument("--no-write", action="store_true", help="do not update README.md")
    args = parser.parse_args()
    began = time.perf_counter()
    models = 2000 if args.quick else None
    knobs = {"latency_ms": LATENCY_MS, "rate_limit": QUOTA, "rate_window_s": WINDOW_S}
    with Server(models, **knobs) as server:
        print(f"replay Hub {server.url}: {server.models:,} models, {knobs}", file=sys.stderr)
        run = crawl_default(server)
    log = [(t - server.windows_from, kind, status) for t, kind, status in run["server"]["log"]]
    shares = {
        "resolvers": bucket_share(log, ("resolve",)),
        "api": bucket_share([entry for entry in log if entry[1] != "models_list"], PER_MODEL_API),
    }
    text = render(run, shares, time.perf_counter() - began)
    print(text)
    if not args.quick and not args.no_write:
        update_readme(README, text, START, END)
        print(f"wrote {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
