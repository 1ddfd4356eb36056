"""Crawler benchmark: listing cost, sustained share of a rate limit, speed against a
sequential one-request-per-model crawler. All against a replay Hub on 127.0.0.1.

    .venv/bin/python benchmarks/crawl.py [--quick] [--no-write]

The replay Hub (`pipeline.hub.replay`) serves the bundled real sample (`data/hub-2024-07`,
7,868 model records recorded in July 2024) with 100 ms of injected latency on every
request. It runs in a child process (its own interpreter and GIL, like a remote Hub; it
still shares this machine's cores with the crawler) and logs the time, kind and status of
every request it answers. The crawler is the project's own `pipeline.cli.crawl.crawl`
(a local Dask cluster of threads, one shared rate budget), with snapshots under
`/tmp/ptm-bench-crawl/`.

Measurements, all in one command:

1. listing cost: a listing-only crawl of the 7,868 models (`crawl.details=[]`,
   `crawl.orgs=false`, 1000 models a page); `manifest["requests"]["models_list"]` per 1000
   models. Generous rate limit (never binding), so the Hub's headers are present.
2. sustained share of the allowed rate: a per-model crawl (`crawl.details=[cards]`: one
   `GET /{id}/resolve/{sha}/README.md` per model, the `resolvers` bucket) of a subset of
   the sample, against a replay Hub whose fixed-window limit (quota per window) is the
   binding constraint. The crawler is configured with a `resolvers_quota` ten times the
   server's, in a window of the same length, and must learn the real quota from the
   `RateLimit-Policy` headers. Sustained share = allowed (non-429) resolve requests in the
   server's rate windows that lie wholly inside the card phase, per second / (quota / window).
3. speed: on the server of (1), a sequential loop `for id in ids: HfApi.model_info(id)`
   (how researchers' scripts crawl today; one request per model) on a sample of the models,
   and the same loop plus `GET /{id}/resolve/main/README.md` (requests.Session), against
   the crawler's listing crawl (1) and a listing + cards crawl of the 7,868 models.

Results go to stdout and, in full mode, to the crawler section of `benchmarks/README.md`
(between `<!-- crawl benchmark: start -->` and `<!-- crawl benchmark: end -->`; the
other sections are kept). `--quick` is a smoke run (smaller sizes, < 1 minute) that
prints only. The benchmark measures; it asserts nothing and is not part of the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import platform
import resource
import shutil
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from readme_section import machine, update_readme  # noqa: E402

DATA = ROOT / "data" / "hub-2024-07"
WORK = Path("/tmp/ptm-bench-crawl")
README = ROOT / "benchmarks" / "README.md"
START, END = "<!-- crawl benchmark: start -->", "<!-- crawl benchmark: end -->"
LATENCY_MS = 100.0
# A limit that never binds in (1) and (3) (the Hub's own window is 300 s): the Hub's
# RateLimit headers are on every answer, so the crawler does its usual bookkeeping.
GENEROUS_QUOTA, GENEROUS_WINDOW_S = 1_000_000, 300.0


@dataclass(frozen=True)
class Plan:
    """Sizes of one benchmark run."""

    name: str
    speed_models: int | None  # models served for (1) and (3); None: the whole sample
    baseline_models: int  # models the sequential loop asks for
    detail_workers: int  # Dask workers of the listing + cards crawl
    detail_batch: int
    rate_models: int  # models served for (2)
    rate_quota: int  # replay quota per window, resolvers bucket
    rate_window_s: float
    rate_workers: int
    shaped: tuple[int, int] = (1, 16)  # diagnostic cluster: workers, threads per worker


FULL = Plan("full", None, 300, 16, 10, 1200, 200, 10.0, 8)
QUICK = Plan("quick", 1000, 30, 16, 10, 300, 60, 3.0, 8)


# --- the replay Hub, in a child process ------------------------------------------------------


def subset_store(n: int | None):
    """The first `n` records of the sample (all when None), with their READMEs and renames."""
    from pipeline.hub.replay.store import ReplayStore

    full = ReplayStore.load(DATA)
    if n is None or n >= len(full):
        return full
    keep = full.models[:n]
    ids = {r["id"] for r in keep}
    readmes = {i: full.readme(i) for i in ids if full.readme(i) is not None}
    renames = {old: new for old, new in full.renamed.items() if new in ids}
    return ReplayStore(keep, readmes=readmes, renames=renames, recorded_at=full.recorded_at)


def serve(conn: Any, n_models: int | None, knobs: dict[str, Any]) -> None:
    """Child process: a logging replay Hub; answers "stats" and "stop" on `conn`."""
    from pipeline.hub.replay.routes import endpoint_kind
    from pipeline.hub.replay.server import ReplayHub, ReplayKnobs

    log: list[tuple[float, str, int]] = []

    class LoggingHub(ReplayHub):
        def answer(self, method, path, query, authorization):
            answer, truncate = super().answer(method, path, query, authorization)
            log.append((time.monotonic(), endpoint_kind(path), answer.status))
            return answer, truncate

    store = subset_store(n_models)
    # The replay's rate windows are counted from its creation (RateLimiter), i.e. from here.
    windows_from = time.monotonic()
    with LoggingHub(store, knobs=ReplayKnobs(**knobs)) as hub:
        conn.send({"url": hub.url, "models": len(store), "windows_from": windows_from})
        while True:
            message = conn.recv()
            if message == "stop":
                break
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            conn.send(
                {
                    "stats": hub.stats(),
                    "log": list(log),
                    "cpu_s": cpu.ru_utime + cpu.ru_stime,
                }
            )
    conn.close()


class Server:
    """A replay Hub child process: `with Server(...) as hub: hub.url, hub.snapshot()`."""

    def __init__(self, n_models: int | None, **knobs: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child, n_models, knobs), daemon=True)
        self.knobs = knobs

    def __enter__(self) -> Server:
        self.process.start()
        hello = self.conn.recv()
        self.url, self.models, self.windows_from = (
            hello["url"],
            hello["models"],
            hello["windows_from"],
        )
        return self

    def snapshot(self) -> dict[str, Any]:
        self.conn.send("stats")
        return self.conn.recv()

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self.conn.send("stop")
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()


def delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """Server counts and CPU between two snapshots."""
    stats = {
        k: v - before["stats"].get(k, 0)
        for k, v in after["stats"].items()
        if isinstance(v, int | float)
    }
    return {
        "stats": stats,
        "log": after["log"][len(before["log"]) :],
        "cpu_s": after["cpu_s"] - before["cpu_s"],
    }


# --- the crawler -----------------------------------------------------------------------------


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_crawl(
    server: Server, label: str, *overrides: str, cluster: tuple[int, int] | None = None
) -> dict[str, Any]:
    """One crawl of `server` with the project's code; wall time, manifest, server counts.

    `cluster=None` runs `pipeline.cli.crawl.crawl` (what `ptm crawl` runs: a local
    cluster of `dask.workers` workers of `dask.threads_per_worker` threads).
    `cluster=(workers, threads)` runs the same `Crawl` on a `LocalCluster` of that shape
    built here (a diagnostic).
    """
    from distributed import Client, LocalCluster

    from pipeline.cli.crawl import crawl
    from pipeline.config import load_config
    from pipeline.crawl.run import Crawl

    folder = WORK / label
    shutil.rmtree(folder, ignore_errors=True)
    config = load_config(
        None, [f"paths.snapshots={folder}", "crawl.progress=false", "crawl.orgs=false", *overrides]
    )
    before = server.snapshot()
    cpu = own_cpu_s()
    started = time.perf_counter()
    if cluster is None:
        result = crawl(config, server.url)
    else:
        workers, threads = cluster
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=threads,
                processes=False,
                dashboard_address=None,
            ) as local,
            Client(local) as client,
        ):
            result = Crawl(config, server.url, client).run()
    seconds = time.perf_counter() - started
    cpu = own_cpu_s() - cpu
    served = delta(server.snapshot(), before)
    resolve = [t for t, kind, _ in served["log"] if kind == "resolve"]
    return {
        "label": label,
        "overrides": list(overrides),
        "seconds": seconds,
        "models": result.manifest["tables"]["models"]["rows"],
        "requests": result.manifest["requests"],
        "retries": result.manifest["retries"],
        "tables": {k: v["rows"] for k, v in result.manifest["tables"].items()},
        "server": served,
        "crawler_cpu_s": cpu,
        # First to last per-model (resolve) answer, and its rate.
        "card_phase_s": resolve[-1] - resolve[0] if len(resolve) > 1 else 0.0,
        "card_rate": (len(resolve) - 1) / (resolve[-1] - resolve[0]) if len(resolve) > 1 else 0.0,
    }


# --- the sequential baseline --------------------------------------------------------------------


def baseline(server: Server, ids: list[str]) -> dict[str, Any]:
    """`HfApi.model_info` one model at a time; then the same plus the README, one at a time."""
    import requests
    from huggingface_hub import HfApi

    api = HfApi(endpoint=server.url, token=False)
    before = server.snapshot()
    started = time.perf_counter()
    failures = 0
    for model_id in ids:
        try:
            api.model_info(model_id)
        except Exception:  # a researcher's loop skips and goes on
            failures += 1
    info_s = time.perf_counter() - started
    session = requests.Session()
    started = time.perf_counter()
    statuses: dict[int, int] = {}
    for model_id in ids:
        api.model_info(model_id)
        status = session.get(f"{server.url}/{model_id}/resolve/main/README.md").status_code
        statuses[status] = statuses.get(status, 0) + 1
    both_s = time.perf_counter() - started
    served = delta(server.snapshot(), before)
    return {
        "models": len(ids),
        "info_s": info_s,
        "info_failures": failures,
        "info_readme_s": both_s,
        "readme_statuses": statuses,
        "server": served,
    }


# --- (2) the rate-limited run -------------------------------------------------------------------


def rate_analysis(run: dict[str, Any], server: Server, quota: int, window_s: float) -> dict:
    """Per server window: allowed and 429 resolve requests, and how long the window's
    allowed requests took (first to last answer); the steady share over whole windows."""
    resolve = [
        (t - server.windows_from, status)
        for t, kind, status in run["server"]["log"]
        if kind == "resolve"
    ]
    first, last = resolve[0][0], resolve[-1][0]
    windows: dict[int, dict[str, Any]] = {}
    for t, status in resolve:
        window = windows.setdefault(
            int(t // window_s), {"allowed": 0, "rate_limited": 0, "first": t, "last": t}
        )
        window["rate_limited" if status == 429 else "allowed"] += 1
        window["first"], window["last"] = min(window["first"], t), max(window["last"], t)
    # Steady part: server windows lying wholly between the first and the last resolve answer.
    steady = [w for w in sorted(windows) if w * window_s >= first and (w + 1) * window_s <= last]
    allowed = sum(windows[w]["allowed"] for w in steady)
    rate = allowed / (len(steady) * window_s) if steady else float("nan")
    whole = sum(w["allowed"] for w in windows.values()) / (last - first)
    return {
        "windows": windows,
        "steady": steady,
        "steady_rate": rate,
        "share": rate / (quota / window_s),
        "phase_s": last - first,
        "phase_rate": whole,
    }


# --- report --------------------------------------------------------------------------------------


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = [f"Python {platform.python_version()}"]
    for name in ("huggingface_hub", "httpx2", "requests", "dask", "distributed", "pyarrow"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} not installed")
    return ", ".join(found)


def met(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def code_list(overrides: list[str]) -> str:
    return ", ".join(f"`{o}`" for o in overrides)


def render(plan: Plan, res: dict[str, Any], total_s: float) -> str:
    listing, details, base = res["listing"], res["details"], res["baseline"]
    shaped, rate, analysis = res["shaped"], res["rate"]["run"], res["rate"]["analysis"]
    pages = listing["requests"].get("models_list", 0)
    per_1000 = pages / listing["models"] * 1000
    floor = -(-listing["models"] // 1000) / listing["models"] * 1000
    listing_rate = listing["models"] / listing["seconds"]
    details_rate = details["models"] / details["seconds"]
    info_rate = base["models"] / base["info_s"]
    both_rate = base["models"] / base["info_readme_s"]
    quota, window = plan.rate_quota, plan.rate_window_s
    n_429 = rate["server"]["stats"].get("rate_limited", 0)
    retries = sum(rate["retries"].values())
    sample = base["models"]
    lines = [
        "## Crawler: listing cost, share of the rate limit, speed against a sequential loop",
        "",
        f"`.venv/bin/python benchmarks/crawl.py` (written by that command, {plan.name} mode, "
        f"{total_s:.0f} s in all; do not edit by hand). Replay Hub (`pipeline/hub/replay`) on "
        "127.0.0.1 in a child process (its own interpreter, same 2 cores), serving the "
        "bundled real sample (`data/hub-2024-07`, recorded July 2024) with "
        f"**{LATENCY_MS:.0f} ms injected latency on every request**. Crawler: "
        "`pipeline.cli.crawl.crawl`, i.e. what `ptm crawl` runs (local Dask cluster of "
        "`dask.workers` workers of `dask.threads_per_worker` threads, one shared rate budget "
        "that sets the requests in flight), snapshots under "
        "/tmp/ptm-bench-crawl/. Crawl times are the wall clock of the whole `crawl()` call: "
        "Dask cluster start, listing, per-model requests, Parquet parts, manifest.",
        "",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {machine()}",
        f"- Versions: {versions()}",
        "",
        "| figure | measured | target | |",
        "|---|---|---|---|",
        f"| listing requests per 1000 models | {per_1000:.3f} ({pages} listing requests for "
        f"{listing['models']:,} models) | <= 1.1 | {met(per_1000 <= 1.1)} |",
        f"| sustained share of the allowed rate | {analysis['share']:.1%} "
        f"({analysis['steady_rate']:.2f} of {quota / window:.2f} requests/s); {n_429} 429s, "
        f"{retries} retries | >= 90%, a handful of 429s at most "
        f"| {met(analysis['share'] >= 0.9 and n_429 <= 5)} |",
        f"| speed, listing crawl vs `HfApi.model_info` loop | {listing_rate / info_rate:.0f}x "
        f"({listing_rate:,.0f} vs {info_rate:.2f} models/s) | >= 10x "
        f"| {met(listing_rate / info_rate >= 10)} |",
        f"| speed, listing + cards crawl vs model_info + README loop "
        f"| {details_rate / both_rate:.1f}x ({details_rate:.1f} vs {both_rate:.2f} models/s) "
        f"| >= 10x | {met(details_rate / both_rate >= 10)} |",
        "",
        "### 1. Listing requests per 1000 models",
        "",
        f"Listing-only crawl ({code_list(listing['overrides'])}, `crawl.orgs=false`) of "
        f"{listing['models']:,} models, generous rate limit: {listing['seconds']:.1f} s, "
        f"crawler request counts {listing['requests']}, retries {sum(listing['retries'].values())};"
        f" the replay Hub counted {listing['server']['stats'].get('models_list')} listing "
        f"requests and {listing['server']['stats'].get('rate_limited', 0)} 429s. The floor is "
        f"one request per page of 1000: {floor:.3f} per 1000 at this size, tending to 1.000 "
        "for the 760,000-model Hub.",
        "",
        "### 2. Sustained share of the allowed rate",
        "",
        f"Replay limit **{quota} requests per {window:g} s window** per bucket "
        f"({quota / window:.0f} requests/s), {LATENCY_MS:.0f} ms latency, the first "
        f"{res['rate']['models']:,} models of the sample. Crawl: {code_list(rate['overrides'])}"
        f" (one `resolve` README request per model, the resolvers bucket). The crawler starts "
        f"out believing it may send {quota * 10} per {window:g} s (10x the server's quota) "
        "and has to adopt the quota of the `RateLimit-Policy` header. "
        f"Run: {rate['seconds']:.1f} s wall; crawler request counts {rate['requests']}; "
        f"**{n_429} 429s** from the rate limit (replay `rate_limited`); retries "
        f"{retries}; errors table {rate['tables'].get('errors', 0)} rows. "
        f"Card phase (first to last resolve answer): {analysis['phase_s']:.1f} s, "
        f"{analysis['phase_rate']:.2f} allowed requests/s on average (more than the quota rate "
        "because a fixed-window limit allows a whole quota in the partial first and last "
        f"windows). Steady part: the {len(analysis['steady'])} server windows wholly inside "
        f"the card phase: {analysis['steady_rate']:.2f} requests/s = "
        f"**{analysis['share']:.1%} of the allowed rate**.",
        "",
        "| server window | starts at (s) | allowed | 429 | first..last answer, s into window "
        "| steady |",
        "|---|---|---|---|---|---|",
    ]
    for w, entry in sorted(analysis["windows"].items()):
        lines.append(
            f"| {w} | {w * window:g} | {entry['allowed']} | {entry['rate_limited']} | "
            f"{entry['first'] - w * window:.2f}..{entry['last'] - w * window:.2f} | "
            f"{'yes' if w in analysis['steady'] else 'no'} |"
        )
    spans = [
        analysis["windows"][w]["last"] - analysis["windows"][w]["first"] for w in analysis["steady"]
    ]
    if spans:
        lines += [
            "",
            f"In each steady window the crawler spends the quota within {min(spans):.1f}-"
            f"{max(spans):.1f} s (about {quota / max(spans):.0f} requests/s) and then waits for "
            "the next window: the limit binds, not the latency.",
        ]
    shaped_gain = shaped["card_rate"] / details["card_rate"] if details["card_rate"] else 0
    lines += [
        "",
        "### 3. Speed against a sequential one-request-per-model crawler",
        "",
        f"Same replay Hub, same run: {LATENCY_MS:.0f} ms latency, a limit that never binds "
        f"({GENEROUS_QUOTA:,} per {GENEROUS_WINDOW_S:g} s, so the Hub's RateLimit headers are "
        f"there as on the real Hub), {listing['models']:,} models.",
        "",
        "| crawler | fetches | models | wall (s) | models/s | requests |",
        "|---|---|---|---|---|---|",
        f"| sequential loop `HfApi(endpoint).model_info(id)` | per model `GET /api/models/{{id}}`"
        f" | {sample} (1 in {max(listing['models'] // sample, 1)}) | {base['info_s']:.1f} "
        f"| {info_rate:.2f} | {sample} |",
        f"| `ptm crawl`, listing only | `GET /api/models?limit=1000&expand[]=...` (21 fields), "
        f"parsed into Parquet | {listing['models']:,} | {listing['seconds']:.1f} | "
        f"{listing_rate:,.0f} | {sum(listing['requests'].values())} |",
        f"| sequential loop `model_info` + `GET /{{id}}/resolve/main/README.md` (requests) "
        f"| per model those two | {sample} | {base['info_readme_s']:.1f} | {both_rate:.2f} "
        f"| {2 * sample} |",
        f"| `ptm crawl`, listing + cards | the listing, then per model `GET /{{id}}/resolve/"
        f"{{sha}}/README.md` ({code_list(details['overrides'])}) | {details['models']:,} | "
        f"{details['seconds']:.1f} | {details_rate:.1f} | {sum(details['requests'].values())} |",
        "",
        f"The sequential loops were timed on {sample} models and are **extrapolated** to "
        f"{listing['models']:,}: {listing['models'] / info_rate / 60:.1f} min for model_info "
        f"alone, {details['models'] / both_rate / 60:.1f} min with the README, against "
        f"{listing['seconds']:.1f} s and {details['seconds']:.1f} s for the crawler. "
        f"Ratios: **{listing_rate / info_rate:.0f}x** (listing vs the model_info loop) and "
        f"**{details_rate / both_rate:.1f}x** (listing + cards vs the model_info + README "
        "loop). What each side gets: the loop gets each model's default model_info (with "
        "`widgetData` and `inferenceStatus`, which the listing does not give); the listing "
        "gets 21 expand fields per model (with `downloadsAllTime`, `trendingScore`, "
        "`safetensors`, which default model_info does not give) and writes the `models` and "
        "`files` tables; the loops write nothing. The README request is the same on both "
        f"sides; the sample recorded few READMEs, so most answers are 404 `EntryNotFound` "
        f"(loop: {base['readme_statuses']}; model_info failures: {base['info_failures']}).",
        "",
        f"Per-model phase of the listing + cards crawl: {details['card_rate']:.0f} requests/s "
        f"with {plan.detail_workers} Dask workers of one thread, against the "
        f"{plan.detail_workers * 1000 / LATENCY_MS:.0f}/s that {plan.detail_workers} threads "
        "would reach if only the latency counted. Diagnostic, same crawl (`Crawl(...).run()`) "
        f"on a `LocalCluster(n_workers={plan.shaped[0]}, threads_per_worker={plan.shaped[1]})` "
        f"built by the benchmark: {shaped['seconds']:.1f} s wall, {shaped['card_rate']:.0f} "
        f"requests/s ({shaped_gain:.2f}x), same thread count.",
        "",
        "CPU seconds (user + system), crawler process / replay-Hub process, on "
        f"{os.cpu_count()} cores: listing {listing['crawler_cpu_s']:.1f} / "
        f"{listing['server']['cpu_s']:.1f} in {listing['seconds']:.1f} s; listing + cards "
        f"{details['crawler_cpu_s']:.1f} / {details['server']['cpu_s']:.1f} in "
        f"{details['seconds']:.1f} s; diagnostic {shaped['crawler_cpu_s']:.1f} / "
        f"{shaped['server']['cpu_s']:.1f} in {shaped['seconds']:.1f} s; rate-limited run "
        f"{rate['crawler_cpu_s']:.1f} / {rate['server']['cpu_s']:.1f} in "
        f"{rate['seconds']:.1f} s.",
        "",
        'Targets: docs/design.md, "Figures to reach".',
        "",
    ]
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: smaller, prints only")
    parser.add_argument("--no-write", action="store_true", help="do not update README.md")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    warnings.filterwarnings("ignore", message="Port .* is already in use")
    WORK.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    results: dict[str, Any] = {}

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f} s] {text}", flush=True)

    generous = {
        "latency_ms": LATENCY_MS,
        "rate_limit": GENEROUS_QUOTA,
        "rate_window_s": GENEROUS_WINDOW_S,
    }
    with Server(plan.speed_models, **generous) as server:
        say(f"replay Hub {server.url}: {server.models:,} models, {generous}")
        listing = run_crawl(server, "listing", "crawl.details=[]", "crawl.page_size=1000")
        results["listing"] = listing
        say(
            f"listing: {listing['models']:,} models in {listing['seconds']:.1f} s, "
            f"requests {listing['requests']}, retries {listing['retries']}"
        )
        details = run_crawl(
            server,
            "details",
            "crawl.details=[cards]",
            f"dask.workers={plan.detail_workers}",
            f"crawl.detail_batch={plan.detail_batch}",
        )
        results["details"] = details
        say(
            f"listing + cards: {details['models']:,} models in {details['seconds']:.1f} s, "
            f"requests {details['requests']}, retries {details['retries']}"
        )
        shaped = run_crawl(
            server,
            "details-shaped",
            "crawl.details=[cards]",
            f"crawl.detail_batch={plan.detail_batch}",
            cluster=plan.shaped,
        )
        results["shaped"] = shaped
        say(
            f"diagnostic, cluster {plan.shaped}: {shaped['seconds']:.1f} s, "
            f"{shaped['card_rate']:.0f} resolve/s vs {details['card_rate']:.0f}/s"
        )
        ids = sorted(read_ids(WORK / "listing"))
        step = max(len(ids) // plan.baseline_models, 1)
        sample = ids[::step][: plan.baseline_models]
        base = baseline(server, sample)
        results["baseline"] = base
        say(
            f"sequential: {base['models']} x model_info in {base['info_s']:.1f} s; "
            f"+ README in {base['info_readme_s']:.1f} s"
        )
    limited = {
        "latency_ms": LATENCY_MS,
        "rate_limit": plan.rate_quota,
        "rate_window_s": plan.rate_window_s,
    }
    with Server(plan.rate_models, **limited) as server:
        say(f"replay Hub {server.url}: {server.models:,} models, {limited}")
        window = f"{plan.rate_window_s:g}"
        run = run_crawl(
            server,
            "rate",
            "crawl.details=[cards]",
            f"crawl.resolvers_quota={plan.rate_quota * 10}",
            f"crawl.api_quota={plan.rate_quota * 10}",
            f"crawl.window_s={window}",
            f"dask.workers={plan.rate_workers}",
            f"crawl.detail_batch={plan.detail_batch}",
        )
        analysis = rate_analysis(run, server, plan.rate_quota, plan.rate_window_s)
        results["rate"] = {"run": run, "analysis": analysis, "models": server.models}
        say(
            f"rate-limited: {run['seconds']:.1f} s, requests {run['requests']}, "
            f"429s {run['server']['stats'].get('rate_limited')}, retries {run['retries']}, "
            f"steady {analysis['steady_rate']:.2f}/s = {analysis['share']:.1%} of the quota"
        )
    text = render(plan, results, time.perf_counter() - began)
    print(text)
    if not args.quick and not args.no_write:
        update_readme(README, text, START, END)
        say(f"wrote {README}")
    return 0


def read_ids(snapshot_root: Path) -> list[str]:
    """Model ids of the (only) snapshot under `snapshot_root` (compacted or not)."""
    from pipeline.snapshot.reader import list_snapshots, read_parts

    return [i for s in list_snapshots(snapshot_root) for i in read_parts(s, "models", ["id"])["id"]]


if __name__ == "__main__":
    sys.exit(main())
