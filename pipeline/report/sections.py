"""Report sections beyond Figure 7: Figures 1 and 6, Table IV, attribute coverage,
documentation, data quality and the definitions of every table. Each function takes the
result table(s) as written by `ptm analyze` (None when absent) and returns Markdown lines;
a missing table gives a line saying so, never an error."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

SAME_WITHIN_PP = 1.0
NOT_MEASURED = "not measured in this snapshot"


def reading(measured: float | None, paper: float | None, unit: str = "pp") -> str:
    """A one-line reading of a measured percentage beside the paper's."""
    if measured is None or _nan(measured):
        return "not measured"
    if paper is None or _nan(paper):
        return "no paper value"
    difference = measured - paper
    small = max(measured, paper) < 0.1 or (0.5 <= (measured / paper if paper else 0) <= 2)
    if abs(difference) <= SAME_WITHIN_PP and small:
        return f"about the same (±{SAME_WITHIN_PP:g} {unit})"
    ratio = f", {measured / paper:.2g}x the paper's" if paper > 0 and measured > 0 else ""
    return (
        "higher" if difference > 0 else "lower"
    ) + f" than the paper ({difference:+.1f} {unit}{ratio})"


def population_lines(analysis: dict) -> list[str]:
    """Which population was analysed, and how much of the paper's list the snapshot holds."""
    if not analysis:
        return ["- Population analysed: all models of the snapshot (analysis.json missing)"]
    population = analysis.get("population", "all")
    models = analysis.get("models")
    lines = []
    if population == "paper":
        ids, found = analysis.get("paper_ids"), analysis.get("paper_ids_found")
        share = f" ({100 * found / ids:.1f}%)" if isinstance(ids, int) and ids and found else ""
        lines.append(
            f"- Population analysed: **the paper's population**, the models of its "
            f"2022-08-15 list found in this snapshot: {_n(found)} of the paper's {_n(ids)} "
            f"ids{share} (of {_n(analysis.get('snapshot_models'))} models in the snapshot). "
            "Models renamed or deleted since 2022 are not matched."
        )
    else:
        lines.append(f"- Population analysed: all {_n(models)} models of the snapshot")
    measured = analysis.get("measured_tables") or []
    missing = [t for t in ("files", "cards", "orgs", "commits", "security") if t not in measured]
    lines.append(f"- Tables in the snapshot: {', '.join(measured) or 'unknown'}")
    if missing:
        lines.append(f"- Not crawled ({NOT_MEASURED}): {', '.join(missing)}")
    cards, bodies = analysis.get("cards_models"), analysis.get("cards_with_body")
    if cards is not None:
        lines.append(
            f"- README bodies stored for {_n(bodies)} of {_n(cards)} cards (card-text "
            "attributes are unknown for the others)"
        )
    return lines


def figure1_section(summary: pd.DataFrame | None) -> list[str]:
    lines = ["## Figure 1: monthly downloads of the 100 most-downloaded packages", ""]
    if summary is None or summary.empty:
        return [*lines, f"Figure 1: {NOT_MEASURED} (figure1_summary.csv missing).", ""]
    lines += [
        "The paper's data (its artifact, 2022) for NPM, PyPI and the Hub, with this "
        "snapshot's 100 most-downloaded models (`downloads` = last 30 days).",
        "",
        "| series | source | packages | total per month | median | max |",
        "|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        lines.append(
            f"| {row.series} | {row.source} | {int(row.packages):,} | {int(row.total):,} | "
            f"{int(row.median):,} | {int(row.max):,} |"
        )
    paper_hub = summary[
        summary["source"].str.startswith("paper") & summary["series"].str.contains("Hub")
    ]
    snapshot = summary[summary["source"] == "this snapshot"]
    fetched = summary["source"].str.startswith("fetched from").any()
    registries = (
        "NPM and PyPI: the paper's 2022 counts beside today's counts of the same packages "
        "(`ptm fetch-downloads`)."
        if fetched
        else "NPM and PyPI are the paper's 2022 counts; fresh counts were not fetched "
        "(`ptm fetch-downloads` adds them when online)."
    )
    if len(paper_hub) and len(snapshot):
        ratio = float(snapshot["total"].iloc[0]) / float(paper_hub["total"].iloc[0])
        lines += [
            "",
            f"Reading: the snapshot's top 100 models total {int(snapshot['total'].iloc[0]):,} "
            f"downloads a month, {ratio:.2g}x the paper's Hub top 100 "
            f"({int(paper_hub['total'].iloc[0]):,}). {registries} A sample snapshot's top 100 "
            "is not the Hub's top 100.",
        ]
    return [*lines, "", "![Figure 1](figure1.png)", ""]


