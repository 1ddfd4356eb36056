"""The reuse graph of a snapshot's `models` table.

**Nodes** are the models of the snapshot, plus every base named by some model that is not a
model of the snapshot (a *dangling reference*: deleted, renamed, private, misspelt, or, in
a partial crawl, simply not crawled). Dangling bases are kept as nodes, flagged, counted.

**Edges model -> base** (docs/hub-api.md §1, §9):

- every `base_model:<relation>:X` tag (relation one of `finetune`, `adapter`, `quantized`,
  `merge`) gives the edge to `X` with that relation; every plain `base_model:X` tag gives
  the edge to `X` with no relation of its own;
- a model with no `base_model:` tag at all takes its bases from its card's `base_model`
  (a string, or a list for merges), source `card`. This is the rule of the snapshot's
  `base_models` column (`pipeline/crawl/records.py`), so the edges of a model are exactly
  the names of its `base_models` (empty names skipped);
- an edge without a relation of its own takes the card's `base_model_relation` when that is
  one of the four relations, else `unknown`;
- one edge per (model, base): when a model names the same base twice (e.g. `base_model:X`
  and `base_model:finetune:X`), the known relation wins over `unknown`; two different known
  relations to the same base are kept together, sorted and joined with `+`.

**Names** are taken as written, then passed through `resolve` (a mapping old name ->
current id). By default nothing is resolved, so a base named by an old id after a rename is
a dangling reference; the names-resolution step (redirects recorded by the crawl) will
supply the mapping. Model ids themselves are current ids and are not resolved.

**Dataset -> model edges** come from the `datasets` column (the card's `datasets` and the
`dataset:` tags, `records.py`); when a table has no such column they are derived the same
way from `tags` and `card_data`.

Everything is vectorised with pyarrow and numpy, batch by batch (`build_graph_from_batches`
keeps only the few columns the analyses need per model, never the whole `tags` column); the
graph algorithms use scipy.sparse (strongly connected components) and numpy frontiers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

RELATIONS: tuple[str, ...] = ("finetune", "adapter", "quantized", "merge")
UNKNOWN = "unknown"
BASE_TAG = "base_model:"
DATASET_TAG = "dataset:"
MODEL_INDEX_TAG = "model-index"
# The columns of `models` the graph reads (any of them may be missing: treated as null).
COLUMNS: tuple[str, ...] = (
    "id",
    "tags",
    "card_data",
    "datasets",
    "license",
    "created_at",
    "pipeline_tag",
    "downloads",
)
_RELATION_TAG = r"^(?P<relation>" + "|".join(RELATIONS) + r"):(?P<name>.+)$"


@dataclass(frozen=True)
class LineageGraph:
    """The reuse graph.

    - `models`: one row per model, row number = node number: `id`, `year` (of `created_at`;
      2022 also holds every model created before 2022-03-02, when the Hub began recording),
      `task` (`pipeline_tag`), `license` (lower case), `downloads`, `has_card_data`,
      `has_model_index` (the Hub's `model-index` tag), `card_data_measured`.
    - `edges`: one row per (model, base): `model`, `base` (after `resolve`), `relation`,
      `source` (`tag` or `card`), `model_node`, `base_node`, `dangling`.
    - `dataset_edges`: one row per (dataset, model): `dataset`, `model`, `model_node`.
    - `names`: node names, the model ids then the dangling bases (node >= `n_models`).
    - `duplicate_ids`: rows dropped because their id repeated an earlier row's.
    - `resolved_names`: edges whose base name `resolve` changed.
    """

    models: pd.DataFrame
    edges: pd.DataFrame
    dataset_edges: pd.DataFrame
    names: np.ndarray
    duplicate_ids: int = 0
    resolved_names: int = 0

    @property
    def n_models(self) -> int:
        return len(self.models)

    @property
    def n_nodes(self) -> int:
        return len(self.names)

    def adjacency(self) -> sp.csr_matrix:
        """Sparse n_nodes x n_nodes matrix, 1 at (model, base) for every edge."""
        src = self.edges["model_node"].to_numpy(np.int64)
        dst = self.edges["base_node"].to_numpy(np.int64)
        data = np.ones(len(src), dtype=np.int8)
        return sp.csr_matrix((data, (src, dst)), shape=(self.n_nodes, self.n_nodes))


# --- reading one batch ------------------------------------------------------------------


def _column(batch: pa.RecordBatch, name: str, kind: pa.DataType) -> pa.Array:
    if name in batch.schema.names:
        array = batch.column(name)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if pa.types.is_null(array.type):  # all null in a frame built by hand
            return pa.nulls(batch.num_rows, kind)
        return array
    return pa.nulls(batch.num_rows, kind)


def _list_column(batch: pa.RecordBatch, name: str) -> pa.Array:
    array = _column(batch, name, pa.list_(pa.string()))
    if pa.types.is_large_list(array.type):
        array = array.cast(pa.list_(array.type.value_type))
    if pa.types.is_null(array.type.value_type):
        array = array.cast(pa.list_(pa.string()))
    return array


def _flat(lists: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The values of a list array and the row each came from."""
    values = pc.list_flatten(lists)
    rows = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    return values, rows


def _where(values: pa.Array, predicate) -> tuple[np.ndarray, pa.Array]:
    """(mask, selected values) of a string array, or of a dictionary-encoded one (the
    predicate then runs on the dictionary only: tags repeat a small vocabulary)."""
    if pa.types.is_dictionary(values.type):
        hit = pc.fill_null(predicate(values.dictionary), False)
        mask = pc.fill_null(pc.take(hit, values.indices), False)
        selected = values.dictionary.take(values.indices.filter(mask))
    else:
        mask = pc.fill_null(predicate(values), False)
        selected = values.filter(mask)
    return mask.to_numpy(zero_copy_only=False), selected


def _years(created: pa.Array) -> np.ndarray:
    if pa.types.is_timestamp(created.type):
        years = pc.year(created)
    elif pa.types.is_null(created.type):
        years = pa.nulls(len(created), pa.int64())
    else:  # text (a frame built by hand): parse it like the snapshot's writer would
        parsed = pd.to_datetime(pd.Series(created.to_pylist(), dtype=object), utc=True)
        years = pa.array(parsed.dt.year.astype("Float64"), pa.float64())
    return pc.fill_null(years.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False)


def _card_items(cards: pa.Array, key: str) -> list[tuple[int, object]]:
    """(row, value) of `key` in each card's JSON text, parsing only the cards that mention
    the key (a substring test in Arrow first: most cards do not)."""
    if pa.types.is_null(cards.type):
        return []
    hit = pc.fill_null(pc.match_substring(cards, f'"{key}"'), False)
    rows = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
    found = []
    for row, text in zip(rows, cards.filter(hit).to_pylist(), strict=True):
        try:
            card = json.loads(text)
        except (TypeError, ValueError):
            continue
        if isinstance(card, dict) and key in card:
            found.append((int(row), card[key]))
    return found


def _names(value: object) -> list[str]:
    """A card's string or list of strings, as written, empty strings skipped."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


@dataclass
class _Parts:
    """What one batch contributes (row numbers are global)."""

    frame: pd.DataFrame
    tag_edges: pd.DataFrame
    card_edges: pd.DataFrame
    card_relations: pd.DataFrame
    dataset_edges: pd.DataFrame


def _tag_edges(values: pa.Array, parents: np.ndarray, offset: int) -> pd.DataFrame:
    """(row, base, relation) of the `base_model:[relation:]X` tags."""
    is_base, base_values = _where(values, lambda v: pc.starts_with(v, BASE_TAG))
    base_values = pc.utf8_slice_codeunits(base_values, len(BASE_TAG))
    split = pc.extract_regex(base_values, _RELATION_TAG)
    relation = pc.struct_field(split, "relation")
    name = pc.coalesce(pc.struct_field(split, "name"), base_values)
    edges = pd.DataFrame(
        {
            "row": parents[is_base] + offset,
            "base": np.asarray(name.to_numpy(zero_copy_only=False), dtype=object),
            "relation": np.asarray(relation.to_numpy(zero_copy_only=False), dtype=object),
        }
    )
    return edges[edges["base"] != ""]


def _card_parts(cards: pa.Array, offset: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The card's bases (used only when the model has no base tag) and its relation."""
    card_base = [
        (row + offset, base)
        for row, value in _card_items(cards, "base_model")
        for base in _names(value)
    ]
    relations = [
        (row + offset, value.strip().lower())
        for row, value in _card_items(cards, "base_model_relation")
        if isinstance(value, str) and value.strip().lower() in RELATIONS
    ]
    return (
        pd.DataFrame(card_base, columns=["row", "base"]),
        pd.DataFrame(relations, columns=["row", "card_relation"]),
    )


def _objects(array: pa.Array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)


def _dataset_edges(
    batch: pa.RecordBatch, cards: pa.Array, values: pa.Array, parents: np.ndarray, offset: int
) -> pd.DataFrame:
    """(row, dataset): the `datasets` column when there is one, else the tags and the card."""
    if "datasets" in batch.schema.names:
        dataset_values, dataset_rows = _flat(_list_column(batch, "datasets"))
        if pa.types.is_dictionary(dataset_values.type):
            dataset_values = dataset_values.dictionary_decode()
        datasets = pd.DataFrame({"row": dataset_rows + offset, "dataset": _objects(dataset_values)})
    else:
        is_dataset, from_tags = _where(values, lambda v: pc.starts_with(v, DATASET_TAG))
        from_tags = pc.utf8_slice_codeunits(from_tags, len(DATASET_TAG))
        from_card = [
            (row + offset, d)
            for row, value in _card_items(cards, "datasets")
            for d in _names(value)
        ]
        datasets = pd.concat(
            [
                pd.DataFrame(from_card, columns=["row", "dataset"]),
                pd.DataFrame({"row": parents[is_dataset] + offset, "dataset": _objects(from_tags)}),
            ],
            ignore_index=True,
        )
    return datasets[datasets["dataset"].notna() & (datasets["dataset"] != "")]


def _model_frame(
    batch: pa.RecordBatch, cards: pa.Array, values: pa.Array, parents: np.ndarray
) -> pd.DataFrame:
    """One row per model: what the analyses need."""
    has_index = np.zeros(batch.num_rows, dtype=bool)
    has_index[parents[_where(values, lambda v: pc.equal(v, MODEL_INDEX_TAG))[0]]] = True
    has_card = pc.fill_null(
        pc.and_(pc.is_valid(cards), pc.invert(pc.is_in(cards, pa.array(["{}", "null"])))), False
    )
    licence = _column(batch, "license", pa.string())
    licence = pc.utf8_lower(pc.utf8_trim_whitespace(licence.cast(pa.string())))
    downloads = _column(batch, "downloads", pa.int64()).cast(pa.float64())
    return pd.DataFrame(
        {
            "id": _objects(_column(batch, "id", pa.string()).cast(pa.string())),
            "year": _years(_column(batch, "created_at", pa.timestamp("ms", tz="UTC"))),
            "task": _objects(_column(batch, "pipeline_tag", pa.string()).cast(pa.string())),
            "license": _objects(licence),
            "downloads": pc.fill_null(downloads, np.nan).to_numpy(zero_copy_only=False),
            "has_card_data": has_card.to_numpy(zero_copy_only=False),
            "has_model_index": has_index,
        }
    )


def _batch_parts(batch: pa.RecordBatch, offset: int) -> _Parts:
    cards = _column(batch, "card_data", pa.string())
    if pa.types.is_large_string(cards.type):
        cards = cards.cast(pa.string())
    values, parents = _flat(_list_column(batch, "tags"))
    card_edges, card_relations = _card_parts(cards, offset)
    return _Parts(
        _model_frame(batch, cards, values, parents),
        _tag_edges(values, parents, offset),
        card_edges,
        card_relations,
        _dataset_edges(batch, cards, values, parents, offset),
    )


# --- the graph --------------------------------------------------------------------------


def _combine_relations(edges: pd.DataFrame) -> pd.DataFrame:
    """One row per (row, base): a known relation wins over `unknown`; several known ones
    are joined (sorted, `+`)."""
    edges = edges.drop_duplicates(["row", "base", "relation"])
    repeated = edges.duplicated(["row", "base"], keep=False)
    if not repeated.any():
        return edges
    single, multi = edges[~repeated], edges[repeated]
    known = multi[multi["relation"] != UNKNOWN]
    unknown_only = multi[
        ~multi.set_index(["row", "base"]).index.isin(known.set_index(["row", "base"]).index)
    ].drop_duplicates(["row", "base"])
    joined = (
        known.sort_values("relation")
        .groupby(["row", "base"], sort=False)
        .agg(relation=("relation", "+".join), source=("source", "first"))
        .reset_index()
    )
    return pd.concat([single, unknown_only, joined], ignore_index=True)


def build_graph_from_batches(
    batches: Iterable[pa.RecordBatch], resolve: Mapping[str, str] | None = None
) -> LineageGraph:
    """The graph of a `models` table given as Arrow record batches (see the module's
    docstring for the rules). `resolve` maps old names to current ids (identity when
    None: names as written)."""
    parts, offset = [], 0
    for batch in batches:
        parts.append(_batch_parts(batch, offset))
        offset += batch.num_rows
    if not parts:
        parts.append(_batch_parts(pa.RecordBatch.from_pydict({"id": pa.array([], pa.string())}), 0))

    def cat(name: str) -> pd.DataFrame:
        return pd.concat([getattr(p, name) for p in parts], ignore_index=True)

    frame = cat("frame")
    # A row without an id (never in a crawled snapshot, whose `id` is non-null) counts as "".
    # Straight from the (Arrow-backed) column: no Python string per model.
    ids = pa.array(frame["id"].fillna(""), pa.string())
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    codes = pc.dictionary_encode(ids).indices.to_numpy(zero_copy_only=False)
    duplicated = np.ones(len(ids), dtype=bool)
    duplicated[np.unique(codes, return_index=True)[1]] = False  # first of each id kept
    node_of_row = np.cumsum(~duplicated) - 1
    node_of_row[duplicated] = -1
    models = frame[~duplicated].reset_index(drop=True)
    models["card_data_measured"] = bool(models["has_card_data"].any())

    tag_edges = cat("tag_edges")
    card_edges = cat("card_edges")
    card_edges = card_edges[~card_edges["row"].isin(tag_edges["row"])]
    edges = pd.concat(
        [tag_edges.assign(source="tag"), card_edges.assign(relation=None, source="card")],
        ignore_index=True,
    )
    card_relation = cat("card_relations").drop_duplicates("row").set_index("row")["card_relation"]
    edges["relation"] = (
        edges["relation"].fillna(edges["row"].map(card_relation)).fillna(UNKNOWN).astype(object)
    )
    resolved = 0
    if resolve:
        written = edges["base"]
        edges["base"] = written.map(lambda name: resolve.get(name, name)).astype(object)
        resolved = int((edges["base"] != written).sum())
    edges = _combine_relations(edges)
    edges["model_node"] = node_of_row[edges["row"].to_numpy(np.int64)]
    edges = edges[edges["model_node"] >= 0]

    lookup = pc.index_in(
        pa.array(edges["base"].to_numpy(object), pa.string()), ids.filter(~duplicated)
    )
    base_node = pc.fill_null(lookup, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    dangling = base_node < 0
    codes, dangling_names = pd.factorize(edges["base"].to_numpy(object)[dangling], sort=True)
    base_node[dangling] = len(models) + codes
    edges = edges.assign(base_node=base_node, dangling=dangling)
    # Node names, the models' ids then the dangling bases: made once, as Python strings,
    # and shared by the edge tables (millions of models: one such array, not three).
    names = np.concatenate([models["id"].to_numpy(object), np.asarray(dangling_names, object)])
    edges["model"] = names[edges["model_node"].to_numpy()]
    edges = edges.sort_values(["model_node", "base"], kind="stable").reset_index(drop=True)
    edges = edges[["model", "base", "relation", "source", "model_node", "base_node", "dangling"]]

    datasets = cat("dataset_edges")
    datasets["model_node"] = node_of_row[datasets["row"].to_numpy(np.int64)]
    datasets = datasets[datasets["model_node"] >= 0].drop_duplicates(["model_node", "dataset"])
    datasets["model"] = names[datasets["model_node"].to_numpy()]
    datasets = datasets[["dataset", "model", "model_node"]].reset_index(drop=True)

    return LineageGraph(
        models=models,
        edges=edges,
        dataset_edges=datasets,
        names=names,
        duplicate_ids=int(duplicated.sum()),
        resolved_names=resolved,
    )


def build_graph(
    models: pd.DataFrame | pa.Table, resolve: Mapping[str, str] | None = None
) -> LineageGraph:
    """The graph of a snapshot's `models` table (pandas or Arrow; only `COLUMNS` are read,
    missing ones count as null). `resolve`: old name -> current id, applied to base names
    (default: none, names as written)."""
    if isinstance(models, pd.DataFrame):
        keep = [c for c in COLUMNS if c in models.columns]
        models = pa.Table.from_pandas(models[keep], preserve_index=False)
    keep = [c for c in COLUMNS if c in models.column_names]
    return build_graph_from_batches(models.select(keep).to_batches(), resolve)


# --- algorithms ---------------------------------------------------------------------------


def components(graph: LineageGraph) -> np.ndarray:
    """Strongly connected component label of every node (scipy, Tarjan-like, O(N+E))."""
    if graph.n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    _, labels = connected_components(graph.adjacency(), directed=True, connection="strong")
    return labels.astype(np.int64)


def cycles(graph: LineageGraph, labels: np.ndarray | None = None) -> pd.DataFrame:
    """One row per cycle of declared lineage: a strongly connected component of two or
    more nodes, or a model that names itself as its base. Columns `cycle`, `size`,
    `members` (node names, sorted, joined with ` ; `), `self_reference`."""
    labels = components(graph) if labels is None else labels
    sizes = np.bincount(labels, minlength=labels.max() + 1 if len(labels) else 0)
    edges = graph.edges
    loops = edges.loc[edges["model_node"] == edges["base_node"], "model_node"].to_numpy()
    rows = []
    for label in np.flatnonzero(sizes > 1):
        members = sorted(graph.names[labels == label])
        rows.append((len(members), " ; ".join(members), False))
    for node in np.unique(loops):
        if sizes[labels[node]] == 1:
            rows.append((1, str(graph.names[node]), True))
    frame = pd.DataFrame(rows, columns=["size", "members", "self_reference"])
    frame = frame.sort_values(["size", "members"], ascending=[False, True], ignore_index=True)
    frame.insert(0, "cycle", np.arange(1, len(frame) + 1))
    return frame


def depths(graph: LineageGraph, labels: np.ndarray | None = None) -> np.ndarray:
    """Per node, the length of the longest chain of declared bases down to a root (a node
    that declares none; dangling bases are roots, their own bases being unknown).

    Cycles are condensed first (each strongly connected component counts as one node, and
    edges inside it are dropped), so depth is defined for every node. Longest paths on the
    condensed DAG by Kahn's algorithm in frontiers: the roots are level 0, and a node
    enters level k when the last of its bases has been levelled (at k - 1): numpy and one
    sparse row gather per level."""
    if graph.n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    labels = components(graph) if labels is None else labels
    n = int(labels.max()) + 1
    src = labels[graph.edges["model_node"].to_numpy(np.int64)]
    dst = labels[graph.edges["base_node"].to_numpy(np.int64)]
    keep = src != dst
    pairs = np.unique(np.stack([src[keep], dst[keep]], axis=1), axis=0).reshape(-1, 2)
    src, dst = pairs[:, 0], pairs[:, 1]
    remaining = np.bincount(src, minlength=n)
    # children of each base: row `base` of a base -> model matrix
    children = sp.csr_matrix((np.ones(len(src), dtype=np.int8), (dst, src)), shape=(n, n))
    depth = np.zeros(n, dtype=np.int64)
    frontier = np.flatnonzero(remaining == 0)
    level = 0
    while len(frontier):
        level += 1
        reached = children[frontier].indices
        if not len(reached):
            break
        remaining -= np.bincount(reached, minlength=n)
        frontier = np.unique(reached[remaining[reached] == 0])
        depth[frontier] = level
    return depth[labels]
