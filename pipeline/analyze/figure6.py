"""Figure 6 of the paper: share of models per training dataset and per architecture.

**Datasets.** A model's training datasets are the `datasets` column: the union of the card's
`datasets` list and the Hub's `dataset:` tags (the parser deduplicates them). Names are
taken as written (stripped of spaces), so `common_voice` and
`mozilla-foundation/common_voice_11_0` are different datasets. A model that names several
datasets counts once for each of them, so the dataset rows can add up to more than 100%.
Names the crawl resolved (`names` table) count under their current id (`squad` and
`rajpurkar/squad` are one dataset, once per model); unresolved names stay as written.
The `datasets` library's builders (`imagefolder`, `json`, `csv`, ..., `pipeline.builders`)
are not Hub datasets: they are never ranked, and the row `local files` (kind `local-files`,
outside the 100%) counts the models naming one.
Rows: the ten datasets named by most models, then `None` (models that name no Hub dataset,
builders aside) and `other` (models that name datasets, none of them in the top ten);
`None` + `other` + the models naming at least one top-ten dataset = all models.

**Architectures.** One architecture per model: the config's `model_type`
(`config_model_type`, source `config`); when the model has no config, the model type the
Hub lists among its tags (source `tag`: the first tag that is a known model type, see
`pipeline.analyze.vocabulary.MODEL_TYPES`, or the config `model_type` of any model in the
same snapshot); otherwise `None` (source `none`). Rows: the ten most common architectures,
`None`, and `other` (every other architecture); they add up to 100%. The paper read the
architecture from the config only, so its `None` is "no config": compare with
`models_from_config` (the report shows both).

Column `kind`: `top` (the ten), `none`, `other`, and `paper`: a name among the paper's bars
that is not in this snapshot's top ten, with its measured count (outside the 100%: those
models are already in `other` or a top-ten row). Both tables carry the paper's percentage
beside each row (`paper_percent`, empty for names that are not among the paper's bars).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.analyze.lists import as_array, column_or_nulls, decoded, first_in, flatten
from pipeline.analyze.vocabulary import MODEL_TYPES
from pipeline.builders import BUILDERS, LOCAL_FILES

LOCAL_KIND = "local-files"

TOP = 10
NONE = "None"
OTHER = "other"
SOURCE_CONFIG, SOURCE_TAG, SOURCE_NONE = "config", "tag", "none"
DATASET_COLUMNS = ("dataset", "kind", "models", "share", "percent", "paper_percent")
ARCHITECTURE_COLUMNS = (
    "architecture",
    "kind",
    "models",
    "share",
    "percent",
    "models_from_config",
    "models_from_tag",
    "architecture_source",
    "paper_percent",
)


class DatasetCounter:
    """Accumulates (model, dataset) pairs over record batches of the `models` table.

    Names the crawl resolved count under their current id (`renames`, `analyze/names.py`);
    the `datasets` library's builders (`pipeline.builders`) are not datasets: they are
    counted apart, in one `local files` row. Memory grows with the number of pairs."""

    columns = ("datasets",)

    def __init__(self, renames: dict[str, str] | None = None) -> None:
        self.models = 0
        self.renames = dict(renames or {})
        self._rows: list[np.ndarray] = []
        self._values: list[pa.Array] = []
        self._builder_rows: list[np.ndarray] = []

    def add(self, batch: pa.RecordBatch) -> None:
        from pipeline.analyze.names import current

        column = column_or_nulls(batch, "datasets", pa.list_(pa.string()))
        values, rows = flatten(column)
        if len(values):
            values = pc.utf8_trim_whitespace(decoded(values))
            builder = pc.is_in(pc.utf8_lower(values), value_set=pa.array(sorted(BUILDERS)))
            keep = pc.and_(pc.not_equal(values, ""), pc.invert(builder))
            mask = keep.to_numpy(zero_copy_only=False)
            self._values.append(current(values.filter(keep), self.renames))
            self._rows.append(rows[mask] + self.models)
            self._builder_rows.append(rows[builder.to_numpy(zero_copy_only=False)] + self.models)
        self.models += batch.num_rows

    def local_files(self) -> int:
        """Models naming at least one builder (`imagefolder`, `json`, ...)."""
        rows = [r for r in self._builder_rows if len(r)]
        return len(np.unique(np.concatenate(rows))) if rows else 0

    def table(self, paper: dict | None = None) -> pd.DataFrame:
        if self._values:
            pairs = pa.table(
                {
                    "row": pa.array(np.concatenate(self._rows)),
                    "dataset": pa.concat_arrays(self._values),
                }
            )
            pairs = pairs.group_by(["row", "dataset"]).aggregate([])  # one pair per model
        else:
            pairs = pa.table(
                {"row": pa.array([], pa.int64()), "dataset": pa.array([], pa.string())}
            )
        counts = pairs.group_by("dataset").aggregate([("row", "count")])
        order = pc.sort_indices(counts, [("row_count", "descending"), ("dataset", "ascending")])
        top = counts.take(order).slice(0, TOP)
        top_names = top["dataset"].to_pylist()
        top_counts = top["row_count"].to_pylist()
        rows = pairs["row"].to_numpy()
        in_top = pc.is_in(pairs["dataset"], value_set=pa.array(top_names, pa.string()))
        with_any = len(np.unique(rows))
        with_top = len(np.unique(rows[in_top.to_numpy(zero_copy_only=False)]))
        names = [*top_names, NONE, OTHER]
        models = [*top_counts, self.models - with_any, with_any - with_top]
        # The paper's names are 2022 names: compare under their current id when resolved.
        reference = {self.renames.get(k, k): v for k, v in _paper(paper, "datasets").items()}
        extra = [n for n in reference if n not in names]
        names_all, counts_all = counts["dataset"].to_pylist(), counts["row_count"].to_pylist()
        everything = dict(zip(names_all, counts_all, strict=True))
        table = _share_table(
            "dataset",
            [*names, LOCAL_FILES, *extra],
            [*models, self.local_files(), *(everything.get(n, 0) for n in extra)],
            self.models,
            reference,
        )
        kinds = _kinds(len(top_names), len(extra))
        table.insert(1, "kind", [*kinds[: len(names)], LOCAL_KIND, *kinds[len(names) :]])
        return table


class ArchitectureCounter:
    """Accumulates architectures (and where each was read from) over record batches."""

    columns = ("config_model_type", "tags")

    def __init__(self, model_types: frozenset[str] | set[str] = frozenset()) -> None:
        vocabulary = sorted(set(MODEL_TYPES) | {t for t in model_types if t})
        self._vocabulary = pa.array(vocabulary, type=pa.string())
        self.models = 0
        self._from_config: dict[str, int] = {}
        self._from_tag: dict[str, int] = {}

    def add(self, batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
        """Count a batch; returns per row (architecture or None, source)."""
        architecture, source = architectures_of(batch, self._vocabulary)
        for counts, wanted in ((self._from_config, SOURCE_CONFIG), (self._from_tag, SOURCE_TAG)):
            chosen = architecture[source == wanted].astype(str)
            names, number = np.unique(chosen, return_counts=True)
            for name, count in zip(names.tolist(), number.tolist(), strict=True):
                counts[name] = counts.get(name, 0) + count
        self.models += batch.num_rows
        return architecture, source

    def table(self, paper: dict | None = None) -> pd.DataFrame:
        totals: dict[str, int] = {}
        for counts in (self._from_config, self._from_tag):
            for name, count in counts.items():
                totals[name] = totals.get(name, 0) + count
        ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        top = ranked[:TOP]
        named = sum(totals.values())
        names = [name for name, _ in top] + [NONE, OTHER]
        models = [count for _, count in top] + [
            self.models - named,
            named - sum(count for _, count in top),
        ]
        reference = _paper(paper, "arch")
        extra = [n for n in reference if n not in names]
        table = _share_table(
            "architecture",
            names + extra,
            models + [totals.get(n, 0) for n in extra],
            self.models,
            reference,
        )
        from_config = [self._from_config.get(name, 0) for name, _ in top]
        from_tag = [self._from_tag.get(name, 0) for name, _ in top]
        other_config = sum(self._from_config.values()) - sum(from_config)
        other_tag = sum(self._from_tag.values()) - sum(from_tag)
        extra_config = [self._from_config.get(n, 0) for n in extra]
        extra_tag = [self._from_tag.get(n, 0) for n in extra]
        table.insert(1, "kind", _kinds(len(top), len(extra)))
        table.insert(5, "models_from_config", [*from_config, 0, other_config, *extra_config])
        table.insert(6, "models_from_tag", [*from_tag, 0, other_tag, *extra_tag])
        table.insert(
            7,
            "architecture_source",
            [_source_label(c, t) for c, t in zip(from_config, from_tag, strict=True)]
            + [SOURCE_NONE, _source_label(other_config, other_tag)]
            + [_source_label(c, t) for c, t in zip(extra_config, extra_tag, strict=True)],
        )
        return table[list(ARCHITECTURE_COLUMNS)]

    def config_only_none_share(self) -> float:
        """The share of models without a config `model_type` (the paper's `None`)."""
        with_config = sum(self._from_config.values())
        return (self.models - with_config) / self.models if self.models else 0.0


def architectures_of(
    batch: pa.RecordBatch | pa.Table, vocabulary: pa.Array | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: (architecture or None, source in config/tag/none)."""
    if vocabulary is None:
        vocabulary = pa.array(sorted(MODEL_TYPES), type=pa.string())
    config = decoded(column_or_nulls(batch, "config_model_type", pa.string()))
    config = pc.if_else(pc.equal(pc.utf8_trim_whitespace(config), ""), None, config)
    tags = column_or_nulls(batch, "tags", pa.list_(pa.string()))
    from_tag = first_in(tags, vocabulary)
    config_values = as_array(config).to_numpy(zero_copy_only=False).astype(object)
    has_config = as_array(config).is_valid().to_numpy(zero_copy_only=False)
    architecture = np.where(has_config, config_values, from_tag)
    source = np.where(
        has_config,
        SOURCE_CONFIG,
        np.where(pd.isna(from_tag), SOURCE_NONE, SOURCE_TAG),
    ).astype(object)
    return architecture, source


def config_model_types(batches) -> set[str]:
    """Distinct config model types over record batches (the tag vocabulary's extension)."""
    found: set[str] = set()
    for batch in batches:
        column = decoded(column_or_nulls(batch, "config_model_type", pa.string()))
        found.update(v for v in pc.unique(column).to_pylist() if isinstance(v, str) and v)
    return found


def figure6_datasets(models: pd.DataFrame | pa.Table, paper: dict | None = None) -> pd.DataFrame:
    """The Figure 6 datasets table of a `models` frame (see the module docstring)."""
    counter = DatasetCounter()
    for batch in _batches(models, DatasetCounter.columns):
        counter.add(batch)
    return counter.table(paper)


def figure6_architectures(
    models: pd.DataFrame | pa.Table, paper: dict | None = None
) -> pd.DataFrame:
    """The Figure 6 architectures table of a `models` frame (see the module docstring)."""
    batches = list(_batches(models, ArchitectureCounter.columns))
    counter = ArchitectureCounter(config_model_types(batches))
    for batch in batches:
        counter.add(batch)
    return counter.table(paper)


def _batches(models: pd.DataFrame | pa.Table, columns: tuple[str, ...]):
    from pipeline.analyze.source import to_arrow

    if isinstance(models, pd.DataFrame):
        present = [c for c in columns if c in models.columns]
        models = to_arrow(models[present], "models")
    present = [c for c in columns if c in models.column_names]
    table = models.select(present)
    if table.num_rows == 0:
        return [pa.RecordBatch.from_pydict({c: table[c].combine_chunks() for c in present})]
    return table.to_batches()


def _share_table(
    key: str, names: list[str], models: list[int], total: int, paper: dict[str, float]
) -> pd.DataFrame:
    counts = np.asarray(models, dtype="int64")
    share = counts / total if total else np.zeros(len(counts))
    return pd.DataFrame(
        {
            key: names,
            "models": counts,
            "share": share,
            "percent": 100 * share,
            "paper_percent": [paper.get(name, np.nan) for name in names],
        }
    )


def _paper(paper: dict | None, which: str) -> dict[str, float]:
    if paper is None:
        from pipeline.paper import load_paper_numbers

        paper = load_paper_numbers()
    figure = paper.get("figure_6") if isinstance(paper, dict) else None
    key = "datasets_percent" if which == "datasets" else "architectures_percent"
    values = figure.get(key) if isinstance(figure, dict) else None
    if not isinstance(values, dict):
        return {}
    return {str(name): float(value) for name, value in values.items()}


def _kinds(top: int, extra: int) -> list[str]:
    return ["top"] * top + ["none", "other"] + ["paper"] * extra


def _source_label(from_config: int, from_tag: int) -> str:
    if from_config and from_tag:
        return "config+tag"
    if from_tag:
        return SOURCE_TAG
    return SOURCE_CONFIG if from_config else SOURCE_NONE
