"""The report section "Reuse and lineage", as Markdown lines, from the result tables
(as computed, or as read back from the CSVs: values may be text). A missing table gives a
line saying so, never an error."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from pipeline.lineage.analyses import DOCUMENTATION_PROXIES, METRICS
from pipeline.lineage.plot import FIGURE

TITLE = "## Reuse and lineage"
SHOWN = 10


def _metrics(table: pd.DataFrame) -> dict[str, object]:
    values: dict[str, object] = {}
    for metric, value in zip(table["metric"], table["value"], strict=True):
        number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        values[str(metric)] = value if pd.isna(number) else number
    return values


def _n(value: object) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.3f}"


def _pct(value: object) -> str:
    try:
        return f"{100 * float(value):.1f}%"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "n/a"


def _headline(m: Mapping[str, object]) -> list[str]:
    return [
        f"- Models declaring at least one base: **{_n(m.get('models_with_declared_base'))}** "
        f"of {_n(m.get('models'))} ({_pct(m.get('share_with_declared_base'))}); "
        f"**{_n(m.get('edges'))}** model -> base edges ({_n(m.get('edges_from_tags'))} from "
        f"`base_model:` tags, {_n(m.get('edges_from_card'))} from cards; "
        f"{_n(m.get('edges_with_known_relation'))} with a known relation).",
        f"- {_n(m.get('bases'))} distinct bases; **{_n(m.get('dangling_references'))}** "
        f"edges ({_n(m.get('dangling_bases'))} bases) point outside the snapshot "
        "(*dangling*: deleted, renamed, private, or not crawled).",
        f"- Longest chain of declared bases (`max_depth`): **{_n(m.get('max_depth'))}**; "
        f"{_n(m.get('models_at_depth_2_plus'))} models build on a model that itself declares "
        f"a base. Most-named base: `{m.get('top_base')}` ({_n(m.get('max_fan_in'))} models).",
        f"- Cycles: {_n(m.get('cycles'))} ({_n(m.get('models_in_cycles'))} models), plus "
        f"{_n(m.get('self_references'))} models naming themselves.",
        f"- Dataset -> model edges: {_n(m.get('dataset_edges'))} ({_n(m.get('datasets'))} "
        f"datasets, {_n(m.get('models_with_datasets'))} models).",
        f"- Names: {_n(m.get('names_resolved'))} edges name their base under its current id "
        "through the crawl's name resolution (`names` table); every other name is taken as "
        "written.",
    ]


def _table(frame: pd.DataFrame, columns: list[str], header: list[str]) -> list[str]:
    """A Markdown table; columns named `share*` as percentages, booleans as yes/no, years
    (read back from a CSV as numbers) as written."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in frame[columns].itertuples(index=False):
        cells = []
        for column, value in zip(columns, row, strict=True):
            if column.startswith("share"):
                cells.append(_pct(value))
            elif column == "year" and isinstance(value, int | float) and not pd.isna(value):
                cells.append(str(int(value)))
            elif isinstance(value, bool) or str(value) in ("True", "False"):
                cells.append("yes" if str(value) == "True" else "no")
            elif pd.isna(value):
                cells.append("")
            elif isinstance(value, int | float):
                cells.append(_n(value))
            else:
                cells.append(str(value).replace("|", "\\|"))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def section(tables: Mapping[str, pd.DataFrame | None]) -> list[str]:
    """Markdown lines of the "Reuse and lineage" section."""
    lines = [TITLE, ""]
    summary = tables.get("lineage")
    if summary is None or summary.empty:
        return [*lines, "Reuse graph: not computed (lineage.csv missing).", ""]
    m = _metrics(summary)
    lines += [
        "Lineage as the Hub records it: a model's `base_model:` tags (with the relation when "
        "the tag has one: `base_model:finetune:X`, `:adapter:`, `:quantized:`, `:merge:`), "
        "else its card's `base_model`; the relation else from the card's "
        "`base_model_relation`, else `unknown`. One edge per (model, base).",
        "",
        *_headline(m),
        "",
        f"![Reuse graph]({FIGURE}.png)",
        "",
    ]
    by_year = tables.get("lineage_share_by_year")
    if by_year is not None and len(by_year):
        lines += ["### Models declaring a base, by creation year", ""]
        lines += _table(
            by_year,
            ["year", "models", "models_with_declared_base", "share"],
            ["year", "models", "declaring a base", "share"],
        )
        lines += [
            "",
            "2022 includes every model created before 2022-03-02 (the Hub's "
            "first recorded creation date).",
            "",
        ]
    by_task = tables.get("lineage_share_by_task")
    if by_task is not None and len(by_task):
        lines += [f"### By task (the {SHOWN} largest; all in lineage_share_by_task.csv)", ""]
        lines += _table(
            by_task.head(SHOWN),
            ["task", "models", "models_with_declared_base", "share"],
            ["task", "models", "declaring a base", "share"],
        )
        lines.append("")
    top = tables.get("lineage_top_bases")
    if top is not None and len(top):
        lines += [f"### The {SHOWN} most-named bases (per year: lineage_top_bases_by_year.csv)", ""]
        lines += _table(
            top.head(SHOWN),
            ["base", "derived_models", "in_snapshot"],
            ["base", "models naming it", "in the snapshot"],
        )
        lines.append("")
    relations = tables.get("lineage_relations_by_year")
    if relations is not None and len(relations):
        lines += ["### Relation mix by year", ""]
        lines += _table(
            relations,
            ["year", "relation", "edges", "share"],
            ["year", "relation", "edges", "share"],
        )
        lines.append("")
    cycles = tables.get("lineage_cycles")
    if cycles is not None and len(cycles):
        lines += ["### Cycles of declared bases", ""]
        lines += _table(
            cycles.head(2 * SHOWN),
            ["cycle", "size", "self_reference", "members"],
            ["cycle", "models", "self-reference", "members"],
        )
        lines.append("")
    lines += _license_lines(tables)
    lines += _documentation_lines(tables.get("lineage_documentation"))
    lines += _coverage_lines(tables.get("lineage_coverage"))
    lines += [
        "Definitions (lineage.csv):",
        "",
        *[f"- `{metric}`: {meaning}" for metric, meaning in METRICS.items()],
        "",
    ]
    return lines


