"""Attribute coverage (the paper's Table I factors): per factor, how many models show it,
overall and by task, popularity decile and creation year; per model in Parquet.

Assessed by `pipeline.analyze.coverage` (what counts as evidence is listed there). The paper
lists the factors without measuring them, so there are no paper numbers.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipeline.analyze import coverage as cov
from pipeline.analyze.run import Scan
from pipeline.cards.correction import CORRECTION_PART, add_text_correction
from pipeline.dictionary import column
from pipeline.estimate import DESIGN_COLUMNS
from pipeline.figures.spec import Figure, Tables
from pipeline.text import (
    NOT_MEASURED,
    bounds,
    count,
    float_or_none,
    int_or_none,
    pct,
    times100,
)


def compute(scan: Scan) -> dict[str, pd.DataFrame]:
    """The summary and the breakdowns by task, popularity decile and year."""
    per_model = scan.per_model
    design = card_design(scan)
    summary = cov.coverage_estimates(cov.coverage_summary(per_model), per_model, design)
    summary = add_text_correction(summary, scan.cards, scan.models["id"], design=design)
    return {
        "attribute_coverage": summary,
        "attribute_coverage_by_task": cov.coverage_breakdown(per_model, "task"),
        "attribute_coverage_by_popularity": cov.coverage_breakdown(per_model, "popularity_decile"),
        "attribute_coverage_by_year": cov.coverage_breakdown(per_model, "year"),
    }


def card_design(scan: Scan) -> pd.DataFrame | None:
    """The cards rows' sampling design (`model_id` and `DESIGN_COLUMNS`), if crawled."""
    if scan.cards is None or not scan.source.measured("cards"):
        return None
    return scan.source.read("cards", ["model_id", *DESIGN_COLUMNS])


def section(tables: Tables, context: dict, paper: dict) -> list[str]:
    """Per factor: present, absent, unknown; mean scores per task."""
    summary, by_task = tables.get("attribute_coverage"), tables.get("attribute_coverage_by_task")
    lines = ["## Attribute coverage (paper Table I)", ""]
    if summary is None or summary.empty:
        return [*lines, f"Attribute coverage: {NOT_MEASURED}.", ""]
    lines += [
        "The paper's Table I lists the attributes (provenance, reproducibility, portability) "
        "without measuring them; here, per factor, how many models show it. *Unknown* means "
        "an evidence source was not in the snapshot or not available for the model (not "
        "counted as absent): the share present is a lower bound when unknowns exist.",
        "",
        "*Population* is the share for all models: *census* when every model's evidence was "
        "read (the share present is then exact), else the design-weighted estimate from the "
        "stratified sample of READMEs (`crawl.cards_sample`) with its 95% CI and n.",
        "",
        "| group | factor | sources | present | absent | unknown | share present (lower bound) "
        "| of known | population [95% CI] |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        lines.append(
            f"| {row.group} | {row.factor} | {row.sources} | {int(row.present):,} | "
            f"{int(row.absent):,} | {int(row.unknown):,} | {pct(times100(row.share_present))} | "
            f"{_of_known(row)} | {population_cell(row)} |"
        )
    lines += _card_text_lines(summary)
    if by_task is not None and not by_task.empty:
        lines += _task_lines(by_task)
    return [*lines, ""]


def _task_lines(by_task: pd.DataFrame) -> list[str]:
    lines = [
        "",
        "Mean score per task (share of factors present; min = unknown counted absent, "
        "max = unknown counted present):",
        "",
        "| task | models | provenance min-max | reproducibility min-max | portability min-max |",
        "|---|---|---|---|---|",
    ]
    for row in by_task.itertuples():
        cells = [
            bounds(getattr(row, f"{g}_score_min"), getattr(row, f"{g}_score_max"))
            for g in ("provenance", "reproducibility", "portability")
        ]
        lines.append(f"| {row.task} | {int(row.models):,} | " + " | ".join(cells) + " |")
    return [
        *lines,
        "",
        "By popularity decile and creation year: `attribute_coverage_by_popularity.csv`, "
        "`attribute_coverage_by_year.csv`; per model: `attribute_coverage_models.parquet`.",
    ]


