"""`ptm measure`: crawl, analyze, plot and report in one run (what `make measure` calls)."""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

from pipeline.arguments import add_config_arguments, add_results_argument, config_from_args
from pipeline.atomic import write_json_atomic
from pipeline.config import Config
from pipeline.crawl.command import crawl
from pipeline.hub.endpoint import hub_endpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MeasureResult:
    snapshot: Path
    results: Path
    written: list[Path]


def analyze_plot_report(snapshot: Path, results: Path) -> list[Path]:
    """The three offline stages over one complete snapshot; returns the files written."""
    from pipeline.analyze.command import analyze_snapshot
    from pipeline.plot.command import plot_results
    from pipeline.report.command import write_report

    written = analyze_snapshot(snapshot, results)
    written += plot_results(results)
    written.append(write_report(snapshot, results))
    return written


def measure(config: Config) -> MeasureResult:
    """Run every stage with one configuration; results go to `paths.results`."""
    with hub_endpoint(config) as endpoint:
        crawled = crawl(config, endpoint)
    results = config.path("results")
    results.mkdir(parents=True, exist_ok=True)
    pointer = results / "snapshot.json"
    write_json_atomic(
        pointer,
        {"snapshot": str(crawled.folder.resolve()), "snapshot_id": crawled.folder.name},
    )
    written = analyze_plot_report(crawled.folder, results)
    return MeasureResult(snapshot=crawled.folder, results=results, written=[pointer, *written])


def run(args: argparse.Namespace) -> int:
    if args.results is not None:
        args.overrides.append(f"paths.results={args.results}")
    result = measure(config_from_args(args))
    print(f"snapshot: {result.snapshot}")
    for path in result.written:
        print(f"wrote {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "measure",
        help="crawl, analyze, plot and report in one run",
        description=(
            "Run the whole pipeline: crawl the configured Hub into a new snapshot, compute "
            "the result tables, draw the figures and write report.md beside the paper's "
            "numbers. With the default configuration this replays the bundled July-2024 "
            "sample offline."
        ),
    )
    add_config_arguments(parser)
    add_results_argument(parser, "results folder (default: paths.results)", default=None)
    parser.set_defaults(func=run)
