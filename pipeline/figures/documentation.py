"""Documentation gaps: models with no README or a template-only one, and no card metadata;
the most downloaded among them (the paper's SpanBERT example).

Computed by `pipeline.analyze.documentation`; the paper's number is `documentation` in the
reference file.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipeline.analyze.documentation import documentation_tables
from pipeline.analyze.run import Scan
from pipeline.dictionary import column
from pipeline.figures.coverage import card_design, population_cell
from pipeline.figures.spec import Figure, Tables
from pipeline.text import NOT_MEASURED, count, float_or_none, int_or_none, pct, reading, times100


def compute(scan: Scan) -> dict[str, pd.DataFrame]:
    """`documentation` (the measures) and `documentation_top_models`."""
    documentation, top = documentation_tables(
        scan.models,
        scan.cards,
        cards_measured=scan.cards is not None,
        card_data_measured=scan.availability.card_yaml,
        paper=scan.paper,
        design=card_design(scan),
    )
    return {"documentation": documentation, "documentation_top_models": top}


def section(tables: Tables, context: dict, paper: dict) -> list[str]:
    """Each measure beside the paper's share, and the most downloaded undocumented models."""
    summary, top = tables.get("documentation"), tables.get("documentation_top_models")
    lines = ["## Documentation: missing or template-only model cards", ""]
    if summary is None or summary.empty:
        return [*lines, f"Documentation: {NOT_MEASURED}.", ""]
    lines += [
        "*Population* is the share for all models: *census* when every README was read, "
        "else the design-weighted estimate from the stratified sample of READMEs with its "
        "95% CI and n.",
        "",
        "| measure | basis | models | of | share | population [95% CI] | paper | reading |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        share = float_or_none(row.share)
        paper_share = float_or_none(row.paper_percent)
        lines.append(
            f"| {row.measure} | {row.basis} | {count(int_or_none(row.models))} | "
            f"{count(int_or_none(row.denominator))} | {pct(times100(share))} | "
            f"{population_cell(row)} | "
            f"{'-' if paper_share is None else f'{paper_share:g}%'} | "
            f"{_reading(share, paper_share, int_or_none(row.denominator))} |"
        )
    lines += [
        "",
        "The paper's example: SpanBERT/spanbert-large-cased, the 9th most downloaded model "
        "(6.9M downloads a month), had no model card. Most downloaded models without one here:",
        "",
    ]
    if top is None or top.empty:
        lines.append("- none found")
    else:
        for row in top.itertuples():
            lines.append(
                f"- {row.status} ({row.basis}) #{row.rank}: `{row.id}`, "
                f"{int(row.downloads):,} downloads"
            )
    return [*lines, ""]


def _reading(share: float | None, paper: float | None, denominator) -> str:
    if paper is None:
        return "-"
    if denominator is not None and denominator < 100:
        return f"too few models measured (n={denominator:,}) to compare"
    return reading(times100(share), paper)


SCHEMAS = {
    "documentation": pa.schema(
        [
            column(
                "measure",
                pa.string(),
                "no_readme, template_only, missing_or_template, unknown_readme, no_card_metadata",
            ),
            column("basis", pa.string(), "cards (README measurements) or card_metadata"),
            column("models", pa.int64(), "models counted (empty: not measured)"),
            column("denominator", pa.int64(), "models whose state is known"),
            column("share", pa.float64(), "models / denominator"),
            column("paper_percent", pa.float64(), "the paper's 'missing or inadequate' percent"),
            column("definition", pa.string(), "what is counted"),
            column(
                "design",
                pa.string(),
                "`census` (every README read: `estimate` is exact) or `stratified sample`",
            ),
            column(
                "estimate",
                pa.float64(),
                "the share for the population: `share` in a census, design-weighted over the "
                "sampled READMEs otherwise",
            ),
            column("ci_low", pa.float64(), "its 95% CI, low (empty in a census)"),
            column("ci_high", pa.float64(), "its 95% CI, high (empty in a census)"),
            column("n", pa.int64(), "models the estimate rests on (state known)"),
        ]
    ),
    "documentation_top_models": pa.schema(
        [
            column("basis", pa.string(), "cards or card_metadata"),
            column("status", pa.string(), "no_readme, template_only or no_card_metadata"),
            column("rank", pa.int64(), "1 = most downloaded of the group"),
            column("id", pa.string(), "the model"),
            column("downloads", pa.int64(), "downloads in the last 30 days"),
        ]
    ),
}


FIGURE = Figure(
    schemas=SCHEMAS,
    name="documentation",
    tables=("documentation", "documentation_top_models"),
    compute=compute,
    section=section,
    definitions=(
        (
            "documentation.csv / documentation_top_models.csv",
            "no README, template-only README "
            "(cards table), and no card metadata (models table proxy); the ten most downloaded "
            "models of each.",
        ),
    ),
    paper_key="documentation",
)
