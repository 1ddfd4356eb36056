"""Reuse and lineage: the graph of models declaring the models they derive from (issue 12).

Built by `pipeline.lineage` from the `models` table: edges model -> base from the Hub's
`base_model:[relation:]X` tags (else the card's `base_model`), dataset -> model edges from
`datasets`. Not in the paper, whose authors could only infer reuse from names and interviews.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipeline.analyze.run import Scan
from pipeline.dictionary import column
from pipeline.figures.spec import Figure, Tables
from pipeline.lineage.analyses import coverage_along_edges, lineage_tables
from pipeline.lineage.graph import COLUMNS, build_graph_from_batches

_YEAR = column("year", pa.string(), "creation year of the (derived) model, or unknown")


def compute(scan: Scan) -> dict[str, pd.DataFrame]:
    """Every lineage table, from the `models` table's graph columns (base names through the
    snapshot's resolved renames, `names` table, else as written), and Table I coverage along
    edges from the scan's per-model coverage."""
    renames = scan.base_models.renames or None
    graph = build_graph_from_batches(scan.source.batches("models", COLUMNS), renames)
    return {
        **lineage_tables(graph),
        "lineage_coverage": coverage_along_edges(graph, scan.per_model),
    }


def section(tables: Tables, context: dict, paper: dict) -> list[str]:
    """The report's "Reuse and lineage" section."""
    from pipeline.lineage.report import section as lineage_section

    return lineage_section(tables)


def draw(tables: Tables, suffix: str):
    """Four panels: share declaring a base by year, fan-in CCDF, depth, relations by year."""
    from pipeline.lineage.plot import draw as draw_lineage  # matplotlib only when drawing

    return draw_lineage(tables)


def _share(key: pa.Field) -> pa.Schema:
    return pa.schema(
        [
            key,
            column("models", pa.int64(), "models in the group"),
            column("models_with_declared_base", pa.int64(), "of them, declaring a base"),
            column("share", pa.float64(), "models_with_declared_base / models"),
        ]
    )