def figure6_section(
    datasets: pd.DataFrame | None, architectures: pd.DataFrame | None, analysis: dict
) -> list[str]:
    lines = ["## Figure 6: training datasets and architectures", ""]
    if datasets is None or architectures is None:
        return [*lines, f"Figure 6: {NOT_MEASURED} (figure6 tables missing).", ""]
    lines += [
        "Share of models per training dataset (card `datasets` and `dataset:` tags; a model "
        "naming several datasets counts for each) and per architecture (config `model_type`, "
        "else the model-type tag). Rows marked *paper's* are the paper's names outside this "
        "snapshot's top ten.",
        "",
        *_share_rows(datasets, "dataset"),
        "",
        *_share_rows(architectures, "architecture"),
    ]
    if "architecture_source" in architectures.columns:
        tagged = int(
            pd.to_numeric(architectures["models_from_tag"], errors="coerce")
            .fillna(0)[architectures["kind"].isin(["top", "other"])]
            .sum()
        )
        none_config = analysis.get("architecture_config_only_none_share")
        lines += [
            "",
            f"Architecture source: {tagged:,} models have no config and are counted by their "
            "model-type tag (`architecture_source` = tag or config+tag in "
            "figure6_architectures.csv)."
            + (
                f" Read from the config only, as in the paper, `None` would be "
                f"{100 * none_config:.1f}% (paper: 34.4%)."
                if isinstance(none_config, float)
                else ""
            ),
        ]
    return [*lines, "", "![Figure 6](figure6.png)", ""]


