"""`ptm claims` and `ptm discrepancy`: extract claims from a snapshot, compare them with
measurements, and write the tables and the figure. I/O lives here; the rest is pure."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from pipeline.claims.errors import ClaimsError, MeasurementsError
from pipeline.claims.extract import claims_with_diagnostics, counts_by_source, diagnostics_table
from pipeline.claims.join import DEFAULT_TOLERANCE_PP, pair_claims
from pipeline.claims.measurements import BUILTIN_SOURCES, DATA_ROOT, load_source
from pipeline.claims.report import render_discrepancy_section
from pipeline.claims.schema import CLAIMS, MEASUREMENTS, coerce
from pipeline.cli.arguments import add_results_argument, add_snapshot_argument
from pipeline.errors import PipelineError, SnapshotError
from pipeline.results import write_parquet, write_results

MODELS_COLUMNS = ["id", "pipeline_tag", "card_data", "model_index", "extra_json"]
FIGURE = "discrepancy"

__all__ = [
    "claims_for_snapshot",
    "discrepancy_for_results",
    "read_claims",
    "register",
    "render_discrepancy_section",
    "run_claims",
    "run_discrepancy",
]


def run_claims(models: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """`claims`, `claims_counts` (per source and parse status) and `claims_diagnostics`."""
    claims, diagnostics = claims_with_diagnostics(models)
    return {
        "claims": claims,
        "claims_counts": counts_by_source(claims),
        "claims_diagnostics": diagnostics_table(diagnostics),
    }


def readme_bodies(folder: Path) -> pd.DataFrame:
    """`model_id`, `card_body` of README files named `{author}__{name}.md` in `folder`."""
    from pipeline.claims.cardtables import card_body

    folder = Path(folder)
    if not folder.is_dir():
        raise ClaimsError(f"README folder {folder} does not exist")
    rows = [
        {
            "model_id": path.stem.replace("__", "/", 1),
            "card_body": card_body(path.read_text(encoding="utf-8", errors="replace")),
        }
        for path in sorted(folder.glob("*.md"))
    ]
    return pd.DataFrame(rows, columns=["model_id", "card_body"])


def _snapshot_bodies(snapshot: Path) -> pd.DataFrame | None:
    """Card bodies from the snapshot's `cards` table, when it has one with bodies."""
    from pipeline.snapshot.reader import read_table
    from pipeline.snapshot.schema import TABLES

    schema = TABLES.get("cards")
    if schema is None or "body" not in schema.names or not (Path(snapshot) / "cards").is_dir():
        return None
    try:
        cards = read_table(Path(snapshot), "cards", ["model_id", "body"])
    except SnapshotError:
        return None
    cards = cards[cards["body"].notna()]
    return cards.rename(columns={"body": "card_body"}) if len(cards) else None


def claims_for_snapshot(snapshot: Path, results: Path, readmes: Path | None = None) -> list[Path]:
    """Extract the claims of a snapshot's models (card bodies from its `cards` table and
    from `readmes`, when given) and write claims.csv/.parquet, claims_counts.csv and
    claims_diagnostics.csv; the paths written."""
    from pipeline.snapshot.reader import read_models

    models = read_models(Path(snapshot), columns=MODELS_COLUMNS)
    bodies = [
        b
        for b in (_snapshot_bodies(snapshot), readme_bodies(readmes) if readmes else None)
        if b is not None
    ]
    if bodies:
        merged = pd.concat(bodies).drop_duplicates("model_id", keep="last")
        models = models.merge(merged, left_on="id", right_on="model_id", how="left")
        models = models.drop(columns="model_id")
    try:
        tables = run_claims(models)
    except ValueError as error:
        raise SnapshotError(f"{snapshot}: {error}") from error
    return write_claims(tables, Path(results))


def write_claims(tables: dict[str, pd.DataFrame], results: Path) -> list[Path]:
    """Each table as CSV (atomic), plus claims.parquet with the `CLAIMS` schema."""
    try:
        written = write_results(tables, results)
        target = write_parquet(tables["claims"], Path(results) / "claims.parquet", CLAIMS)
    except OSError as error:
        raise PipelineError(f"cannot write claims to {results}: {error}") from error
    return [*written, target]


def read_claims(path: Path) -> pd.DataFrame:
    """A claims table written by `ptm claims` (CSV or Parquet); `ClaimsError` naming the
    file when it is missing or not a claims table."""
    path = Path(path)
    if not path.is_file():
        raise ClaimsError(f"{path}: claims table not found (run `ptm claims` first)")
    try:
        raw = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
        return coerce(raw, CLAIMS)
    except (OSError, ValueError) as error:
        raise ClaimsError(f"{path}: not a claims table: {error}") from error


