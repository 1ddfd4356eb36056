"""`ptm cards`: card-text signals for researchers, and the detectors' evaluation.

- `ptm cards signals --input IN.jsonl --output OUT.jsonl`: one `{"id", "signals"}` line per
  input card;
- `ptm cards evaluate [--part development]`: precision, recall and F1 per attribute on the
  bundled labelled set (`data/card-labels/`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path
from typing import BinaryIO

from pipeline.analyze.cardtext import SIGNALS
from pipeline.atomic import write_atomic
from pipeline.cards.signals import BATCH_SIZE, available_cpus, write_signals
from pipeline.cli.arguments import positive_int
from pipeline.errors import PipelineError

SIGNALS_HELP = (
    """\
Read model cards from a JSON Lines file and write, for each, which of the 14 card-text
attributes of paper Table I its text documents.

Input: one JSON object a line, {"id": ..., "body": ...}. `id` is a string or an integer
(kept as is); `body` is the README text, with or without its YAML front matter (a leading
--- block is removed), or null when the card is unknown. Blank lines are skipped.

Output: one line per input card, in input order:
  {"id": ..., "signals": {"dataset_details": true, "performance_table": false, ...}}
with every attribute of ../shared/docs/card-attributes.md: dataset_details,
performance_table, training_log, paper, base_model, architecture, training_hardware,
hyperparameters, notebook_or_demo, framework_versions, inference_hardware, latency,
fine_tuning, co2. A value is true or false; all are null when the body is null.

The detectors are rules over the card's Markdown, OR'ed for dataset_details and
base_model with a small token model shipped as JSON (pipeline/analyze/cardtext.py,
cardtext_model.json); their precision and recall, measured on a labelled random sample of
real cards, are in data/card-labels/README.md (`ptm cards evaluate`). They err: for shares
over many cards, use the error-corrected estimates of `ptm analyze`
(attribute_coverage.csv).

A bad line stops the command with an error naming the line (exit code 2); the output file
is written only when every line was read. Use - for standard input or output.

"""
    + f"""\
Speed: cards are read in batches of {BATCH_SIZE} and, with --jobs N > 1 (default: every CPU
this process may use), batches are scored in N worker processes, at most 4N batches ahead of
the writer, so memory stays flat on any input size. A progress bar counts cards on standard
error when it is a terminal.
"""
)


def run_signals(args: argparse.Namespace) -> int:
    """`ptm cards signals`."""
    name = "<stdin>" if args.input == "-" else str(args.input)
    with contextlib.ExitStack() as stack:
        try:
            source = (
                sys.stdin
                if args.input == "-"
                else stack.enter_context(Path(args.input).open(encoding="utf-8"))
            )
        except OSError as error:
            raise PipelineError(f"cannot read {args.input}: {error.strerror or error}") from None
        if args.output == "-":
            count = write_signals(source, name, sys.stdout, args.jobs)
        else:
            target = Path(args.output)
            counted: list[int] = []

            def write(out: BinaryIO) -> None:
                text = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
                counted.append(write_signals(source, name, text, args.jobs))
                text.detach()

            try:
                write_atomic(target, write)
            except OSError as error:
                raise PipelineError(f"cannot write {target}: {error.strerror or error}") from None
            count = counted[0]
    print(f"{count} cards, {len(SIGNALS)} signals each -> {args.output}", file=sys.stderr)
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """`ptm cards evaluate`: print the per-attribute table (and rewrite the README's)."""
    from pipeline.cards.evaluation import evaluate_cards, markdown_table, target_failures
    from pipeline.cards.labels import LABELS_DIR, load_labelled_set, select

    directory = Path(args.labels) if args.labels else LABELS_DIR
    cards = select(load_labelled_set(directory), args.part)
    table = evaluate_cards(cards)
    text = markdown_table(table)
    failures = target_failures(table)
    print(f"{args.part} part: {len(cards)} cards x {len(SIGNALS)} attributes")
    print(text)
    print("targets: " + ("met" if not failures else "NOT met: " + "; ".join(failures)))
    if args.write_readme:
        from pipeline.cards.readme import write_evaluation_section

        write_evaluation_section(directory / "README.md", args.part, len(cards), text, failures)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `cards` sub-command and its `signals` and `evaluate` actions."""
    parser = subparsers.add_parser(
        "cards",
        help="card-text signals of model cards (JSON Lines), and the detectors' evaluation",
        description="Card-text attributes of model cards (paper Table I).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    signals = actions.add_parser(
        "signals",
        help="which card-text attributes each card documents (JSON Lines in and out)",
        description=SIGNALS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    signals.add_argument("--input", required=True, help='JSON Lines of {"id", "body"} (- = stdin)')
    signals.add_argument(
        "--output", required=True, help='JSON Lines of {"id", "signals"} (- = stdout)'
    )
    cpus = available_cpus()
    signals.add_argument(
        "--jobs",
        type=positive_int,
        default=cpus,
        help="processes that score the cards (default: the CPUs this process may use, "
        f"here {cpus}); 1 = no worker processes",
    )
    signals.set_defaults(func=run_signals)
    evaluate = actions.add_parser(
        "evaluate",
        help="precision, recall and F1 of the detectors on the labelled set",
        description=(
            "Run the card-text detectors on the bundled labelled cards (data/card-labels/) "
            "and print TP, FP, FN, TN, precision, recall (95%% Wilson CIs) and F1 (95%% "
            "bootstrap CI) per attribute, and whether the targets are met (micro F1 >= "
            "0.9; precision >= 0.8 and recall >= 0.7 for attributes with >= 5 positives). "
            "Development (parts dev, test and test2) is what the detectors were tuned on; a "
            "held-out part is measured once and never used for tuning."
        ),
    )
    evaluate.add_argument(
        "--part",
        choices=("dev", "test", "test2", "test3", "development", "all"),
        default="development",
        help="development: dev, test and test2, what the detectors were tuned on (default); "
        "test3: the held-out part",
    )
    evaluate.add_argument("--labels", help="labelled set folder (default: data/card-labels)")
    evaluate.add_argument(
        "--write-readme",
        action="store_true",
        help="also rewrite this part's section of the labelled set's README.md",
    )
    evaluate.set_defaults(func=run_evaluate)