def _share_rows(table: pd.DataFrame, key: str) -> list[str]:
    lines = [
        f"| {key} | paper % | measured models | measured % | reading |",
        "|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        name = str(getattr(row, key))
        kind = getattr(row, "kind", "top")
        label = f"{name} *(paper's)*" if kind == "paper" else name
        paper = _float(row.paper_percent)
        measured = _float(row.percent)
        paper_text = "-" if paper is None else f"{paper:g}%"
        lines.append(
            f"| {label} | {paper_text} | {int(row.models):,} | {_pct(measured)} | "
            f"{reading(measured, paper) if paper is not None else 'not among the paper bars'} |"
        )
    return lines


def table4_section(table: pd.DataFrame | None) -> list[str]:
    lines = ["## Table IV: adoption of mitigations", ""]
    if table is None or table.empty:
        return [*lines, f"Table IV: {NOT_MEASURED} (table4.csv missing).", ""]
    lines += ["| mitigation | paper | measured | reading |", "|---|---|---|---|"]
    for row in table.itertuples():
        measured = (
            row.measured_value
            if isinstance(row.measured_value, str) and row.measured_value
            else row.status
        )
        lines.append(
            f"| {row.mitigation} | {_text(row.paper_value) or '-'} | {measured} | "
            f"{_table4_reading(row)} |"
        )
    return [*lines, ""]


def _table4_reading(row) -> str:
    import re

    if str(row.status).startswith("not measured"):
        return "not measured"
    paper = _text(row.paper_value)
    share = _float(row.share)
    paper_percent = _percent_in(paper)
    if paper_percent is not None and share is not None:
        return reading(100 * share, paper_percent)
    if not paper:
        return "not in the paper"
    bound = re.search(r"less than ([\d.]+)%", paper)
    if bound and share is not None:
        side = "above" if 100 * share >= float(bound.group(1)) else "within"
        return f"{side} the paper's bound of {bound.group(1)}%"
    count = re.search(r"(\d[\d,]*) (downstream|models)", paper)
    numerator = _int(row.numerator)
    if count and numerator is not None:
        return f"{numerator:,} models vs the paper's {count.group(1)}"
    flagged = re.search(r"flagged (\d+)", paper)
    if flagged and numerator is not None:
        return f"{numerator:,} flagged vs the paper's {flagged.group(1)}"
    return "paper gives a qualitative statement; compare by hand"


def coverage_section(summary: pd.DataFrame | None, by_task: pd.DataFrame | None) -> list[str]:
    lines = ["## Attribute coverage (paper Table I)", ""]
    if summary is None or summary.empty:
        return [*lines, f"Attribute coverage: {NOT_MEASURED}.", ""]
    lines += [
        "The paper's Table I lists the attributes (provenance, reproducibility, portability) "
        "without measuring them; here, per factor, how many models show it. *Unknown* means "
        "an evidence source was not in the snapshot or not available for the model (not "
        "counted as absent): the share present is a lower bound when unknowns exist.",
        "",
        "| group | factor | sources | present | absent | unknown | share present (lower bound) "
        "| of known |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        lines.append(
            f"| {row.group} | {row.factor} | {row.sources} | {int(row.present):,} | "
            f"{int(row.absent):,} | {int(row.unknown):,} | {_pct(_times100(row.share_present))} | "
            f"{_of_known(row)} |"
        )
    lines += _card_text_lines(summary)
    if by_task is not None and not by_task.empty:
        lines += [
            "",
            "Mean score per task (share of factors present; min = unknown counted absent, "
            "max = unknown counted present):",
            "",
            "| task | models | provenance min-max | reproducibility min-max "
            "| portability min-max |",
            "|---|---|---|---|---|",
        ]
        for row in by_task.itertuples():
            cells = [
                _bounds(getattr(row, f"{g}_score_min"), getattr(row, f"{g}_score_max"))
                for g in ("provenance", "reproducibility", "portability")
            ]
            lines.append(f"| {row.task} | {int(row.models):,} | " + " | ".join(cells) + " |")
        lines += [
            "",
            "By popularity decile and creation year: `attribute_coverage_by_popularity.csv`, "
            "`attribute_coverage_by_year.csv`; per model: `attribute_coverage_models.parquet`.",
        ]
    return [*lines, ""]


def _card_text_lines(summary: pd.DataFrame) -> list[str]:
    """Card-text shares: the detector rate beside the Rogan-Gladen estimate corrected for
    the detectors' measured errors (pipeline/cards/correction.py), with its 95% CI."""
    if "text_rate" not in summary or summary["text_sensitivity"].isna().all():
        return []
    lines = [
        "",
        "Card text: the detectors err, so each card-text share is shown as the detector rate "
        "and as an estimate corrected for the detectors' sensitivity and specificity "
        "(Rogan-Gladen), measured on the test2 part of the labelled set "
        "(`data/card-labels/`, 100 cards never used for tuning); the 95% CI is a bootstrap "
        "over those labelled cards. "
        "Precision, recall and F1 are the detector's on the same cards.",
        "",
        "| factor | cards read | detector rate | corrected [95% CI] | precision | recall | F1 "
        "| labelled positives |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        if _float(row.text_sensitivity) is None and _float(row.text_precision) is None:
            continue
        corrected = _float(row.text_corrected)
        ci = (
            "-"
            if corrected is None
            else f"{_pct(100 * corrected)} [{_pct(_times100(row.text_corrected_low))}, "
            f"{_pct(_times100(row.text_corrected_high))}]"
        )
        lines.append(
            f"| {row.factor} | {_n(_int(row.text_cards))} | {_pct(_times100(row.text_rate))} | "
            f"{ci} | {_ratio_cell(row.text_precision)} | {_ratio_cell(row.text_recall)} | "
            f"{_ratio_cell(row.text_f1)} | {_n(_int(row.text_labelled_positives))} |"
        )
    return lines


def _ratio_cell(value: object) -> str:
    number = _float(value)
    return "-" if number is None else f"{number:.2f}"


def documentation_section(summary: pd.DataFrame | None, top: pd.DataFrame | None) -> list[str]:
    lines = ["## Documentation: missing or template-only model cards", ""]
    if summary is None or summary.empty:
        return [*lines, f"Documentation: {NOT_MEASURED}.", ""]
    lines += [
        "| measure | basis | models | of | share | paper | reading |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        share = _float(row.share)
        paper = _float(row.paper_percent)
        lines.append(
            f"| {row.measure} | {row.basis} | {_n(_int(row.models))} | "
            f"{_n(_int(row.denominator))} | {_pct(_times100(share))} | "
            f"{'-' if paper is None else f'{paper:g}%'} | "
            f"{_documentation_reading(share, paper, _int(row.denominator))} |"
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


def _documentation_reading(share: float | None, paper: float | None, denominator) -> str:
    if paper is None:
        return "-"
    if denominator is not None and denominator < 100:
        return f"too few models measured (n={denominator:,}) to compare"
    return reading(_times100(share), paper)


def data_quality_section(quality: pd.DataFrame | None) -> list[str]:
    lines = ["## Missing or unusable fields", ""]
    if quality is None or quality.empty:
        return [*lines, "No data-quality table (data_quality.csv missing).", ""]
    lines += [
        "Bad or missing values never stop an analysis: they count as unknown as follows.",
        "",
        "| field | models | treated as |",
        "|---|---|---|",
    ]
    for row in quality.itertuples():
        lines.append(f"| {row.field} | {int(row.models_missing):,} | {row.treated_as} |")
    return [*lines, ""]


DEFINITIONS = [
    (
        "figure1.csv / figure1_summary.csv",
        "per series and rank: monthly downloads of the 100 "
        "most-downloaded packages (paper data: NPM, PyPI, Hub 2022; snapshot: `downloads`, last 30 "
        "days); summary per series: packages, total, median, max, min.",
    ),
    (
        "figure6_datasets.csv",
        "per dataset: models naming it (card `datasets` ∪ `dataset:` tags), "
        "share of all models; `None` = no dataset, `other` = datasets outside the top ten; a model "
        "with several datasets counts for each; `kind` = top/none/other/paper.",
    ),
    (
        "figure6_architectures.csv",
        "per architecture: models (config `model_type`, else the "
        "first model-type tag), `models_from_config`, `models_from_tag`, `architecture_source`; "
        "`None` = neither.",
    ),
    (
        "figure7.csv",
        "per task (the paper's 14 plus other): models whose model-index holds a "
        "metric value (k) over models (n); the Hub's `model-index` tag when no card JSON is "
        "stored.",
    ),
    (
        "table4.csv",
        "per mitigation: measured value, numerator, denominator, share, 95% Wilson "
        "CI (sampled commit histories), paper value, definition (pipeline/analyze/table4.py).",
    ),
    (
        "attribute_coverage.csv",
        "per factor of Table I: sources, present / absent / unknown "
        "models, share present (lower bound), share of known, first evidence source "
        "(pipeline/analyze/coverage.py lists what counts); `text_*`: card-text cards read, "
        "detector rate, Rogan-Gladen corrected share with 95% bootstrap CI, and the "
        "detector's sensitivity, specificity, precision, recall, F1 on the labelled test2 part "
        "(pipeline/cards/correction.py).",
    ),
    (
        "attribute_coverage_by_{task,popularity,year}.csv",
        "per task, download decile (1 = "
        "least downloaded) or creation year (never before 2022: the Hub's creation dates start "
        "2022-03-02): mean scores and bounds per group, share present and unknown per factor.",
    ),
    (
        "documentation.csv / documentation_top_models.csv",
        "no README, template-only README "
        "(cards table), and no card metadata (models table proxy); the ten most downloaded "
        "models of each.",
    ),
    (
        "data_quality.csv",
        "per field: models whose value is missing or unusable, and how it is counted.",
    ),
]


def definitions_section() -> list[str]:
    lines = ["## Definitions", ""]
    for name, text in DEFINITIONS:
        lines.append(f"- `{name}`: {text}")
    return [*lines, ""]


def _of_known(row) -> str:
    """Share of known models; "-" when the known ones can only be positives (no absent)."""
    if int(row.absent) == 0 and int(row.unknown) > 0:
        return "-"
    return _pct(_times100(row.share_present_of_known))


def _times100(value: object) -> float | None:
    number = _float(value)
    return None if number is None else 100 * number


def _bounds(low: object, high: object) -> str:
    low, high = _float(low), _float(high)
    return "-" if low is None or high is None else f"{low:.2f}-{high:.2f}"


def _percent_in(text: str) -> float | None:
    import re

    match = re.search(r"\(([\d.]+)%\)", text or "")
    return float(match.group(1)) if match else None


def _float(value: object) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _int(value: object) -> int | None:
    number = _float(value)
    return None if number is None else int(number)


def _nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _pct(value: float | None) -> str:
    if value is None or _nan(value):
        return "-"
    if value == 0 or value >= 1:
        return f"{value:.1f}%"
    return f"{value:.2f}%"


def _n(value: object) -> str:
    return (
        "unknown"
        if value is None or (isinstance(value, float) and np.isnan(value))
        else f"{int(value):,}"
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
