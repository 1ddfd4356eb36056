"""Command-line flags shared by several `ptm` sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.config import Config, load_config


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """`--config FILE` and repeatable `--set section.key=value`."""
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("configs/default.yaml"),
        help="YAML configuration (default: configs/default.yaml, the offline replay sample)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one configuration key, e.g. --set crawl.page_size=100 (repeatable)",
    )


def config_from_args(args: argparse.Namespace) -> Config:
    return load_config(args.config, args.overrides)


def add_results_argument(
    parser: argparse.ArgumentParser, help: str, default: Path | None = Path("results")
) -> None:
    """`--results DIR`, the results folder."""
    where = f" (default: {default}/)" if default else ""
    parser.add_argument("--results", type=Path, default=default, metavar="DIR", help=help + where)


def add_snapshot_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """`--snapshot DIR` (required): a snapshot folder, or the URL of one on any storage
    fsspec reaches (fetched into `SNAPSHOT_CACHE` by `resolve_snapshot_argument`)."""
    parser.add_argument("--snapshot", type=str, required=True, metavar="DIR|URL", help=help)


SNAPSHOT_CACHE = Path(".cache/snapshots")


def resolve_snapshot_argument(args: argparse.Namespace) -> None:
    """Turn `args.snapshot` into a local folder, fetching a remote snapshot first."""
    from pipeline.snapshot.remote import fetch_snapshot, is_remote

    value = getattr(args, "snapshot", None)
    if isinstance(value, str) and is_remote(value):
        args.snapshot = fetch_snapshot(value, SNAPSHOT_CACHE)
    elif isinstance(value, str):
        args.snapshot = Path(value)


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1 (the message names the bad value)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number >= 1")
    return value
