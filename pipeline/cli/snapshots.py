"""`ptm snapshots`: list the snapshots of a store, and apply retention."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.snapshot.catalog import apply_retention, format_catalog, snapshot_catalog
from pipeline.snapshot.lock import read_lock, store_lock


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `snapshots` sub-command."""
    parser = subparsers.add_parser(
        "snapshots",
        help="list the snapshots of a store (and apply retention)",
        description=(
            "List every snapshot folder of a store, oldest first: status (complete, "
            "incomplete = running or resumable, abandoned), start time, endpoint, when the "
            "data was recorded, models, errors, coverage = models/(models+errors), tables, "
            "incremental base (since) and size. With --keep-last N, remove the oldest "
            "complete snapshots beyond the newest N (never an incomplete one, never the "
            "incremental base of a kept one)."
        ),
    )
    parser.add_argument(
        "--store",
        type=Path,
        default=Path("snapshots"),
        metavar="DIR",
        help="the snapshot store (default: snapshots/)",
    )
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    parser.add_argument(
        "--keep-last",
        type=int,
        default=None,
        metavar="N",
        help="remove the oldest complete snapshots beyond the newest N",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="with --keep-last: print what would be removed, remove nothing",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """`ptm snapshots`: print the catalog; with `--keep-last`, apply retention first."""
    store = Path(args.store)
    if not store.is_dir():
        raise PipelineError(f"snapshot store {store} does not exist")
    if args.dry_run and args.keep_last is None:
        raise PipelineError("--dry-run needs --keep-last N")
    if args.keep_last is not None:
        if args.dry_run:
            removed = apply_retention(store, args.keep_last, dry_run=True)
        else:
            with store_lock(store, command=f"ptm snapshots --keep-last {args.keep_last}"):
                removed = apply_retention(store, args.keep_last)
        verb = "would remove" if args.dry_run else "removed"
        for folder in removed:
            print(f"{verb} {folder}", file=sys.stderr)
        if not removed:
            print(f"retention: nothing to remove (keep last {args.keep_last})", file=sys.stderr)
    catalog = snapshot_catalog(store)
    if args.csv:
        print(catalog.to_csv(index=False), end="")
    else:
        print(format_catalog(catalog))
        holder = read_lock(store)
        if holder is not None:
            print(f"\nlocked by {holder.describe()}")
    return 0
