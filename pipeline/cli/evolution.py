"""`ptm diff A B` and `ptm evolution`: what changed between snapshots, and over a store.

`ptm diff A B [--results DIR] [--top N]` prints a summary of `diff_snapshots` and, with
`--results`, writes (CSV):

| file | rows |
|---|---|
| `diff_counts.csv` | models in A and B, added, deleted, renamed, sha changed, sha unknown |
| `diff_totals.csv` | models; downloads, likes (downloads_all_time) totals, medians: A, B, change |
| `diff_added.csv`, `diff_deleted.csv` | one row per model (id, sha, created_at, downloads, likes) |
| `diff_renamed.csv` | old_id, new_id, sha_a, sha_b, rule (`pipeline.evolution.diff`) |
| `diff_sha_changed.csv` | id, previous_id (renames), sha_a, sha_b |
| `diff_top_downloads.csv`, `diff_top_likes.csv` | the N largest increases |
| `diff_coverage.csv` | per factor: share in A and B, models that gained or lost it |

`ptm evolution [--store DIR] [--results DIR]` writes `evolution.csv` (one row per complete
snapshot, `pipeline.evolution.timeline`) and `evolution.png`/`.pdf`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli.arguments import add_results_argument
from pipeline.errors import PipelineError
from pipeline.evolution.diff import DEFAULT_TOP, DIFF_COLUMNS, DiffResult, diff_snapshots
from pipeline.snapshot.loader import load_snapshot


def diff_paths(a: Path, b: Path, top: int = DEFAULT_TOP) -> DiffResult:
    """Load the `models` of two snapshot folders (or stores: their newest) and diff them."""
    columns = {"models": DIFF_COLUMNS}
    first = load_snapshot(a, ["models"], columns=columns)
    second = load_snapshot(b, ["models"], columns=columns)
    if first.path.resolve() == second.path.resolve():
        raise PipelineError(f"A and B are the same snapshot ({first.path})")
    return diff_snapshots(first, second, top=top)


def write_diff(result: DiffResult, results: Path) -> list[Path]:
    """Write every table of `result` as `<results>/<name>.csv`; the paths written."""
    from pipeline.results import write_results

    try:
        return write_results(result.tables(), Path(results))
    except OSError as error:
        raise PipelineError(f"cannot write results to {results}: {error}") from error


def evolution_results(store: Path, results: Path) -> list[Path]:
    """`evolution.csv` and the figure for every complete snapshot of `store`."""
    from pipeline.atomic import write_text_atomic
    from pipeline.evolution.timeline import evolution_table, plot_evolution
    from pipeline.plot.save import save_figure

    table = evolution_table(store)
    if table.empty:
        raise PipelineError(f"no complete snapshot under {store} (run `ptm crawl` first)")
    results = Path(results)
    try:
        target = results / "evolution.csv"
        results.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, table.to_csv(index=False))
        figure = plot_evolution(table, title=f"Evolution of {store} ({len(table)} snapshots)")
        return [target, *save_figure(figure, results, "evolution")]
    except OSError as error:
        raise PipelineError(f"cannot write results to {results}: {error}") from error


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `diff` and `evolution` sub-commands."""
    diff = subparsers.add_parser(
        "diff",
        help="what changed between two snapshots (models added, deleted, renamed, new "
        "commits, downloads/likes growth, attribute coverage)",
        description=(
            "Compare the models tables of two complete snapshots A (older) and B: models "
            "added, deleted and renamed (same commit sha and creation time, or same "
            "creation time and repo name), models with a new commit sha, downloads "
            "(last 30 days) and likes totals, medians and top growers, and the share of "
            "models with each attribute factor. Prints a summary; --results writes CSVs."
        ),
    )
    diff.add_argument("a", type=Path, metavar="A", help="the older snapshot folder")
    diff.add_argument("b", type=Path, metavar="B", help="the newer snapshot folder")
    add_results_argument(diff, "write the diff tables (CSV) into this folder", default=None)
    diff.add_argument(
        "--top",
        type=int,
        default=DEFAULT_TOP,
        metavar="N",
        help=f"top growers to list (default: {DEFAULT_TOP})",
    )
    diff.set_defaults(func=run_diff)

    evolution = subparsers.add_parser(
        "evolution",
        help="one row per complete snapshot of a store (models, downloads, likes, "
        "attribute shares) and a figure",
        description=(
            "Read every complete snapshot of a store and write evolution.csv (one row per "
            "snapshot: models, errors, coverage, downloads and likes totals and medians, "
            "share of models with each attribute factor) and evolution.png/.pdf."
        ),
    )
    evolution.add_argument(
        "--store",
        type=Path,
        default=Path("snapshots"),
        metavar="DIR",
        help="the snapshot store (default: snapshots/)",
    )
    add_results_argument(evolution, "folder for evolution.csv and the figure")
    evolution.set_defaults(func=run_evolution)


def run_diff(args: argparse.Namespace) -> int:
    """`ptm diff`: print the summary; with `--results`, write the tables."""
    if args.top < 1:
        raise PipelineError(f"--top must be at least 1, got {args.top}")
    result = diff_paths(args.a, args.b, top=args.top)
    print(result.summary())
    if args.results is not None:
        for path in write_diff(result, args.results):
            print(path)
    return 0


def run_evolution(args: argparse.Namespace) -> int:
    """`ptm evolution`: write the evolution table and figure, print the paths."""
    for path in evolution_results(args.store, args.results):
        print(path)
    return 0
