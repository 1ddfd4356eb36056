"""The result tables of the reuse graph: `lineage_tables(graph) -> {name: DataFrame}`.

Every table is a pure function of a `LineageGraph` (`pipeline.lineage.graph`); each is
written as `<name>.csv` by `pipeline.lineage.command`:

| table | one row per | what |
|---|---|---|
| `lineage` | metric | `metric,value`: the headline counts (`METRICS` says what each means) |
| `lineage_share_by_year` | creation year | models, models declaring a base, share |
| `lineage_share_by_task` | `pipeline_tag` | the same per task (`none` when untagged) |
| `lineage_fan_in` | fan-in value k | bases with fan-in k, share of bases with fan-in >= k (CCDF) |
| `lineage_top_bases` | base | the most-named bases overall (derived models, dangling or not) |
| `lineage_top_bases_by_year` | (year, rank) | the most-named bases among models created that year |
| `lineage_depth` | depth | models whose longest chain of bases has that length |
| `lineage_cycles` | cycle | members of each cycle of declared bases, self-references |
| `lineage_relations_by_year` | (year, relation) | edges per relation, by creation year |
| `lineage_license_edges` | comparison | edges: derived licence more / less permissive, ... |
| `lineage_license_upgrades` | edge | derived models more permissive than their base, by downloads |
| `lineage_licenses` | tier | the permissiveness table used (`pipeline.lineage.licenses`) |
| `lineage_documentation` | proxy | documentation of derived models against their bases |
| `lineage_datasets` | dataset | the most-named training datasets (dataset -> model edges) |

Years are those of the derived model's `created_at`; 2022 also holds every model created
before 2022-03-02, when the Hub began recording creation dates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.lineage.graph import RELATIONS, UNKNOWN, LineageGraph, components, cycles, depths
from pipeline.lineage.licenses import license_table, rank

TOP_BASES = 25
TOP_PER_YEAR = 10
TOP_DATASETS = 25
NO_LICENSE = ("other", "unknown")

# metric -> meaning (the report's definitions)
METRICS: dict[str, str] = {
    "models": "models in the snapshot (one per id)",
    "duplicate_ids": "rows dropped because their id repeated an earlier row's",
    "models_with_declared_base": "models with at least one edge to a base",
    "share_with_declared_base": "models_with_declared_base / models",
    "edges": "distinct (model, base) pairs",
    "edges_from_tags": "edges read from `base_model:` tags",
    "edges_from_card": "edges read from the card's `base_model` (models without base tags)",
    "edges_with_known_relation": "edges whose relation is finetune, adapter, quantized or merge",
    "bases": "distinct bases named by at least one model",
    "dangling_references": "edges whose base is not a model of the snapshot",
    "dangling_bases": "distinct bases that are not models of the snapshot",
    "names_resolved": "edges whose base name the name resolution changed (0: names as written)",
    "self_references": "models naming themselves as their base (also when in a cycle)",
    "cycles": "cycles of declared bases (two or more models), self-references not included",
    "models_in_cycles": "models in those cycles",
    "max_depth": "longest chain of declared bases from a model down to a root",
    "models_at_depth_2_plus": "models whose base itself declares a base",
    "max_fan_in": "most models naming one base",
    "top_base": "the base with max_fan_in",
    "dataset_edges": "distinct (dataset, model) pairs (card `datasets`, `dataset:` tags)",
    "models_with_datasets": "models naming at least one dataset",
    "datasets": "distinct datasets named",
    "license_edges_compared": "edges, base in the snapshot, both licences ranked",
    "license_more_permissive_edges": "of those, the derived licence in a higher tier",
    "license_more_permissive_models": "distinct derived models among them",
}


def _year_labels(years: pd.Series) -> pd.Series:
    """Creation years as text (`2023`), `unknown` when there is no date."""
    codes, uniques = pd.factorize(years, use_na_sentinel=True)
    labels = np.array(["unknown" if pd.isna(y) else str(int(y)) for y in uniques] + ["unknown"])
    return pd.Series(labels[codes], index=years.index, dtype=object)


def share_by(graph: LineageGraph, by: str) -> pd.DataFrame:
    """Per `year` or `task`: `models`, `models_with_declared_base`, `share`."""
    models = graph.models
    declares = np.zeros(graph.n_models, dtype=bool)
    declares[graph.edges["model_node"].to_numpy(np.int64)] = True
    key = _year_labels(models["year"]) if by == "year" else models["task"].fillna("none")
    frame = pd.DataFrame({by: key.to_numpy(object), "declares": declares})
    table = frame.groupby(by, sort=True)["declares"].agg(["size", "sum"]).reset_index()
    table.columns = [by, "models", "models_with_declared_base"]
    table["share"] = table["models_with_declared_base"] / table["models"]
    if by == "task":
        table = table.sort_values(["models", "task"], ascending=[False, True], ignore_index=True)
    return table


def fan_in(graph: LineageGraph) -> pd.Series:
    """Models naming each base (node index -> count), bases named at least once."""
    counts = graph.edges.groupby("base_node", sort=False).size()
    return counts.sort_values(ascending=False, kind="stable")


def fan_in_distribution(graph: LineageGraph) -> pd.DataFrame:
    """`fan_in` k, `bases` with exactly k, `ccdf`: share of bases with fan-in >= k."""
    counts = fan_in(graph)
    if counts.empty:
        return pd.DataFrame({"fan_in": [], "bases": [], "ccdf": []})
    table = counts.value_counts().sort_index().rename_axis("fan_in").reset_index(name="bases")
    table["ccdf"] = table["bases"][::-1].cumsum()[::-1] / table["bases"].sum()
    return table


def top_bases(graph: LineageGraph, limit: int = TOP_BASES) -> pd.DataFrame:
    """The most-named bases: `base`, `derived_models`, `in_snapshot`."""
    counts = fan_in(graph).head(limit)
    nodes = counts.index.to_numpy(np.int64)
    return pd.DataFrame(
        {
            "base": graph.names[nodes],
            "derived_models": counts.to_numpy(),
            "in_snapshot": nodes < graph.n_models,
        }
    )


def top_bases_by_year(graph: LineageGraph, limit: int = TOP_PER_YEAR) -> pd.DataFrame:
    """Per creation year of the derived models: `rank`, `base`, `derived_models`,
    `share_of_edges` (of that year's edges)."""
    edges = graph.edges
    year = _year_labels(graph.models["year"]).to_numpy(object)[edges["model_node"].to_numpy()]
    frame = pd.DataFrame({"year": year, "base": edges["base"].to_numpy(object)})
    counts = frame.groupby(["year", "base"]).size().rename("derived_models").reset_index()
    totals = frame.groupby("year").size()
    counts = counts.sort_values(
        ["year", "derived_models", "base"], ascending=[True, False, True], ignore_index=True
    )
    counts["rank"] = counts.groupby("year").cumcount() + 1
    counts = counts[counts["rank"] <= limit].reset_index(drop=True)
    counts["share_of_edges"] = counts["derived_models"] / counts["year"].map(totals)
    return counts[["year", "rank", "base", "derived_models", "share_of_edges"]]


def depth_distribution(depth: np.ndarray, n_models: int) -> pd.DataFrame:
    """Models (not dangling bases) per depth."""
    counts = np.bincount(depth[:n_models]) if n_models else np.zeros(0, dtype=np.int64)
    table = pd.DataFrame({"depth": np.arange(len(counts)), "models": counts})
    return table[table["models"] > 0].reset_index(drop=True)


def relations_by_year(graph: LineageGraph) -> pd.DataFrame:
    """Edges per relation (finetune, adapter, quantized, merge, unknown, and `a+b` when a
    model names one base with two relations) among models created each year."""
    edges = graph.edges
    year = _year_labels(graph.models["year"]).to_numpy(object)[edges["model_node"].to_numpy()]
    frame = pd.DataFrame({"year": year, "relation": edges["relation"].to_numpy(object)})
    table = frame.groupby(["year", "relation"]).size().rename("edges").reset_index()
    table["share"] = table["edges"] / table["year"].map(frame.groupby("year").size())
    order = {r: i for i, r in enumerate((*RELATIONS, UNKNOWN))}
    table["_order"] = table["relation"].map(order).fillna(len(order))
    return table.sort_values(["year", "_order", "relation"], ignore_index=True).drop(
        columns="_order"
    )


def _edges_with_bases(graph: LineageGraph) -> pd.DataFrame:
    """Edges whose base is a model of the snapshot (not a self-reference), with both ends'
    per-model columns (`*_base` for the base)."""
    edges = graph.edges[~graph.edges["dangling"]]
    edges = edges[edges["model_node"] != edges["base_node"]]
    models = graph.models
    derived = models.iloc[edges["model_node"].to_numpy()].reset_index(drop=True)
    bases = models.iloc[edges["base_node"].to_numpy()].reset_index(drop=True)
    return pd.concat(
        [
            edges[["model", "base", "relation"]].reset_index(drop=True),
            derived.drop(columns="id"),
            bases.drop(columns="id").add_suffix("_base"),
        ],
        axis=1,
    )


def license_comparison(graph: LineageGraph) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(`lineage_license_edges`, `lineage_license_upgrades`): every edge classified by the
    two licences' tiers; the edges where the derived model's tier is higher, most
    downloaded first."""
    edges = graph.edges
    joined = _edges_with_bases(graph)
    tier, base_tier = rank(joined["license"]), rank(joined["license_base"])
    comparable = tier.notna() & base_tier.notna()
    more = comparable & (tier > base_tier)
    less = comparable & (tier < base_tier)
    self_loops = int((edges["model_node"] == edges["base_node"]).sum())
    rows = [
        ("more permissive than the base", int(more.sum()), joined.loc[more, "model"].nunique()),
        ("same tier", int((comparable & (tier == base_tier)).sum()), None),
        ("less permissive than the base", int(less.sum()), None),
        ("derived licence not ranked", int(tier.isna().sum()), None),
        (
            "base licence not ranked (derived ranked)",
            int((tier.notna() & base_tier.isna()).sum()),
            None,
        ),
        ("base not in the snapshot", int(edges["dangling"].sum()), None),
        ("self-reference", self_loops, None),
    ]
    summary = pd.DataFrame(rows, columns=["comparison", "edges", "derived_models"])
    summary["derived_models"] = summary["derived_models"].astype("Int64")
    upgrades = joined[more].assign(tier=tier[more], base_tier=base_tier[more])
    upgrades = upgrades.sort_values(["downloads", "model"], ascending=[False, True])
    upgrades = upgrades[
        ["model", "license", "tier", "base", "license_base", "base_tier", "relation", "downloads"]
    ].rename(columns={"license_base": "base_license"})
    upgrades["downloads"] = upgrades["downloads"].astype("Int64")
    return summary, upgrades.reset_index(drop=True)


DOCUMENTATION_PROXIES: dict[str, str] = {
    "has_card_data": "`card_data` is not null and not `{}` (the card has YAML front matter)",
    "has_model_index": "`tags` holds `model-index` (the Hub's tag for a card model-index "
    "with at least one metric value)",
    "license_declared": "`license` is not null and not `other`/`unknown` (from the card, "
    "else a `license:` tag)",
}


def documentation_comparison(graph: LineageGraph) -> pd.DataFrame:
    """Per documentation proxy (`DOCUMENTATION_PROXIES`), over edges whose base is in the
    snapshot: share of derived models and of their bases with it, and the edges where
    only one side, both or neither have it. `measured` is false when no model of the
    snapshot has card data (a listing that did not ask for `cardData`)."""
    joined = _edges_with_bases(graph)
    joined["license_declared"] = joined["license"].notna() & ~joined["license"].isin(NO_LICENSE)
    joined["license_declared_base"] = joined["license_base"].notna() & ~joined["license_base"].isin(
        NO_LICENSE
    )
    measured = {
        "has_card_data": bool(graph.models["has_card_data"].any()),
        "has_model_index": True,
        "license_declared": True,
    }
    rows = []
    for proxy, definition in DOCUMENTATION_PROXIES.items():
        derived = joined[proxy].astype(bool)
        base = joined[f"{proxy}_base"].astype(bool)
        n = len(joined)
        rows.append(
            {
                "proxy": proxy,
                "definition": definition,
                "measured": measured[proxy],
                "edges_compared": n,
                "derived_share": derived.mean() if n else np.nan,
                "base_share": base.mean() if n else np.nan,
                "derived_only": int((derived & ~base).sum()),
                "base_only": int((~derived & base).sum()),
                "both": int((derived & base).sum()),
                "neither": int((~derived & ~base).sum()),
            }
        )
    return pd.DataFrame(rows)


COVERAGE_GROUPS = ("provenance", "reproducibility", "portability")


def _as_floats(values: pd.Series) -> np.ndarray:
    """Booleans and scores as floats, unknown (NA) as NaN."""
    return values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _rows_of(names: np.ndarray, ids: pa.Array) -> np.ndarray:
    """Position of each name's first occurrence in `ids` (a null matches a null), -1 if none."""
    names_array = pa.array(names, pa.large_string(), from_pandas=True)  # NaN is null
    found = pc.index_in(names_array, value_set=ids, skip_nulls=False)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def coverage_along_edges(graph: LineageGraph, per_model: pd.DataFrame) -> pd.DataFrame:
    """Table I coverage of derived models against their bases, over edges whose base is a
    model of the snapshot: per group score (share of known factors present) and per factor
    (present among models where it is known), the derived and the base side's mean over
    edges where both sides are known. `per_model` is the attribute-coverage table per model
    (`attribute_coverage_models.parquet`: `id`, one column per factor, `<group>_score`)."""
    edges = graph.edges[~graph.edges["dangling"]]
    edges = edges[edges["model_node"] != edges["base_node"]]
    # Row of each node's model in `per_model` (first row of a repeated id; -1: none), by an
    # Arrow hash lookup; then one column at a time. A reindexed copy of the whole table,
    # twice, for every edge (or a Python string per model) costs gigabytes at millions of
    # models.
    ids = pa.array(per_model["id"], pa.large_string())
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    derived = _rows_of(graph.names[edges["model_node"].to_numpy()], ids)
    base = _rows_of(graph.names[edges["base_node"].to_numpy()], ids)
    scores = [f"{group}_score" for group in COVERAGE_GROUPS]
    factors = [c for c in per_model.columns if f"{c}_evidence" in per_model.columns]
    rows = []
    for measure in [*scores, *factors]:
        if measure not in per_model.columns or measure == "id":
            continue
        values = np.append(_as_floats(per_model[measure]), np.nan)  # [-1]: no row
        left = values[derived]
        right = values[base]
        known = ~np.isnan(left) & ~np.isnan(right)
        n = int(known.sum())
        rows.append(
            {
                "measure": measure,
                "kind": "score" if measure in scores else "factor",
                "edges_compared": n,
                "derived_mean": float(left[known].mean()) if n else np.nan,
                "base_mean": float(right[known].mean()) if n else np.nan,
            }
        )
    table = pd.DataFrame(
        rows, columns=["measure", "kind", "edges_compared", "derived_mean", "base_mean"]
    )
    table["difference"] = table["derived_mean"] - table["base_mean"]
    return table


def top_datasets(graph: LineageGraph, limit: int = TOP_DATASETS) -> pd.DataFrame:
    """The most-named datasets: `dataset`, `models`, `derived_models` (of which declare a
    base)."""
    edges = graph.dataset_edges
    declares = np.zeros(graph.n_models, dtype=bool)
    declares[graph.edges["model_node"].to_numpy(np.int64)] = True
    frame = pd.DataFrame(
        {"dataset": edges["dataset"], "derived": declares[edges["model_node"].to_numpy()]}
    )
    table = frame.groupby("dataset")["derived"].agg(["size", "sum"]).reset_index()
    table.columns = ["dataset", "models", "derived_models"]
    table = table.sort_values(["models", "dataset"], ascending=[False, True], ignore_index=True)
    return table.head(limit)


def lineage_tables(graph: LineageGraph) -> dict[str, pd.DataFrame]:
    """Every result table of the reuse graph, by name (the CSV's stem)."""
    labels = components(graph)
    depth = depths(graph, labels)
    cycle_table = cycles(graph, labels)
    license_edges, upgrades = license_comparison(graph)
    edges = graph.edges
    counts = fan_in(graph)
    loops = cycle_table["self_reference"]
    in_snapshot_depth = depth[: graph.n_models]
    more = license_edges.set_index("comparison")
    compared = int(
        more.loc[
            ["more permissive than the base", "same tier", "less permissive than the base"],
            "edges",
        ].sum()
    )
    models_with_base = int(edges["model_node"].nunique())
    values = {
        "models": graph.n_models,
        "duplicate_ids": graph.duplicate_ids,
        "models_with_declared_base": models_with_base,
        "share_with_declared_base": models_with_base / graph.n_models if graph.n_models else 0.0,
        "edges": len(edges),
        "edges_from_tags": int((edges["source"] == "tag").sum()),
        "edges_from_card": int((edges["source"] == "card").sum()),
        "edges_with_known_relation": int((edges["relation"] != UNKNOWN).sum()),
        "bases": len(counts),
        "dangling_references": int(edges["dangling"].sum()),
        "dangling_bases": graph.n_nodes - graph.n_models,
        "names_resolved": graph.resolved_names,
        "self_references": int((edges["model_node"] == edges["base_node"]).sum()),
        "cycles": int((~loops).sum()),
        "models_in_cycles": int(cycle_table.loc[~loops, "size"].sum()),
        "max_depth": int(in_snapshot_depth.max()) if graph.n_models else 0,
        "models_at_depth_2_plus": int((in_snapshot_depth >= 2).sum()),
        "max_fan_in": int(counts.iloc[0]) if len(counts) else 0,
        "top_base": str(graph.names[counts.index[0]]) if len(counts) else "",
        "dataset_edges": len(graph.dataset_edges),
        "models_with_datasets": int(graph.dataset_edges["model_node"].nunique()),
        "datasets": int(graph.dataset_edges["dataset"].nunique()),
        "license_edges_compared": compared,
        "license_more_permissive_edges": int(more.loc["more permissive than the base", "edges"]),
        "license_more_permissive_models": int(
            more.loc["more permissive than the base", "derived_models"]
        ),
    }
    summary = pd.DataFrame(
        {"metric": list(values), "value": pd.Series(list(values.values()), dtype=object)}
    )
    return {
        "lineage": summary,
        "lineage_share_by_year": share_by(graph, "year"),
        "lineage_share_by_task": share_by(graph, "task"),
        "lineage_fan_in": fan_in_distribution(graph),
        "lineage_top_bases": top_bases(graph),
        "lineage_top_bases_by_year": top_bases_by_year(graph),
        "lineage_depth": depth_distribution(depth, graph.n_models),
        "lineage_cycles": cycle_table,
        "lineage_relations_by_year": relations_by_year(graph),
        "lineage_license_edges": license_edges,
        "lineage_license_upgrades": upgrades,
        "lineage_licenses": license_table(),
        "lineage_documentation": documentation_comparison(graph),
        "lineage_datasets": top_datasets(graph),
    }