def _license_lines(tables: Mapping[str, pd.DataFrame | None]) -> list[str]:
    lines = ["### Licences along edges", ""]
    edges = tables.get("lineage_license_edges")
    if edges is None:
        return [*lines, "Not computed (lineage_license_edges.csv missing).", ""]
    lines += _table(edges, ["comparison", "edges"], ["edge", "edges"])
    upgrades = tables.get("lineage_license_upgrades")
    if upgrades is not None and len(upgrades):
        lines += [
            "",
            f"Derived models more permissive than their base, the {SHOWN} most downloaded "
            "(all in lineage_license_upgrades.csv):",
            "",
            *_table(
                upgrades.head(SHOWN),
                ["model", "license", "base", "base_license", "downloads"],
                ["model", "licence", "base", "base licence", "downloads (30 days)"],
            ),
        ]
    licences = tables.get("lineage_licenses")
    if licences is not None and len(licences):
        lines += [
            "",
            "The permissiveness table used (`pipeline/lineage/licenses.py`; 5 = most "
            "permissive; a derived model in a higher tier than its base claims rights the "
            "base did not grant; within a tier no order is claimed; not legal advice). "
            "Tiers: 5 no conditions; 4 attribution or notice only; 3 derivatives under the "
            "same licence; 2 use restrictions passed on to derivatives; 1 no commercial use "
            "or no derivatives. Unranked licences are never compared.",
            "",
            *_table(licences, ["tier", "tier_name", "licenses"], ["tier", "name", "licences"]),
        ]
    return [*lines, ""]


def _coverage_lines(table: pd.DataFrame | None) -> list[str]:
    """Table I coverage of derived models beside their bases (when the pipeline computed it)."""
    if table is None or table.empty:
        return []
    scores = table[table["kind"] == "score"]
    factors = table[(table["kind"] == "factor") & (table["edges_compared"] > 0)]
    lines = [
        "Table I coverage along the same edges (attribute_coverage.csv's definitions; a "
        "score is the share of a model's known factors present; each side averaged over the "
        "edges where both are known; all rows in lineage_coverage.csv):",
        "",
        *_table(
            pd.concat(
                [
                    scores,
                    factors.reindex(
                        factors["difference"].abs().sort_values(ascending=False).index
                    ).head(SHOWN),
                ]
            ),
            ["measure", "edges_compared", "derived_mean", "base_mean", "difference"],
            ["measure", "edges", "derived", "base", "derived - base"],
        ),
        "",
    ]
    return lines


def _documentation_lines(table: pd.DataFrame | None) -> list[str]:
    lines = ["### Documentation along edges", ""]
    if table is None or table.empty:
        return [*lines, "Not computed (lineage_documentation.csv missing).", ""]
    lines += [
        "Edges whose base is a model of the snapshot: does the derived model have what its "
        "base has? Proxies (the full Table I coverage can be joined from "
        "attribute_coverage_models.parquet):",
        "",
        *[f"- `{proxy}`: {definition}" for proxy, definition in DOCUMENTATION_PROXIES.items()],
        "",
        "| proxy | edges | derived share | base share | only derived | only base | measured |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples(index=False):
        measured = str(row.measured).lower() == "true"
        lines.append(
            f"| {row.proxy} | {_n(row.edges_compared)} | {_pct(row.derived_share)} | "
            f"{_pct(row.base_share)} | {_n(row.derived_only)} | {_n(row.base_only)} | "
            f"{'yes' if measured else 'no (card data not crawled)'} |"
        )
    return [*lines, ""]
