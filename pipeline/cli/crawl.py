"""`ptm crawl`: snapshot the Hub's model metadata into Parquet."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pipeline.cli.arguments import add_config_arguments, config_from_args
from pipeline.cli.endpoint import hub_endpoint
from pipeline.config import REPLAY, Config
from pipeline.crawl.cluster import dask_client
from pipeline.crawl.run import Crawl, CrawlResult
from pipeline.errors import PipelineError
from pipeline.snapshot.catalog import apply_retention, incremental_base
from pipeline.snapshot.lock import store_lock
from pipeline.snapshot.remote import publish_snapshot

log = logging.getLogger(__name__)


def crawl(config: Config, endpoint: str) -> CrawlResult:
    """Crawl `endpoint` into a new (or resumed) snapshot under `paths.snapshots`.

    The store is locked for the duration: a second crawl of the same store fails at once,
    and the lock of a crawl that was killed is taken over by the next one.
    """
    store = config.path("snapshots")
    command = " ".join(["ptm", *sys.argv[1:]]) if sys.argv[1:] else "ptm crawl"
    with store_lock(store, command=command):
        with dask_client(config) as dask:
            result = Crawl(config, endpoint, dask).run()
        if config.paths.publish:
            url = publish_snapshot(result.folder, config.paths.publish)
            log.warning("published %s to %s", result.folder.name, url)
            result.published = url
        if config.crawl.keep_last:
            for folder in apply_retention(store, config.crawl.keep_last, dry_run=False):
                log.warning("retention: removed %s", folder)
    return result


def config_with_base(args: argparse.Namespace) -> Config:
    """The configuration, with `crawl.since` from `--since`, or from `--incremental`."""
    if args.since is not None and args.incremental:
        raise PipelineError("--since and --incremental exclude each other")
    if args.since is not None:
        args.overrides.append(f"crawl.since={args.since}")
    config = config_from_args(args)
    if args.incremental and config.crawl.since is None:
        replay = config.hub.endpoint == REPLAY  # its URL changes every run
        base = incremental_base(
            config.path("snapshots"),
            endpoint=None if replay else config.endpoint(),
            details=config.crawl.details,
        )
        if base is not None:
            args.overrides.append(f"crawl.since={base}")
            config = config_from_args(args)
    return config


def run(args: argparse.Namespace) -> int:
    config = config_with_base(args)
    with hub_endpoint(config) as endpoint:
        result = crawl(config, endpoint)
    tables = result.manifest["tables"]
    counts = ", ".join(f"{name} {entry['rows']}" for name, entry in tables.items())
    requests = sum(result.manifest["requests"].values())
    print(f"snapshot {result.folder}: {counts}; {requests} requests")
    if result.published:
        print(f"published to {result.published}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="snapshot Hub model metadata into Parquet",
        description=(
            "Enumerate every model of the Hub endpoint through the paginated listing "
            "(GET /api/models with expand fields, 1000 models a request), then fetch what "
            "the listing cannot give (README cards, security scans, organization overviews, "
            "signed commits) in Dask tasks that share one rate budget, and write a snapshot "
            "folder: Parquet tables models, files, cards, security, orgs, commits, errors "
            "(and changes when incremental), the raw listing pages, and manifest.json last. "
            "Rerunning the same command after an interruption resumes the unfinished "
            "snapshot. The token, if any, comes from HF_TOKEN or the huggingface_hub login "
            "and is sent in request headers only."
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
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="incremental crawl based on the newest complete snapshot of the store (a full "
        "crawl when there is none); see docs/scheduling.md",
    )
    parser.set_defaults(func=run)
