"""`ptm crawl`: snapshot the Hub's model metadata into Parquet."""

from __future__ import annotations

import argparse
import sys

from pipeline.arguments import add_config_arguments, config_from_args
from pipeline.config import Config
from pipeline.crawl.cluster import dask_client
from pipeline.crawl.listing import CrawlResult, ListingCrawl
from pipeline.hub.client import HubClient, RetryPolicy
from pipeline.hub.endpoint import hub_endpoint
from pipeline.hub.ratelimit import RateBudget


def crawl(config: Config, endpoint: str) -> CrawlResult:
    """Crawl `endpoint` into a new (or resumed) snapshot under `paths.snapshots`."""
    crawl_config = config["crawl"]
    client = HubClient(
        endpoint,
        # None: huggingface_hub reads HF_TOKEN or its stored login, per request.
        token=None,
        policy=RetryPolicy(
            max_retries=crawl_config["max_retries"],
            backoff_base_s=crawl_config["backoff_base_s"],
            backoff_cap_s=crawl_config["backoff_cap_s"],
            timeout_s=crawl_config["timeout_s"],
        ),
        budget=RateBudget(
            {"api": crawl_config["api_quota"], "resolvers": 5000, "pages": 200},
            crawl_config["window_s"],
        ),
    )
    with dask_client(config) as dask:
        return ListingCrawl(config, client, dask.submit).run()


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    with hub_endpoint(config) as endpoint:
        result = crawl(config, endpoint)
    tables = result.manifest["tables"]
    print(
        f"snapshot {result.folder}: {tables['models']['rows']} models, "
        f"{tables['errors']['rows']} errors, {result.manifest['listing']['pages']} listing pages",
        file=sys.stdout,
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="snapshot Hub model metadata into Parquet",
        description=(
            "Enumerate every model of the Hub endpoint through the paginated listing "
            "(GET /api/models with expand fields), parse the pages on Dask workers and "
            "write a snapshot folder: models and errors tables in Parquet, the raw pages, "
            "and manifest.json last. Rerunning the same command after an interruption "
            "resumes the unfinished snapshot. The token, if any, comes from HF_TOKEN."
        ),
    )
    add_config_arguments(parser)
    parser.set_defaults(func=run)
