"""`ptm measure`: crawl, analyze, plot and report in one run (what `make measure` calls)."""

from __future__ import annotations

import argparse
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline.atomic import write_json_atomic
from pipeline.cli.arguments import add_config_arguments, add_results_argument, config_from_args
from pipeline.cli.crawl import crawl
from pipeline.cli.endpoint import hub_endpoint
from pipeline.config import Config
from pipeline.crawl.run import CrawlResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MeasureResult:
    snapshot: Path
    results: Path
    written: list[Path]


def analyze_plot_report(
    snapshot: Path,
    results: Path,
    *,
    population: str = "all",
    claim_sources: list[str] | None = None,
    tolerance_pp: float = 0.5,
) -> list[Path]:
    """The offline stages over one complete snapshot; returns the files written."""
    from pipeline.cli.analyze import analyze_snapshot
    from pipeline.cli.claims import claims_for_snapshot, discrepancy_for_results
    from pipeline.cli.plot import plot_results
    from pipeline.cli.report import write_report

    written = analyze_snapshot(snapshot, results, population=population)
    written += plot_results(results)
    written += claims_for_snapshot(snapshot, results)
    if claim_sources:
        written += discrepancy_for_results(results, claim_sources, tolerance_pp)
    report = write_report(snapshot, results)
    written += [report, report.with_suffix(".html")]
    return written


def crawl_in_child_process(config: Config, endpoint: str) -> CrawlResult:
    """`crawl` in a child process, so that the memory it held (at 2.5M models about 1.2 GB
    of listing ids, sampling frames and name counts, `benchmarks/scale.py`) is the
    system's again before the analysis starts. Errors come back as raised."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(crawl, config, endpoint).result()


def measure(config: Config, population: str = "all") -> MeasureResult:
    """Run every stage with one configuration; results go to `paths.results`."""
    with hub_endpoint(config) as endpoint:
        crawled = crawl_in_child_process(config, endpoint)
    results = config.path("results")
    results.mkdir(parents=True, exist_ok=True)
    pointer = results / "snapshot.json"
    write_json_atomic(
        pointer,
        {"snapshot": str(crawled.folder.resolve()), "snapshot_id": crawled.folder.name},
    )
    written = analyze_plot_report(
        crawled.folder,
        results,
        population=population,
        claim_sources=config.claims.sources,
        tolerance_pp=config.claims.tolerance_pp,
    )
    return MeasureResult(snapshot=crawled.folder, results=results, written=[pointer, *written])


def run(args: argparse.Namespace) -> int:
    if args.results is not None:
        args.overrides.append(f"paths.results={args.results}")
    if args.population == "paper":  # the paper's 2022 ids not found as written, too
        args.overrides.append("crawl.resolve_paper_ids=true")
    result = measure(config_from_args(args), population=args.population)
    print(f"snapshot: {result.snapshot}")
    print(f"results:  {result.results} ({len(result.written)} files; start with report.html)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "measure",
        help="crawl, analyze, plot and report in one run",
        description=(
            "Run the whole pipeline: crawl the configured Hub into a new snapshot, compute "
            "the result tables (Figures 1, 6, 7, Table IV, attribute coverage, documentation, "
            "claims and claimed-vs-measured discrepancy), draw the figures and write "
            "report.md and report.html beside the paper's numbers. With the default "
            "configuration this replays the bundled July-2024 sample offline."
        ),
    )
    add_config_arguments(parser)
    add_results_argument(parser, "results folder (default: paths.results)", default=None)
    parser.add_argument(
        "--population",
        choices=("all", "paper"),
        default="all",
        help="all models of the snapshot, or only those of the paper's August 2022 list "
        "(like-for-like comparison with the paper)",
    )
    parser.set_defaults(func=run)