def _card_text_lines(summary: pd.DataFrame) -> list[str]:
    """Card-text shares: the detector rate beside the Rogan-Gladen estimate corrected for
    the detectors' measured errors (pipeline/cards/correction.py), with its 95% CI."""
    if "text_rate" not in summary or summary["text_sensitivity"].isna().all():
        return []
    lines = [
        "",
        "Card text: the detectors err, so each card-text share is shown as the detector rate "
        "and as an estimate corrected for the detectors' sensitivity and specificity "
        f"(Rogan-Gladen), measured on the held-out part `{CORRECTION_PART}` of the labelled "
        "set (`data/card-labels/`: random cards never used to tune the detectors); the 95% "
        "CI is a bootstrap over those labelled cards. "
        "Precision, recall and F1 are the detector's on the same cards.",
        "",
        "| factor | cards read | detector rate | corrected [95% CI] | precision | recall | F1 "
        "| labelled positives |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        if (
            float_or_none(row.text_sensitivity) is None
            and float_or_none(row.text_precision) is None
        ):
            continue
        corrected = float_or_none(row.text_corrected)
        ci = (
            "-"
            if corrected is None
            else f"{pct(100 * corrected)} [{pct(times100(row.text_corrected_low))}, "
            f"{pct(times100(row.text_corrected_high))}]"
        )
        lines.append(
            f"| {row.factor} | {count(row.text_cards)} | {pct(times100(row.text_rate))} | "
            f"{ci} | {_ratio(row.text_precision)} | {_ratio(row.text_recall)} | "
            f"{_ratio(row.text_f1)} | {count(row.text_labelled_positives)} |"
        )
    return lines + _validity_lines()


def _validity_lines() -> list[str]:
    """The detectors' validity on the labelled held-out part: every attribute with its CIs,
    and the micro row (as `ptm cards evaluate --part CORRECTION_PART`)."""
    from pipeline.cards.evaluation import evaluate_cards, markdown_table, target_failures
    from pipeline.cards.labels import load_labelled_set, select
    from pipeline.errors import PipelineError

    try:
        cards = select(load_labelled_set(), CORRECTION_PART)
    except (PipelineError, OSError):
        return []
    if not cards:
        return []
    table = evaluate_cards(cards)
    failures = target_failures(table)
    verdict = "met" if not failures else "not met: " + "; ".join(failures)
    return [
        "",
        f"Card-text detector validity on the held-out part `{CORRECTION_PART}` "
        f"({len(cards)} random cards labelled twice and adjudicated before any detector ran "
        "on them, never used for tuning; `data/card-labels/README.md`): precision and "
        "recall with 95% Wilson intervals, F1 and the micro row's intervals by bootstrap "
        "over cards, as `ptm cards evaluate --part " + CORRECTION_PART + "`.",
        "",
        markdown_table(table),
        "",
        "Targets (micro F1 >= 0.9; precision >= 0.8 and recall >= 0.7 for every attribute "
        f"with >= 5 positives): {verdict}.",
    ]


def population_cell(row) -> str:
    """`census`, or the sample estimate with its 95% CI and n."""
    design = getattr(row, "design", None)
    if not isinstance(design, str) or design == "census":
        return "census"
    estimate = float_or_none(row.estimate)
    if estimate is None:
        return "-"
    return (
        f"{pct(100 * estimate)} [{pct(times100(row.ci_low))}, {pct(times100(row.ci_high))}], "
        f"n={count(int_or_none(row.n))}"
    )


def _ratio(value: object) -> str:
    number = float_or_none(value)
    return "-" if number is None else f"{number:.2f}"


def _of_known(row) -> str:
    """Share of known models; "-" when the known ones can only be positives (no absent)."""
    if int(row.absent) == 0 and int(row.unknown) > 0:
        return "-"
    return pct(times100(row.share_present_of_known))


def _breakdown(key: pa.Field) -> pa.Schema:
    """`attribute_coverage_by_*`: per group of models, mean scores and per-factor counts."""
    fields = [key, column("models", pa.int64(), "models in the group")]
    for group in cov.GROUPS:
        fields += [
            column(f"{group}_score", pa.float64(), f"mean {group} score (share of known factors)"),
            column(f"{group}_score_min", pa.float64(), "the same, unknown counted absent"),
            column(f"{group}_score_max", pa.float64(), "the same, unknown counted present"),
        ]
    for factor in cov.ALL_FACTORS:
        fields += [
            column(f"{factor}_present", pa.float64(), f"share of the group showing {factor}"),
            column(f"{factor}_unknown", pa.float64(), f"share for which {factor} is unknown"),
        ]
    return pa.schema(fields)


