"""`ptm crawl`: snapshot the Hub's model metadata into Parquet."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.arguments import add_config_arguments, config_from_args
from pipeline.config import Config
from pipeline.crawl.cluster import dask_client
from pipeline.crawl.run import Crawl, CrawlResult
from pipeline.hub.endpoint import hub_endpoint


def crawl(config: Config, endpoint: str) -> CrawlResult:
    """Crawl `endpoint` into a new (or resumed) snapshot under `paths.snapshots`."""
    with dask_client(config) as dask:
        return Crawl(config, endpoint, dask).run()


def run(args: argparse.Namespace) -> int:
    if args.since is not None:
        args.overrides.append(f"crawl.since={args.since}")
    config = config_from_args(args)
    with hub_endpoint(config) as endpoint:
        result = crawl(config, endpoint)
    tables = result.manifest["tables"]
    counts = ", ".join(f"{name} {entry['rows']}" for name, entry in tables.items())
    requests = sum(result.manifest["requests"].values())
    print(f"snapshot {result.folder}: {counts}; {requests} requests")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="snapshot Hub model metadata into Parquet",
        description=(
            "Enumerate every model of the Hub endpoint through the paginated listing "
            "(GET /api/models with expand fields, 1000 models a request), then fetch what "
            "the listing cannot give (README cards, security scans, organization overviews) "
            "in Dask tasks that share one rate budget, and write a snapshot folder: Parquet "
            "tables models, files, cards, security, orgs, errors (and changes with --since), "
            "the raw listing pages, and manifest.json last. Rerunning the same command after "
            "an interruption resumes the unfinished snapshot. The token, if any, comes from "
            "HF_TOKEN or the huggingface_hub login and is sent in request headers only."
        ),
    )
    add_config_arguments(parser)
    parser.add_argument(
        "--since",
        type=Path,
        default=None,
        metavar="SNAPSHOT",
        help="incremental crawl: per-model requests only for models new or changed since "
        "this complete snapshot; the rest is carried over (= --set crawl.since=SNAPSHOT)",
    )
    parser.set_defaults(func=run)
