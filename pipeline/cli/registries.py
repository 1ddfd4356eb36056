"""`ptm fetch-downloads`: today's monthly downloads of the paper's NPM and PyPI packages from
the registries' public download-count APIs, into `<results>/registry_downloads.csv`.

Needs internet; offline, it stops with one line naming the URL it could not reach and
writes nothing. When the results folder already holds Figure 1's tables (`ptm analyze` ran
first), they are rewritten with the fetched series added (or replaced), so `ptm plot` draws
them; an analysis run later reads the CSV itself.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from pipeline.cli.arguments import add_results_argument, positive_int
from pipeline.errors import PipelineError
from pipeline.registries.downloads import (
    NPM_BASE,
    PYPI_BASE,
    FetchPolicy,
    PackageList,
    RegistryClient,
    counts_frame,
    fetch_npm,
    fetch_pypi,
    paper_npm_packages,
    paper_pypi_packages,
    read_name_file,
    write_registry_downloads,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `fetch-downloads` sub-command."""
    parser = subparsers.add_parser(
        "fetch-downloads",
        help="fetch today's monthly downloads of the paper's NPM and PyPI packages "
        "(Figure 1; needs internet)",
        description=(
            "Ask api.npmjs.org (bulk, last month) and pypistats.org (recent, last_month) for "
            "the downloads of the paper's NPM packages (its 133 named ones when npm_list.csv "
            "is available, else its top 20) and PyPI packages (its top 20: the only ones it "
            "names), and write registry_downloads.csv into the results folder; Figure 1 "
            "then shows 'NPM (fetched <date>)' and 'PyPI (fetched <date>)' beside the paper."
        ),
    )
    add_results_argument(parser, "folder for registry_downloads.csv (Figure 1's tables)")
    parser.add_argument(
        "--npm-base",
        default=NPM_BASE,
        metavar="URL",
        help=f"NPM downloads API (default: {NPM_BASE})",
    )
    parser.add_argument(
        "--pypi-base", default=PYPI_BASE, metavar="URL", help=f"PyPI Stats (default: {PYPI_BASE})"
    )
    parser.add_argument(
        "--limit",
        type=positive_int,
        default=None,
        metavar="N",
        help="only the first N packages of each list (a quick check)",
    )
    parser.add_argument(
        "--npm-packages",
        type=Path,
        default=None,
        metavar="FILE",
        help="NPM names to fetch instead of the paper's, one a line",
    )
    parser.add_argument(
        "--pypi-packages",
        type=Path,
        default=None,
        metavar="FILE",
        help="PyPI names to fetch instead of the paper's, one a line",
    )
    parser.add_argument(
        "--min-interval",
        type=float,
        default=FetchPolicy.min_interval_s,
        metavar="S",
        help=f"seconds between two requests to one host (default: {FetchPolicy.min_interval_s})",
    )
    parser.set_defaults(func=run)


def package_lists(
    npm_file: Path | None = None, pypi_file: Path | None = None, limit: int | None = None
) -> tuple[PackageList, PackageList]:
    """The NPM and PyPI lists to fetch: the given files, else the paper's; cut to `limit`."""
    lists = []
    for ecosystem, path, default in (
        ("npm", npm_file, paper_npm_packages),
        ("pypi", pypi_file, paper_pypi_packages),
    ):
        if path is None:
            chosen = default()
        else:
            try:
                names = read_name_file(path)
            except OSError as error:
                raise PipelineError(f"{path}: cannot read package list: {error}") from error
            if not names:
                raise PipelineError(f"{path}: no package names")
            chosen = PackageList(ecosystem, tuple(names), str(path))
        if limit is not None:
            chosen = PackageList(ecosystem, chosen.names[:limit], chosen.source)
        lists.append(chosen)
    return lists[0], lists[1]


def fetch_downloads(
    results: Path,
    *,
    npm_base: str = NPM_BASE,
    pypi_base: str = PYPI_BASE,
    npm: PackageList | None = None,
    pypi: PackageList | None = None,
    policy: FetchPolicy | None = None,
    progress: bool | None = None,
) -> list[Path]:
    """Fetch both lists, write `registry_downloads.csv` (all or nothing) and refresh Figure
    1's tables when present; the paths written. `progress`: None = only on a terminal."""
    from tqdm import tqdm

    if npm is None or pypi is None:
        default_npm, default_pypi = package_lists()
        npm, pypi = npm or default_npm, pypi or default_pypi
    client = RegistryClient(policy)
    with tqdm(
        total=len(npm.names) + len(pypi.names),
        desc="download counts",
        unit="pkg",
        disable=None if progress is None else not progress,
        delay=1.0,
    ) as bar:
        rows = fetch_npm(client, npm.names, npm_base, bar.update)
        rows += fetch_pypi(client, pypi.names, pypi_base, bar.update)
    frame = counts_frame(rows)
    written = [write_registry_downloads(frame, results)]
    written += refresh_figure1(Path(results), frame)
    for listing in (npm, pypi):
        got = frame[frame["ecosystem"] == listing.ecosystem]["downloads_last_month"].notna()
        print(
            f"{listing.ecosystem}: {int(got.sum())} of {len(got)} packages with a count "
            f"(names: {listing.source})",
            file=sys.stderr,
        )
    return written


def refresh_figure1(results: Path, fetched: pd.DataFrame) -> list[Path]:
    """Rewrite `figure1.csv` + `figure1_summary.csv` with the fetched series, when present."""
    from pipeline.analyze.figure1 import figure1_summary, with_fetched_series
    from pipeline.atomic import write_text_atomic

    table_path = results / "figure1.csv"
    if not table_path.is_file():
        return []
    try:
        table = pd.read_csv(table_path, keep_default_na=False, na_values=[""])
        table = with_fetched_series(table, fetched)
    except (OSError, ValueError, KeyError) as error:
        raise PipelineError(f"{table_path}: cannot add the fetched series: {error}") from error
    summary_path = results / "figure1_summary.csv"
    write_text_atomic(table_path, table.to_csv(index=False))
    write_text_atomic(summary_path, figure1_summary(table).to_csv(index=False))
    return [table_path, summary_path]


def run(args: argparse.Namespace) -> int:
    """`ptm fetch-downloads`: fetch, write, print the written paths."""
    npm, pypi = package_lists(args.npm_packages, args.pypi_packages, args.limit)
    policy = FetchPolicy(min_interval_s=max(0.0, args.min_interval))
    for path in fetch_downloads(
        args.results,
        npm_base=args.npm_base,
        pypi_base=args.pypi_base,
        npm=npm,
        pypi=pypi,
        policy=policy,
    ):
        print(path)
    return 0
