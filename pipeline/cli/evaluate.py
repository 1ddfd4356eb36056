"""`ptm evaluate`: run models on their claimed dataset splits and write measurements."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli.arguments import add_results_argument, positive_int
from pipeline.errors import PipelineError


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a number of seconds > 0")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `evaluate` sub-command."""
    parser = subparsers.add_parser(
        "evaluate",
        help="measure claimed metrics by running the models (needs `pip install .[eval]`)",
        description=(
            "For models with text- or token-classification claims, download the model and "
            "the claimed dataset split through the Hub API (HF_ENDPOINT), run it, and write "
            "measurements_evaluation.csv (the measurements import format, source "
            "evaluation-run, plus provenance columns) and evaluation_skipped.csv (reasons). "
            "Weights load from safetensors only unless --allow-pickle; remote code never runs."
        ),
    )
    parser.add_argument(
        "--claims", type=Path, required=True, metavar="FILE", help="claims table (CSV/Parquet)"
    )
    add_results_argument(parser, "folder for measurements_evaluation.csv")
    parser.add_argument(
        "--models", type=positive_int, metavar="N", help="evaluate at most N models"
    )
    parser.add_argument(
        "--max-examples",
        type=positive_int,
        metavar="N",
        help="evaluate a seeded sample of at most N examples per split (adds a 95%% interval)",
    )
    parser.add_argument(
        "--time-limit",
        type=_positive_float,
        metavar="S",
        help="seconds of inference per model; stops after the current batch",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(".cache/evaluate"),
        metavar="DIR",
        help="downloads and cached results; reruns are free (default: .cache/evaluate/)",
    )
    parser.add_argument(
        "--allow-pickle",
        action="store_true",
        help="UNSAFE: also load pickle weights (pytorch_model.bin) of models without safetensors",
    )
    parser.add_argument(
        "--device", choices=("cpu", "cuda"), help="default: cuda when available, else cpu"
    )
    parser.set_defaults(func=run_evaluate_command)


def run_evaluate_command(args: argparse.Namespace) -> int:
    """`ptm evaluate`: measure, print the written paths and a one-line summary."""
    from pipeline.cli.claims import read_claims
    from pipeline.evaluate.run import Budget, evaluate_claims

    if args.results is None:
        raise PipelineError("--results: a folder is required")
    outcome = evaluate_claims(
        read_claims(Path(args.claims)),
        Path(args.results),
        Path(args.cache),
        Budget(args.models, args.max_examples, args.time_limit),
        allow_pickle=args.allow_pickle,
        device=args.device,
    )
    for path in outcome.paths:
        print(path)
    cached = sum(bool(row.get("cached")) for row in outcome.measurements)
    print(
        f"{len(outcome.measurements)} measurement(s) ({cached} from cache), "
        f"{len(outcome.skipped)} claim(s) skipped"
    )
    return 0
