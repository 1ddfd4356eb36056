"""The Markdown report: each measured number beside the paper's, with provenance."""

from __future__ import annotations

import math

import pandas as pd

from pipeline.paper import load_paper_numbers, paper_figure7
from pipeline.report.sections import (
    coverage_section,
    data_quality_section,
    definitions_section,
    documentation_section,
    figure1_section,
    figure6_section,
    population_lines,
    table4_section,
)

SAME_WITHIN_PP = 1.0  # |difference| up to this many percentage points reads "about the same"
UNKNOWN = "unknown"


def render_report(
    figure7: pd.DataFrame,
    context: dict,
    paper: dict | None = None,
    tables: dict[str, pd.DataFrame] | None = None,
    extra_sections: list[str] | None = None,
) -> str:
    """Render `report.md` from the measured Figure 7 table and the snapshot `context`
    (`snapshot_id`, `snapshot_date`, `endpoint`, `population`, `errors`, `diagnostics`; an
    optional `data_date` says when the Hub data was recorded, e.g. for a replayed Hub, and
    `analysis` is the content of analysis.json: population analysed, tables measured).

    `tables` holds the other result tables by name (`figure1_summary`, `figure6_datasets`,
    `figure6_architectures`, `table4`, `attribute_coverage`, `attribute_coverage_by_task`,
    `documentation`, `documentation_top_models`, `data_quality`); a missing one gives a
    line saying it was not measured. `extra_sections` (Markdown, each starting with a `##`
    heading) are appended before the definitions, e.g. the claims/discrepancy section.
    Missing context values are shown as "unknown"; `paper` defaults to icse23.yaml."""
    paper = load_paper_numbers() if paper is None else paper
    tables = tables or {}
    analysis = context.get("analysis") or {}
    sections = [
        "# Pre-trained model reuse on the Hugging Face Hub: reproduction report",
        "",
        "Measured values beside those of Jiang et al., *An Empirical Study of Pre-Trained "
        "Model Reuse in the Hugging Face Deep Learning Model Registry* (ICSE 2023).",
        "",
        *_provenance(context, paper),
        *population_lines(analysis),
        "",
        *figure1_section(tables.get("figure1_summary")),
        *figure6_section(
            tables.get("figure6_datasets"), tables.get("figure6_architectures"), analysis
        ),
        *_figure7_section(figure7, paper, context),
        "",
        *table4_section(tables.get("table4")),
        *coverage_section(
            tables.get("attribute_coverage"), tables.get("attribute_coverage_by_task")
        ),
        *documentation_section(tables.get("documentation"), tables.get("documentation_top_models")),
        *data_quality_section(tables.get("data_quality")),
    ]
    for extra in extra_sections or []:
        sections += [extra.rstrip(), ""]
    sections += definitions_section()
    return "\n".join(sections).rstrip() + "\n"


def _provenance(context: dict, paper: dict) -> list[str]:
    population = _int_or_none(context.get("population"))
    errors = _int_or_none(context.get("errors"))
    paper_population = (paper.get("population") or {}).get("model_repos")
    measured_date = context.get("data_date") or context.get("snapshot_date")
    return [
        "## Provenance",
        "",
        f"- Snapshot: `{context.get('snapshot_id') or UNKNOWN}`",
        f"- Endpoint: {context.get('endpoint') or UNKNOWN}",
        f"- Snapshot date (crawl finished): {context.get('snapshot_date') or UNKNOWN}",
        *([f"- Hub data recorded: {context['data_date']}"] if context.get("data_date") else []),
        f"- Population: {_count(population)} models in the snapshot",
        f"- Failed models (errors table): {_count(errors)}",
        f"- Coverage: {_coverage(population, errors)}",
        f"- Paper: Hub snapshot of {paper.get('snapshot_date', UNKNOWN)}, "
        f"{_count(_int_or_none(paper_population))} model repos",
        "",
        f"The paper's Hub snapshot is {paper.get('snapshot_date', UNKNOWN)}; the measured "
        f"data is from {measured_date or 'an unknown date'}. The Hub has "
        "changed in between (more models, new tasks, new card conventions), so differences "
        "from the paper are expected and are not by themselves reproduction errors.",
        "",
    ]


def _figure7_section(figure7: pd.DataFrame, paper: dict, context: dict) -> list[str]:
    reference = paper_figure7(paper).set_index("task")
    measured = figure7.set_index("task")
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
    return lines


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
        f"{difference:+.1f} | {_reading(difference)} |"
    )


def _reading(difference: float) -> str:
    if abs(difference) <= SAME_WITHIN_PP:
        return f"about the same (±{SAME_WITHIN_PP:g} pp)"
    return "higher than the paper" if difference > 0 else "lower than the paper"


def _kn(k: int, n: int, share_percent: float) -> str:
    return f"{k:,}/{n:,} ({_percent(share_percent)})"


def _percent(value: float) -> str:
    if value == 0 or value >= 1:
        return f"{value:.1f}%"
    return f"{value:.2f}%"


def _pair(measured: pd.DataFrame, task: str) -> tuple[int | None, int | None]:
    if task not in measured.index:
        return None, None
    k = _int_or_none(measured.at[task, "models_with_claims"])
    n = _int_or_none(measured.at[task, "models"])
    return k, n


def _total(measured: pd.DataFrame) -> tuple[int, int]:
    return (
        int(pd.to_numeric(measured["models_with_claims"], errors="coerce").fillna(0).sum()),
        int(pd.to_numeric(measured["models"], errors="coerce").fillna(0).sum()),
    )


def _diagnostics(diagnostics: dict) -> list[str]:
    if not diagnostics:
        return ["Diagnostics: none recorded (figure7_diagnostics.csv missing)."]
    by_tag = _count(_int_or_none(diagnostics.get("decided_by_tag")))
    claims_by_tag = _count(_int_or_none(diagnostics.get("claims_by_tag")))
    return [
        "How each model's claim was decided:",
        "",
        f"- from the card's model-index JSON: "
        f"{_count(_int_or_none(diagnostics.get('decided_by_model_index')))} models",
        f"- from the Hub's `model-index` tag (no card metadata stored, or not parseable): "
        f"{by_tag} models, {claims_by_tag} of them with claims",
        f"- card metadata present but not valid JSON: "
        f"{_count(_int_or_none(diagnostics.get('unparseable_json')))} models",
        f"- neither card metadata nor tags (counted as no claim): "
        f"{_count(_int_or_none(diagnostics.get('no_metadata')))} models",
    ]


def _coverage(population: int | None, errors: int | None) -> str:
    if population is None or errors is None:
        return f"{UNKNOWN} (needs the models and errors row counts)"
    total = population + errors
    if total == 0:
        return f"{UNKNOWN} (no models and no errors)"
    return f"{100 * population / total:.2f}% ({population:,} of {total:,} models read)"


def _count(value: int | None) -> str:
    return UNKNOWN if value is None else f"{value:,}"


def _int_or_none(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else int(number)
