"""Figure 7: per task, models with machine-parseable performance claims over models.

Computed by `pipeline.analyze.figure7` (one counter over the `models` batches), drawn by
`pipeline.plot.figure7`; the paper's numbers are `figure_7` in the reference file.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipeline.analyze.run import Scan, figure7_diagnostics_table
from pipeline.dictionary import column
from pipeline.figures.spec import Figure, Tables
from pipeline.paper import paper_figure7
from pipeline.text import count, int_or_none, pct, reading


def compute(scan: Scan) -> dict[str, pd.DataFrame]:
    """`figure7` and `figure7_diagnostics` (how each model's claim was decided)."""
    return {
        "figure7": scan.figure7.table(),
        "figure7_diagnostics": figure7_diagnostics_table(scan.diagnostics()),
    }


def draw(tables: Tables, suffix: str):
    """Paired bars per task, measured beside the paper."""
    from pipeline.plot.figure7 import plot_figure7  # matplotlib only when drawing

    return plot_figure7(tables["figure7"], suffix)


def section(tables: Tables, context: dict, paper: dict) -> list[str]:
    """The task table, measured k/n beside the paper's, and the diagnostics."""
    reference = paper_figure7(paper).set_index("task")
    measured = tables["figure7"].set_index("task")
    lines = [
        "## Figure 7: machine-parseable performance claims per task",
        "",
        "A model makes a machine-parseable claim when its card's `model-index` holds at "
        "least one metric value (k = such models, n = models in the task).",
        "",
        "| task | paper k/n (share) | measured k/n (share) | difference (pp) | reading |",
        "|---|---|---|---|---|",
    ]
    for task in reference.index:
        k, n = _pair(measured, task)
        pk, pn = int(reference.at[task, "models_with_claims"]), int(reference.at[task, "models"])
        lines.append(_row(task, pk, pn, k, n))
    total_k, total_n = _total(measured)
    lines.append(
        _row(
            "**total**",
            int(reference["models_with_claims"].sum()),
            int(reference["models"].sum()),
            total_k,
            total_n,
        )
    )
    lines += ["", "![Figure 7](figure7.png)", ""]
    lines += _diagnostics(context.get("diagnostics") or {})
    return [*lines, ""]


def _row(task: str, pk: int, pn: int, k: int | None, n: int | None) -> str:
    paper_share = 100 * pk / pn if pn else 0.0
    if k is None or n is None:
        return f"| {task} | {_kn(pk, pn, paper_share)} | not measured | - | no measured row |"
    share = 100 * k / n if n else 0.0
    if n == 0:
        return f"| {task} | {_kn(pk, pn, paper_share)} | 0/0 | - | no models in this snapshot |"
    difference = share - paper_share
    return (
        f"| {task} | {_kn(pk, pn, paper_share)} | {_kn(k, n, share)} | "
        f"{difference:+.1f} | {reading(share, paper_share)} |"
    )


def _kn(k: int, n: int, share_percent: float) -> str:
    return f"{k:,}/{n:,} ({pct(share_percent)})"


def _pair(measured: pd.DataFrame, task: str) -> tuple[int | None, int | None]:
    if task not in measured.index:
        return None, None
    k = int_or_none(measured.at[task, "models_with_claims"])
    n = int_or_none(measured.at[task, "models"])
    return k, n


def _total(measured: pd.DataFrame) -> tuple[int, int]:
    return (
        int(pd.to_numeric(measured["models_with_claims"], errors="coerce").fillna(0).sum()),
        int(pd.to_numeric(measured["models"], errors="coerce").fillna(0).sum()),
    )


def _diagnostics(diagnostics: dict) -> list[str]:
    if not diagnostics:
        return ["Diagnostics: none recorded (figure7_diagnostics.csv missing)."]
    by_tag = count(int_or_none(diagnostics.get("decided_by_tag")))
    claims_by_tag = count(int_or_none(diagnostics.get("claims_by_tag")))
    return [
        "How each model's claim was decided:",
        "",
        f"- from the card's model-index JSON: "
        f"{count(int_or_none(diagnostics.get('decided_by_model_index')))} models",
        f"- from the Hub's `model-index` tag (no card metadata stored, or not parseable): "
        f"{by_tag} models, {claims_by_tag} of them with claims",
        f"- card metadata present but not valid JSON: "
        f"{count(int_or_none(diagnostics.get('unparseable_json')))} models",
        f"- neither card metadata nor tags (counted as no claim): "
        f"{count(int_or_none(diagnostics.get('no_metadata')))} models",
    ]


SCHEMAS = {
    "figure7": pa.schema(
        [
            column("task", pa.string(), "one of the paper's 14 tasks (`pipeline_tag`), or other"),
            column(
                "models_with_claims",
                pa.int64(),
                "models whose model-index holds a metric value (k)",
            ),
            column("models", pa.int64(), "models in the task (n)"),
            column("share", pa.float64(), "k / n (0 when n is 0)"),
        ]
    ),
    "figure7_diagnostics": pa.schema(
        [
            column(
                "measure",
                pa.string(),
                "models, models_with_claims, decided_by_model_index, decided_by_tag, "
                "claims_by_tag, no_metadata, unparseable_json",
            ),
            column("count", pa.int64(), "models"),
        ]
    ),
}


FIGURE = Figure(
    schemas=SCHEMAS,
    name="figure7",
    tables=("figure7", "figure7_diagnostics"),
    compute=compute,
    section=section,
    definitions=(
        (
            "figure7.csv",
            "per task (the paper's 14 plus other): models whose model-index holds a "
            "metric value (k) over models (n); the Hub's `model-index` tag when no card JSON is "
            "stored.",
        ),
    ),
    paper_key="figure_7",
    draw=draw,
    draw_inputs=("figure7",),
    required=True,
)