SCHEMAS = {
    "lineage": pa.schema(
        [
            column(
                "metric",
                pa.string(),
                "a graph measure: models_with_declared_base, edges, dangling_references "
                "(edges to a base not in the snapshot), max_depth (longest path to a root, "
                "cycles collapsed), cycles, dataset_edges, license_more_permissive_edges, ...",
            ),
            column("value", pa.string(), "its value"),
        ]
    ),
    "lineage_share_by_year": _share(_YEAR),
    "lineage_share_by_task": _share(column("task", pa.string(), "the model's pipeline_tag")),
    "lineage_fan_in": pa.schema(
        [
            column("fan_in", pa.int64(), "models naming one base"),
            column("bases", pa.int64(), "bases with exactly that fan-in"),
            column("ccdf", pa.float64(), "share of bases with at least that fan-in"),
        ]
    ),
    "lineage_top_bases": pa.schema(
        [
            column("base", pa.string(), "a base model, as named"),
            column("derived_models", pa.int64(), "models declaring it"),
            column("in_snapshot", pa.bool_(), "the base itself is in the snapshot"),
        ]
    ),
    "lineage_top_bases_by_year": pa.schema(
        [
            _YEAR,
            column("rank", pa.int64(), "rank within the year"),
            column("base", pa.string(), "a base model, as named"),
            column("derived_models", pa.int64(), "models of that year declaring it"),
            column("share_of_edges", pa.float64(), "its share of that year's edges"),
        ]
    ),
    "lineage_depth": pa.schema(
        [
            column("depth", pa.int64(), "longest chain of bases above a model (0: a root)"),
            column("models", pa.int64(), "models at that depth"),
        ]
    ),
    "lineage_cycles": pa.schema(
        [
            column("cycle", pa.int64(), "cycle number"),
            column("size", pa.int64(), "models in it"),
            column("members", pa.string(), "their ids, `;`-joined"),
            column("self_reference", pa.bool_(), "a model naming itself as its base"),
        ]
    ),
    "lineage_relations_by_year": pa.schema(
        [
            _YEAR,
            column(
                "relation", pa.string(), "finetune, adapter, quantized, merge, several, unknown"
            ),
            column("edges", pa.int64(), "edges of that relation"),
            column("share", pa.float64(), "their share of the year's edges"),
        ]
    ),
    "lineage_license_edges": pa.schema(
        [
            column("comparison", pa.string(), "derived licence against its base's (tiers)"),
            column("edges", pa.int64(), "edges"),
            column("derived_models", pa.int64(), "distinct derived models"),
        ]
    ),
    "lineage_license_upgrades": pa.schema(
        [
            column("model", pa.string(), "a derived model more permissive than its base"),
            column("license", pa.string(), "its licence"),
            column("tier", pa.int64(), "its permissiveness tier"),
            column("base", pa.string(), "its base"),
            column("base_license", pa.string(), "the base's licence"),
            column("base_tier", pa.int64(), "the base's tier"),
            column("relation", pa.string(), "the declared relation"),
            column("downloads", pa.int64(), "the derived model's downloads (30 days)"),
        ]
    ),
    "lineage_licenses": pa.schema(
        [
            column("tier", pa.int64(), "permissiveness tier (higher: more permissive)"),
            column("tier_name", pa.string(), "its name"),
            column("licenses", pa.string(), "the licence ids in it"),
        ]
    ),
    "lineage_documentation": pa.schema(
        [
            column("proxy", pa.string(), "a documentation proxy"),
            column("definition", pa.string(), "what it reads"),
            column("measured", pa.bool_(), "the snapshot holds what it reads"),
            column("edges_compared", pa.int64(), "edges with both ends in the snapshot"),
            column("derived_share", pa.float64(), "share of derived models showing it"),
            column("base_share", pa.float64(), "share of their bases showing it"),
            column("derived_only", pa.int64(), "edges where only the derived model shows it"),
            column("base_only", pa.int64(), "edges where only the base shows it"),
            column("both", pa.int64(), "edges where both show it"),
            column("neither", pa.int64(), "edges where neither shows it"),
        ]
    ),
    "lineage_coverage": pa.schema(
        [
            column(
                "measure",
                pa.string(),
                "a Table I group score (`<group>_score`) or factor (attribute_coverage.csv)",
            ),
            column("kind", pa.string(), "`score` or `factor`"),
            column(
                "edges_compared", pa.int64(), "edges (base in the snapshot) known on both sides"
            ),
            column(
                "derived_mean",
                pa.float64(),
                "mean over those edges, derived side (a factor: share present)",
            ),
            column("base_mean", pa.float64(), "the same, base side"),
            column("difference", pa.float64(), "derived_mean - base_mean"),
        ]
    ),
    "lineage_datasets": pa.schema(
        [
            column("dataset", pa.string(), "a dataset, as named"),
            column("models", pa.int64(), "models naming it"),
            column("derived_models", pa.int64(), "of them, models declaring a base"),
        ]
    ),
}


FIGURE = Figure(
    schemas=SCHEMAS,
    name="lineage",
    tables=tuple(SCHEMAS),
    compute=compute,
    section=section,
    definitions=(
        (
            "lineage.csv, lineage_*.csv",
            "the reuse graph (pipeline/lineage/): edges model -> base from `base_model:` tags "
            "(else the card), base names under their current id when the crawl resolved them "
            "(`names` table), else as written; share declaring a base by year and task, "
            "fan-in CCDF, top bases by year, depth of lineage chains, cycles, relation mix by "
            "year, licences along edges (tier table in lineage_licenses.csv), documentation "
            "proxies and Table I coverage along edges (lineage_coverage.csv), datasets named.",
        ),
    ),
    draw=draw,
    draw_inputs=(
        "lineage_share_by_year",
        "lineage_fan_in",
        "lineage_depth",
        "lineage_relations_by_year",
    ),
)
