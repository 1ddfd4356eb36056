"""`ptm`: the command-line front door. Thin: parse flags, call a stage, print one line on error.

`pipeline/cli/` is the wiring of the pipeline: one module per sub-command group (as
huggingface_hub's `cli/`), each exposing `register(subparsers)`, which adds a parser whose
`func` default runs the command and returns an exit code. Only this package may start a
replay Hub (`hub.endpoint: replay`, `pipeline/cli/endpoint.py`) and import every stage; the
stage packages never import it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pipeline import __version__
from pipeline.cli import (
    analyze,
    cards,
    claims,
    crawl,
    evaluate,
    evolution,
    measure,
    plan,
    plot,
    registries,
    replay,
    report,
    snapshots,
)
from pipeline.cli.arguments import resolve_snapshot_argument
from pipeline.errors import PipelineError

COMMAND_MODULES = (
    plan,
    crawl,
    analyze,
    plot,
    report,
    claims,
    evaluate,
    registries,
    snapshots,
    evolution,
    measure,
    replay,
    cards,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ptm",
        description=(
            "Measure the Hugging Face Hub as a package registry: crawl model metadata into a "
            "Parquet snapshot, analyze it, plot the paper's figures and write a report beside "
            "the numbers of Jiang et al. (ICSE 2023)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"ptm {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="-v: progress messages, -vv: debug"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        resolve_snapshot_argument(args)
        return int(args.func(args) or 0)
    except PipelineError as error:
        print(f"ptm {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ptm {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
