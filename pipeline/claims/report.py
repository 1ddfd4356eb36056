"""The "Claimed vs measured performance" section of report.md. Pure: text from tables."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

UNIT_WORDS = {"model": "models", "pair": "pairs"}
CAVEATS = {
    "icwsm": (
        "The ICWSM audit's claims are the macro-F1 each card reports on its own test data; "
        "its measurements re-run the model on three public benchmarks (tweet_eval, "
        "financial_phrasebank, amazon_multi_reviews), and each claim is compared with the "
        "best of them. A gap therefore mixes overstatement with domain shift."
    ),
    "open-llm-leaderboard": (
        "Open LLM Leaderboard values are 2023 snapshots (harness of that time); few-shot "
        "settings of a claim are not compared."
    ),
    "hub-verified": "Hub-verified values are the Hub's own evaluation runs (verifyToken).",
}


def _pct(value: object) -> str:
    return "n/a" if _missing(value) else f"{100 * float(value):.1f}%"


def _pp(value: object) -> str:
    return "n/a" if _missing(value) else f"{float(value):+.1f} pp"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _p_value(row: pd.Series) -> str:
    if _missing(row.get("wilcoxon_p")):
        return str(row.get("wilcoxon_note") or "not computable")
    p = float(row["wilcoxon_p"])
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def render_discrepancy_section(
    summary: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    unmatched: pd.DataFrame | None = None,
    image: str = "discrepancy.png",
    heading_level: int = 2,
) -> str:
    """Markdown: what was compared, the tolerance, the overall numbers with their
    intervals, the breakdown by measurement source and task, the figure, one reading."""
    hashes = "#" * heading_level
    lines = [f"{hashes} Claimed vs measured performance", ""]
    overall = summary[summary["grouping"] == "all"]
    if overall.empty or int(overall.iloc[0]["n_units"]) == 0:
        lines += [
            "No claim could be paired with a measurement of the same model, dataset and "
            "metric, so no discrepancy is reported.",
            *_unmatched_lines(unmatched),
        ]
        return "\n".join(lines).rstrip() + "\n"
    row = overall.iloc[0]
    unit = str(row["unit"])
    units = UNIT_WORDS.get(unit, unit)
    tolerance = float(row["tolerance_pp"])
    sources = sorted(pairs["measurement_source"].dropna().unique()) if len(pairs) else []
    claim_sources = sorted(pairs["claim_source"].dropna().unique()) if len(pairs) else []
    lines += [
        f"Claims ({', '.join(claim_sources)}) were paired with measurements of the same model, "
        f"dataset and metric ({', '.join(sources)}); scales were put in percentage points (pp). "
        "A discrepancy is claimed minus measured, sign-flipped for lower-is-better metrics, so "
        f"that a positive value means the claim is better. A {unit} *overstates* when its "
        f"discrepancy exceeds the tolerance of {tolerance:g} pp"
        + (" (a model's discrepancy is the median over its pairs)." if unit == "model" else "."),
        "",
        f"- Pairs: {int(row['n_pairs']):,} ({int(row['n_models']):,} models)",
        f"- Overstating by more than {tolerance:g} pp: {int(row['n_overstated']):,} of "
        f"{int(row['n_units']):,} {units}, {_pct(row['share_overstated'])} "
        f"(95% CI {_pct(row['share_ci_low'])}–{_pct(row['share_ci_high'])}, Wilson); "
        f"within tolerance {int(row['n_within']):,}, understating {int(row['n_understated']):,}",
        f"- Median discrepancy: {_pp(row['median_pp'])} (95% CI {_pp(row['median_ci_low'])} to "
        f"{_pp(row['median_ci_high'])}, bootstrap, {int(row['n_resamples']):,} resamples, "
        f"seed {int(row['seed'])})",
        f"- Wilcoxon signed-rank test, claimed vs measured: {_p_value(row)}",
        "",
        *_breakdown(summary, tolerance),
        "",
        f"![Claimed minus measured performance]({image})",
        "",
        f"Reading: {_reading(row, units, tolerance)}",
    ]
    caveats = [CAVEATS[s] for s in sources if s in CAVEATS]
    if caveats:
        lines += ["", *[f"- {c}" for c in caveats]]
    lines += _unmatched_lines(unmatched)
    return "\n".join(lines).rstrip() + "\n"


def _breakdown(summary: pd.DataFrame, tolerance: float) -> list[str]:
    lines = [
        f"| by | group | pairs | models | overstating > {tolerance:g} pp (95% CI) | "
        "median pp (95% CI) | Wilcoxon |",
        "|---|---|---|---|---|---|---|",
    ]
    for grouping in ("measurement_source", "task"):
        for _, row in summary[summary["grouping"] == grouping].iterrows():
            lines.append(
                f"| {grouping.replace('_', ' ')} | {row['group']} | {int(row['n_pairs']):,} | "
                f"{int(row['n_models']):,} | {_pct(row['share_overstated'])} "
                f"({_pct(row['share_ci_low'])}–{_pct(row['share_ci_high'])}) | "
                f"{_pp(row['median_pp'])} ({_pp(row['median_ci_low'])} to "
                f"{_pp(row['median_ci_high'])}) | {_p_value(row)} |"
            )
    return lines


def _reading(row: pd.Series, units: str, tolerance: float) -> str:
    share = row["share_overstated"]
    significant = not _missing(row["wilcoxon_p"]) and float(row["wilcoxon_p"]) < 0.05
    direction = "above" if float(row["median_pp"]) > 0 else "below"
    text = (
        f"{_pct(share)} of {units} claim more than was measured (by over {tolerance:g} pp); "
        f"the typical claim is {abs(float(row['median_pp'])):.1f} pp {direction} the measurement"
    )
    if significant:
        return text + ", a difference unlikely to be chance (Wilcoxon " + _p_value(row) + ")."
    return text + "; the paired test does not show a systematic difference (" + _p_value(row) + ")."


def _unmatched_lines(unmatched: pd.DataFrame | None) -> list[str]:
    if unmatched is None or unmatched.empty:
        return []
    counts = unmatched.groupby(["side", "reason"]).size().sort_values(ascending=False)
    lines = ["", "Not paired (`discrepancy_unmatched.csv`):", ""]
    for (side, reason), count in counts.head(8).items():
        lines.append(f"- {count:,} {side}{'' if count == 1 else 's'}: {reason}")
    if len(counts) > 8:
        lines.append(f"- ... {len(counts) - 8} more reasons")
    return lines


def discrepancy_section_from_results(results: Path) -> str | None:
    """The report section from `ptm discrepancy`'s tables in `results`; None if absent."""
    summary_path = Path(results) / "discrepancy_summary.csv"
    pairs_path = Path(results) / "discrepancy_pairs.csv"
    if not summary_path.is_file() or not pairs_path.is_file():
        return None
    unmatched_path = Path(results) / "discrepancy_unmatched.csv"
    unmatched = pd.read_csv(unmatched_path) if unmatched_path.is_file() else None
    return render_discrepancy_section(
        pd.read_csv(summary_path), pd.read_csv(pairs_path), unmatched=unmatched
    )
