"""Table IV: adoption of risk mitigations (organization verification, signed commits with a
confidence interval when sampled, machine-parseable claims, largest fan-in, security scans,
pickle-only weights).

Computed by `pipeline.analyze.table4`; the paper's values are `table_iv` in the reference
file.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa

from pipeline.analyze.run import Scan, table4_of
from pipeline.dictionary import column
from pipeline.figures.spec import Figure, Tables
from pipeline.text import NOT_MEASURED, float_or_none, int_or_none, percent_in, reading
from pipeline.text import text_or_empty as text


def compute(scan: Scan) -> dict[str, pd.DataFrame]:
    """`table4`: one row per mitigation."""
    return {"table4": table4_of(scan)}


def section(tables: Tables, context: dict, paper: dict) -> list[str]:
    """Each mitigation's measured value beside the paper's, with a reading."""
    table = tables.get("table4")
    lines = ["## Table IV: adoption of mitigations", ""]
    if table is None or table.empty:
        return [*lines, f"Table IV: {NOT_MEASURED} (table4.csv missing).", ""]
    lines += [
        "Sampled stages (`crawl.<stage>_sample`) are estimated from their stratified sample "
        "with a 95% CI (pipeline/estimate.py); *census* means every unit was measured and the "
        "value is exact.",
        "",
        "| mitigation | paper | measured | 95% CI (n) | reading |",
        "|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        measured = (
            row.measured_value
            if isinstance(row.measured_value, str) and row.measured_value
            else row.status
        )
        lines.append(
            f"| {row.mitigation} | {text(row.paper_value) or '-'} | {measured} | "
            f"{design_cell(row)} | {_reading(row)} |"
        )
    return [*lines, ""]


def design_cell(row) -> str:
    """`census`, or the estimate's 95% CI and n; `-` when not measured."""
    design = text(getattr(row, "design", ""))
    if not design:
        return "-"
    n = int_or_none(getattr(row, "n", None))
    size = "" if n is None else f" (n={n:,})"
    if design == "census":
        return f"census{size}"
    low, high = float_or_none(row.ci_low), float_or_none(row.ci_high)
    if low is None or high is None:
        return f"{design}{size}"
    return f"{100 * low:.2f}-{100 * high:.2f}%{size}"


def _reading(row) -> str:
    if str(row.status).startswith("not measured"):
        return "not measured"
    paper = text(row.paper_value)
    share = float_or_none(getattr(row, "estimate", None))
    share = float_or_none(row.share) if share is None else share
    paper_percent = percent_in(paper)
    if paper_percent is not None and share is not None:
        return reading(100 * share, paper_percent)
    if not paper:
        return "not in the paper"
    bound = re.search(r"less than ([\d.]+)%", paper)
    if bound and share is not None:
        side = "above" if 100 * share >= float(bound.group(1)) else "within"
        return f"{side} the paper's bound of {bound.group(1)}%"
    count = re.search(r"(\d[\d,]*) (downstream|models)", paper)
    numerator = int_or_none(row.numerator)
    if count and numerator is not None:
        return f"{numerator:,} models vs the paper's {count.group(1)}"
    flagged = re.search(r"flagged (\d+)", paper)
    if flagged and numerator is not None:
        return f"{numerator:,} flagged vs the paper's {flagged.group(1)}"
    return "paper gives a qualitative statement; compare by hand"


SCHEMAS = {
    "table4": pa.schema(
        [
            column("mitigation", pa.string(), "the mitigation (one row each)"),
            column("status", pa.string(), "measured, or why not"),
            column("measured_value", pa.string(), "the measured value as text"),
            column("numerator", pa.int64(), "models (or repos, namespaces) with it"),
            column("denominator", pa.int64(), "models (or repos, namespaces) assessed"),
            column("share", pa.float64(), "numerator / denominator"),
            column(
                "ci_low",
                pa.float64(),
                "95% CI of the estimate, low (sampled stages only: design-based, "
                "pipeline/estimate.py; empty for a census)",
            ),
            column("ci_high", pa.float64(), "95% CI of the estimate, high (sampled stages only)"),
            column(
                "estimate",
                pa.float64(),
                "the share for the population: design-weighted when the stage was sampled, "
                "else the share itself",
            ),
            column("n", pa.int64(), "units measured in the denominator's domain"),
            column(
                "design",
                pa.string(),
                "`census` (exact, no CI), `stratified sample` (design-based CI), or "
                "`sample (Wilson)` (a commit sample from before the sampling design)",
            ),
            column("paper_value", pa.string(), "the paper's value as printed"),
            column("definition", pa.string(), "what is counted, from which table"),
        ]
    ),
}


FIGURE = Figure(
    schemas=SCHEMAS,
    name="table4",
    tables=("table4",),
    compute=compute,
    section=section,
    definitions=(
        (
            "table4.csv",
            "per mitigation: measured value, numerator, denominator, share, the "
            "estimate with its 95% CI and n when the stage was sampled (design-based, "
            "pipeline/estimate.py; `census`: exact), paper value, definition "
            "(pipeline/analyze/table4.py).",
        ),
    ),
    paper_key="table_iv",
)
