"""The Markdown report: each measured number beside the paper's, with provenance."""

from __future__ import annotations

import pandas as pd

from pipeline.figures import report_sections
from pipeline.paper import load_paper_numbers
from pipeline.report.sections import definitions_section, population_lines
from pipeline.text import UNKNOWN, count, int_or_none


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
    Missing context values are shown as "unknown"; `paper` defaults to icse23.yaml. The
    figure and table sections come from `pipeline.figures`, in its registry order."""
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
        *report_sections({**tables, "figure7": figure7}, context, paper),
    ]
    for extra in extra_sections or []:
        sections += [extra.rstrip(), ""]
    sections += definitions_section()
    return "\n".join(sections).rstrip() + "\n"


def _provenance(context: dict, paper: dict) -> list[str]:
    population = int_or_none(context.get("population"))
    errors = int_or_none(context.get("errors"))
    paper_population = (paper.get("population") or {}).get("model_repos")
    measured_date = context.get("data_date") or context.get("snapshot_date")
    return [
        "## Provenance",
        "",
        f"- Snapshot: `{context.get('snapshot_id') or UNKNOWN}`",
        f"- Endpoint: {context.get('endpoint') or UNKNOWN}",
        f"- Snapshot date (crawl finished): {context.get('snapshot_date') or UNKNOWN}",
        *([f"- Hub data recorded: {context['data_date']}"] if context.get("data_date") else []),
        f"- Population: {count(population)} models in the snapshot",
        f"- Failed models (errors table): {count(errors)}",
        f"- Coverage: {_coverage(population, errors)}",
        f"- Paper: Hub snapshot of {paper.get('snapshot_date', UNKNOWN)}, "
        f"{count(int_or_none(paper_population))} model repos",
        "",
        f"The paper's Hub snapshot is {paper.get('snapshot_date', UNKNOWN)}; the measured "
        f"data is from {measured_date or 'an unknown date'}. The Hub has "
        "changed in between (more models, new tasks, new card conventions), so differences "
        "from the paper are expected and are not by themselves reproduction errors.",
        "",
    ]


def _coverage(population: int | None, errors: int | None) -> str:
    if population is None or errors is None:
        return f"{UNKNOWN} (needs the models and errors row counts)"
    total = population + errors
    if total == 0:
        return f"{UNKNOWN} (no models and no errors)"
    return f"{100 * population / total:.2f}% ({population:,} of {total:,} models read)"