SCHEMAS = {
    "attribute_coverage": pa.schema(
        [
            column("group", pa.string(), "provenance, reproducibility or portability"),
            column("factor", pa.string(), "a factor of the paper's Table I"),
            column("sources", pa.string(), "evidence sources that can show it (`+`-joined)"),
            column("models", pa.int64(), "models assessed"),
            column("present", pa.int64(), "models showing it"),
            column("absent", pa.int64(), "models where it is known to be absent"),
            column("unknown", pa.int64(), "models where a deciding source could not tell"),
            column("share_present", pa.float64(), "present / models (a lower bound)"),
            column("share_present_of_known", pa.float64(), "present / (present + absent)"),
            *[
                column(
                    f"present_by_{source}", pa.int64(), f"models whose first evidence is {source}"
                )
                for source in cov.EVIDENCE_SOURCES
            ],
            column(
                "design",
                pa.string(),
                "`census` (every model's evidence read: `estimate` is exact) or `stratified "
                "sample` (the factor reads the README and the cards stage was sampled)",
            ),
            column(
                "estimate",
                pa.float64(),
                "share of the population showing the factor: share_present in a census, the "
                "design-weighted share of the sampled models otherwise",
            ),
            column("ci_low", pa.float64(), "its 95% CI, low (empty in a census)"),
            column("ci_high", pa.float64(), "its 95% CI, high (empty in a census)"),
            column("n", pa.int64(), "models the estimate rests on"),
            column("text_cards", pa.float64(), "card bodies read for the card-text share"),
            column("text_detected", pa.float64(), "of them, cards the detector marks"),
            column("text_rate", pa.float64(), "detector rate: detected / cards read"),
            column(
                "text_corrected",
                pa.float64(),
                "Rogan-Gladen share corrected for the detector's sensitivity and specificity",
            ),
            column("text_corrected_low", pa.float64(), "its 95% bootstrap CI, lower bound"),
            column("text_corrected_high", pa.float64(), "its 95% bootstrap CI, upper bound"),
            column(
                "text_sensitivity",
                pa.float64(),
                f"detector recall on the labelled held-out part ({CORRECTION_PART})",
            ),
            column("text_specificity", pa.float64(), f"detector specificity on {CORRECTION_PART}"),
            column("text_precision", pa.float64(), f"detector precision on {CORRECTION_PART}"),
            column("text_recall", pa.float64(), f"detector recall on {CORRECTION_PART}"),
            column("text_f1", pa.float64(), f"detector F1 on {CORRECTION_PART}"),
            column(
                "text_labelled_positives", pa.float64(), f"labelled positives in {CORRECTION_PART}"
            ),
        ]
    ),
    "attribute_coverage_by_task": _breakdown(column("task", pa.string(), "the paper task")),
    "attribute_coverage_by_popularity": _breakdown(
        column("popularity_decile", pa.string(), "download decile, 1 = least downloaded")
    ),
    "attribute_coverage_by_year": _breakdown(
        column("year", pa.string(), "creation year (never before 2022), or unknown")
    ),
}


FIGURE = Figure(
    schemas=SCHEMAS,
    name="attribute_coverage",
    tables=(
        "attribute_coverage",
        "attribute_coverage_by_task",
        "attribute_coverage_by_popularity",
        "attribute_coverage_by_year",
    ),
    compute=compute,
    section=section,
    definitions=(
        (
            "attribute_coverage.csv",
            "per factor of Table I: sources, present / absent / unknown "
            "models, share present (lower bound), share of known, first evidence source "
            "(pipeline/analyze/coverage.py lists what counts); `design`, `estimate`, "
            "`ci_low`, `ci_high`, `n`: the share for the population (exact in a census, "
            "design-based with a 95% CI when the READMEs were sampled); `text_*`: card-text "
            "cards read, detector rate, Rogan-Gladen corrected share with 95% bootstrap CI "
            "(with the sampling error when READMEs were sampled), and the detector's "
            "sensitivity, specificity, precision, recall, F1 on the labelled held-out "
            "part (pipeline/cards/correction.py).",
        ),
        (
            "attribute_coverage_by_{task,popularity,year}.csv",
            "per task, download decile (1 = "
            "least downloaded) or creation year (never before 2022: the Hub's creation dates "
            "start 2022-03-02): mean scores and bounds per group, share present and unknown per "
            "factor.",
        ),
    ),
)