def gather(
    results: Path, sources: list[str], claims: Path | None = None, data_root: Path = DATA_ROOT
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The claims (the snapshot's, plus the ICWSM audit's when `icwsm` is a source) and the
    measurements of every source."""
    if not sources:
        raise MeasurementsError("no measurements source given")
    default = Path(results) / "claims.csv"
    path = Path(claims) if claims is not None else (default if default.is_file() else None)
    frames = [read_claims(path)] if path is not None else []
    if "icwsm" in sources:
        from pipeline.claims.icwsm import icwsm_claims

        frames.append(icwsm_claims(Path(data_root) / "icwsm"))
    if not frames:
        raise ClaimsError(
            f"no claims: {default} does not exist (run `ptm claims` first, pass --claims, "
            "or add the icwsm source, which brings its own claims)"
        )
    all_claims = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    measured = [load_source(s, all_claims, data_root) for s in dict.fromkeys(sources)]
    measurements = (
        pd.concat(measured, ignore_index=True) if measured else coerce(pd.DataFrame(), MEASUREMENTS)
    )
    return all_claims, measurements


def run_discrepancy(
    claims: pd.DataFrame,
    measurements: pd.DataFrame,
    tolerance: float = DEFAULT_TOLERANCE_PP,
    **options: bool,
) -> tuple[dict[str, pd.DataFrame], object]:
    """The discrepancy tables (`discrepancy`, `discrepancy_pairs`, `discrepancy_unmatched`,
    `discrepancy_summary`) and the figure. `options` go to `join.pair_claims`."""
    from pipeline.claims.plot import discrepancy_table, plot_discrepancy
    from pipeline.claims.stats import discrepancy_summary

    joined = pair_claims(claims, measurements, tolerance, **options)
    summary = discrepancy_summary(joined.pairs, tolerance)
    sources = ", ".join(sorted(joined.pairs["measurement_source"].dropna().unique())) or "none"
    suffix = (
        f"{len(joined.pairs):,} claim/measurement pairs, "
        f"{joined.pairs['model_id'].nunique():,} models; measured by: {sources}"
    )
    figure = plot_discrepancy(joined.pairs, tolerance, title_suffix=suffix)
    tables = {
        "discrepancy": discrepancy_table(joined.pairs, tolerance),
        "discrepancy_pairs": joined.pairs,
        "discrepancy_unmatched": joined.unmatched,
        "discrepancy_summary": summary,
    }
    return tables, figure


def discrepancy_for_results(
    results: Path,
    sources: list[str],
    tolerance: float = DEFAULT_TOLERANCE_PP,
    *,
    claims: Path | None = None,
    data_root: Path = DATA_ROOT,
    **options: bool,
) -> list[Path]:
    """Compare the claims in `results` (or `claims`) with the measurement `sources` and
    write the discrepancy tables, figure (.png/.pdf) and nothing else; the paths."""
    from pipeline.plot.save import save_figure

    if not isinstance(tolerance, int | float) or not math.isfinite(tolerance) or tolerance < 0:
        raise ClaimsError(f"tolerance {tolerance!r}: must be a number of percentage points >= 0")
    all_claims, measurements = gather(Path(results), list(sources), claims, data_root)
    tables, figure = run_discrepancy(all_claims, measurements, tolerance, **options)
    try:
        written = write_results(tables, Path(results))
        written += save_figure(figure, Path(results), FIGURE)
    except OSError as error:
        raise PipelineError(f"cannot write discrepancy results to {results}: {error}") from error
    return written


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `claims` and `discrepancy` sub-commands."""
    claims = subparsers.add_parser(
        "claims",
        help="extract reported performance claims (model-index, evalResults, card tables)",
        description=(
            "Read the models table of a snapshot and write claims.csv and claims.parquet (one "
            "row per reported metric value, parsed or with the reason it could not be), "
            "claims_counts.csv (per source and parse status) and claims_diagnostics.csv "
            "(malformed and bot-written entries counted)."
        ),
    )
    add_snapshot_argument(claims, "snapshot folder to read")
    add_results_argument(claims, "folder for the claims tables")
    claims.add_argument(
        "--readmes",
        type=Path,
        metavar="DIR",
        help="also parse Markdown tables of README files named {author}__{name}.md here",
    )
    claims.set_defaults(func=run_claims_command)

    discrepancy = subparsers.add_parser(
        "discrepancy",
        help="compare claimed with measured performance (tables + figure)",
        description=(
            "Pair claims (claims.csv in the results folder, or --claims) with measurements of "
            "the same model, dataset and metric; write discrepancy.csv, discrepancy_pairs.csv, "
            "discrepancy_unmatched.csv, discrepancy_summary.csv and discrepancy.png/.pdf."
        ),
    )
    add_results_argument(discrepancy, "folder holding claims.csv; results are written there")
    discrepancy.add_argument("--claims", type=Path, metavar="CSV", help="claims table to use")
    discrepancy.add_argument(
        "--measurements",
        nargs="+",
        default=list(BUILTIN_SOURCES),
        metavar="SOURCE",
        help="CSV files in the measurements import format and/or built-in sources "
        f"({', '.join(BUILTIN_SOURCES)}; default: all three)",
    )
    discrepancy.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE_PP,
        metavar="PP",
        help="percentage points a claim may exceed its measurement before it counts as "
        f"overstated (default: {DEFAULT_TOLERANCE_PP})",
    )
    discrepancy.add_argument(
        "--include-bot-written", action="store_true", help="also compare bot-written claims"
    )
    discrepancy.add_argument(
        "--include-low-confidence", action="store_true", help="also compare card-table claims"
    )
    discrepancy.set_defaults(func=run_discrepancy_command)


def run_claims_command(args: argparse.Namespace) -> int:
    """`ptm claims`: extract and print the written paths."""
    for path in claims_for_snapshot(Path(args.snapshot), Path(args.results), args.readmes):
        print(path)
    return 0


def run_discrepancy_command(args: argparse.Namespace) -> int:
    """`ptm discrepancy`: compare and print the written paths."""
    written = discrepancy_for_results(
        Path(args.results),
        args.measurements,
        args.tolerance,
        claims=args.claims,
        include_bot_written=args.include_bot_written,
        include_low_confidence=args.include_low_confidence,
    )
    for path in written:
        print(path)
    return 0
