"""Figure 7 of the paper: per task, models with machine-parseable claims over models.

A model has a machine-parseable claim when its model-index holds at least one metric value
(`pipeline.analyze.claims`). The evidence is, in order: the card's `model-index` (from
`card_data`), the Hub's top-level `model_index`, and, for models whose card metadata was not
stored (a tags-only listing) or could not be parsed, the Hub's `model-index` tag, which the
Hub sets on exactly those models (design.md, "Figure 7").

Only rows whose JSON text mentions "metrics" are parsed: the others cannot hold a claim.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.analyze.claims import has_machine_parseable_claim, is_invalid, load_json
from pipeline.analyze.lists import apply, column_or_nulls, is_null, rows_having
from pipeline.paper import OTHER, PAPER_TASKS, TASK_ORDER

COLUMNS: tuple[str, ...] = ("task", "models_with_claims", "models", "share")
CLAIM_TAG = "model-index"

# Evidence a model's claim was decided from (column `evidence` of `assess_models`).
EVIDENCE_MODEL_INDEX = "model-index"  # card data / top-level model-index JSON
EVIDENCE_TAG = "tag"  # no usable JSON: the Hub's `model-index` tag
EVIDENCE_NONE = "none"  # neither JSON nor tags: counted as no claim

_PAPER_TASK_SET = frozenset(PAPER_TASKS)


def task_of(pipeline_tag: object) -> str:
    """The paper task for a `pipeline_tag`, or "other" (also for null and junk)."""
    return (
        pipeline_tag if isinstance(pipeline_tag, str) and pipeline_tag in _PAPER_TASK_SET else OTHER
    )


def assess_models(models: pd.DataFrame) -> pd.DataFrame:
    """Per model (same index as `models`): `task`, `claim` (bool), `evidence`, `unparseable`.

    Needs `pipeline_tag` and at least one of `card_data`, `model_index`, `tags`; missing
    values and junk never raise. `unparseable` marks rows whose JSON text could hold a claim
    but is not valid JSON (their claim then comes from the tag)."""
    if len(models) == 0:
        return _empty_assessment(models.index)
    check_models_columns(models)
    card = _column(models, "card_data")
    top = _column(models, "model_index")
    has_json = (card.notna() | top.notna()).to_numpy()
    candidates = np.flatnonzero(_mentions(card, "metrics") | _mentions(top, "metrics"))

    claim = np.zeros(len(models), dtype=bool)
    use_tag = ~has_json
    unparseable = np.zeros(len(models), dtype=bool)
    card_values = card.iloc[candidates].to_numpy(dtype=object)
    top_values = top.iloc[candidates].to_numpy(dtype=object)
    _decide_claims(candidates, card_values, top_values, claim, use_tag, unparseable)

    tagged = np.flatnonzero(use_tag)
    tags = _column(models, "tags").iloc[tagged]
    claim[tagged], no_tags = _tag_flags(tags, CLAIM_TAG)
    evidence = np.full(len(models), EVIDENCE_MODEL_INDEX, dtype=object)
    evidence[tagged] = np.where(no_tags, EVIDENCE_NONE, EVIDENCE_TAG)
    return pd.DataFrame(
        {
            "task": _tasks(models["pipeline_tag"]),
            "claim": claim,
            "evidence": evidence,
            "unparseable": unparseable,
        },
        index=models.index,
    )


def figure7_table(models: pd.DataFrame) -> pd.DataFrame:
    """One row per paper task plus "other" (always 15, paper order): `task`,
    `models_with_claims`, `models`, `share` (0.0 when a task has no models)."""
    return figure7_from_assessment(assess_models(models))


def figure7_from_assessment(assessed: pd.DataFrame) -> pd.DataFrame:
    """The Figure 7 table from the output of `assess_models`."""
    task = pd.Categorical(assessed["task"], categories=list(TASK_ORDER))
    grouped = (
        pd.DataFrame({"task": task, "claim": assessed["claim"].astype(bool).to_numpy()})
        .groupby("task", observed=False)["claim"]
        .agg(["sum", "size"])
        .reindex(list(TASK_ORDER), fill_value=0)
    )
    with_claims = grouped["sum"].to_numpy(dtype="int64")
    counts = grouped["size"].to_numpy(dtype="int64")
    share = np.divide(with_claims, counts, out=np.zeros(len(counts), dtype=float), where=counts > 0)
    return pd.DataFrame(
        {
            "task": list(TASK_ORDER),
            "models_with_claims": with_claims,
            "models": counts,
            "share": share,
        }
    )


def figure7_diagnostics(models: pd.DataFrame) -> dict[str, int]:
    """Counts that qualify Figure 7 (see `diagnostics_from_assessment`)."""
    return diagnostics_from_assessment(assess_models(models))


def diagnostics_from_assessment(assessed: pd.DataFrame) -> dict[str, int]:
    """`models`, `models_with_claims`, how many were decided from the model-index JSON, from
    the tag alone (and how many of those have claims), from nothing (`no_metadata`), and
    `unparseable_json`."""
    evidence = assessed["evidence"]
    return {
        "models": len(assessed),
        "models_with_claims": int(assessed["claim"].sum()),
        "decided_by_model_index": int((evidence == EVIDENCE_MODEL_INDEX).sum()),
        "decided_by_tag": int((evidence == EVIDENCE_TAG).sum()),
        "claims_by_tag": int((assessed["claim"] & (evidence == EVIDENCE_TAG)).sum()),
        "no_metadata": int((evidence == EVIDENCE_NONE).sum()),
        "unparseable_json": int(assessed["unparseable"].sum()),
    }


def _decide_claims(
    candidates: np.ndarray,
    card_values: Any,
    top_values: Any,
    claim: np.ndarray,
    use_tag: np.ndarray,
    unparseable: np.ndarray,
) -> None:
    """For rows whose JSON mentions metrics: a claim from the model-index, or, when the
    JSON cannot be parsed, fall back to the tag (the arrays are updated in place)."""
    for i, card_text, top_text in zip(candidates, card_values, top_values, strict=True):
        found, bad = _model_index(card_text, top_text)
        unparseable[i] = bad
        if found is None and bad:
            use_tag[i] = True
        else:
            claim[i] = has_machine_parseable_claim(found)


def check_models_columns(models: pd.DataFrame) -> None:
    """`ValueError` naming what Figure 7 needs when a models table lacks it."""
    if "pipeline_tag" not in models.columns:
        raise ValueError("models table has no 'pipeline_tag' column (needed for Figure 7)")
    if not {"card_data", "model_index", "tags"} & set(models.columns):
        raise ValueError(
            "models table has none of the columns 'card_data', 'model_index', 'tags' "
            "(needed to find machine-parseable claims)"
        )


def _empty_assessment(index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "task": pd.Series([], dtype=object),
            "claim": pd.Series([], dtype=bool),
            "evidence": pd.Series([], dtype=object),
            "unparseable": pd.Series([], dtype=bool),
        },
        index=index[:0],
    )


def _column(models: pd.DataFrame, name: str) -> pd.Series:
    if name in models.columns:
        return models[name]
    return pd.Series([None] * len(models), index=models.index, dtype=object)


def _mentions(column: pd.Series, word: str) -> np.ndarray:
    """Vectorised: does the value (as text) contain `word`? Null -> False."""
    if column.isna().all():
        return np.zeros(len(column), dtype=bool)
    text = column if pd.api.types.is_string_dtype(column.dtype) else column.astype("string")
    return text.str.contains(word, regex=False).fillna(False).to_numpy(dtype=bool)


def _model_index(card_text: object, top_text: object) -> tuple[object, bool]:
    """(model-index or None, whether JSON text consulted was invalid). As `model_index_of`,
    but the top-level text is parsed only when the card has no model-index."""
    card = load_json(card_text)
    if isinstance(card, dict) and card.get("model-index") is not None:
        return card["model-index"], False
    top = load_json(top_text)
    bad = is_invalid(card) or is_invalid(top)
    return (None if is_invalid(top) else top), bad


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, float) and value != value  # NaN


def _tag_flags(tags: pd.Series, tag: str) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a `tags` column: (holds `tag`, tags missing). Vectorised via explode."""
    positions = pd.Series(tags.to_numpy(dtype=object), dtype=object)
    missing = positions.isna().to_numpy(dtype=bool)
    try:
        exploded = positions.explode()
        hits = (exploded == tag).groupby(level=0).any()
        has = hits.reindex(positions.index, fill_value=False).to_numpy(dtype=bool)
    except (TypeError, ValueError):  # junk that explode/compare cannot take
        has = np.array([_has_tag(value, tag) for value in positions], dtype=bool)
    return has & ~missing, missing


def _has_tag(tags: object, tag: str) -> bool:
    if _is_missing(tags):
        return False
    if isinstance(tags, str):
        return tags == tag
    try:
        return any(isinstance(t, str) and t == tag for t in tags)  # list, tuple, array
    except TypeError:
        return False


def _tasks(pipeline_tags: pd.Series) -> np.ndarray:
    try:
        known = pipeline_tags.isin(_PAPER_TASK_SET).to_numpy(dtype=bool)
    except TypeError:  # unhashable junk values
        return np.array([task_of(v) for v in pipeline_tags], dtype=object)
    return np.where(known, pipeline_tags.to_numpy(dtype=object), OTHER)


# --- Arrow path: the same assessment over record batches (used on snapshots) ------------


def assess_batch(batch: pa.RecordBatch | pa.Table) -> pd.DataFrame:
    """`assess_models` for an Arrow batch of the `models` table (same rules, same output
    columns, index 0..n-1). Tag membership and the "metrics" pre-filter run in Arrow, so a
    tags-only listing of hundreds of thousands of models is assessed without pandas lists."""
    if batch.num_rows == 0:
        return _empty_assessment(pd.RangeIndex(0))
    codes, claim, evidence, unparseable = assess_arrays(batch)
    return pd.DataFrame(
        {
            "task": np.asarray(TASK_ORDER, dtype=object)[codes],
            "claim": claim,
            "evidence": np.asarray(_EVIDENCE_ORDER, dtype=object)[evidence],
            "unparseable": unparseable,
        }
    )


def assess_arrays(
    batch: pa.RecordBatch | pa.Table,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The assessment as NumPy arrays: (task code = index in `TASK_ORDER`, claim, evidence
    code = index in (model-index, tag, none), unparseable)."""
    n = batch.num_rows
    names = batch.schema.names
    if "pipeline_tag" not in names:
        raise ValueError("models table has no 'pipeline_tag' column (needed for Figure 7)")
    if not {"card_data", "model_index", "tags"} & set(names):
        raise ValueError(
            "models table has none of the columns 'card_data', 'model_index', 'tags' "
            "(needed to find machine-parseable claims)"
        )
    card = column_or_nulls(batch, "card_data", pa.string())
    top = column_or_nulls(batch, "model_index", pa.string())
    has_json = (card.is_valid().to_numpy(zero_copy_only=False)) | (
        top.is_valid().to_numpy(zero_copy_only=False)
    )
    candidates = np.flatnonzero(_arrow_mentions(card, "metrics") | _arrow_mentions(top, "metrics"))
    claim = np.zeros(n, dtype=bool)
    use_tag = ~has_json
    unparseable = np.zeros(n, dtype=bool)
    if len(candidates):
        index = pa.array(candidates)
        card_values = card.take(index).to_pylist()
        top_values = top.take(index).to_pylist()
        _decide_claims(candidates, card_values, top_values, claim, use_tag, unparseable)
    tags = column_or_nulls(batch, "tags", pa.list_(pa.string()))
    has_tag = rows_having(tags, [CLAIM_TAG])
    no_tags = is_null(tags)
    claim = np.where(use_tag, has_tag & ~no_tags, claim)
    evidence = np.zeros(n, dtype=np.int8)  # model-index
    evidence[use_tag & ~no_tags] = 1  # tag
    evidence[use_tag & no_tags] = 2  # none
    codes = task_codes(column_or_nulls(batch, "pipeline_tag", pa.string()))
    return codes, claim, evidence, unparseable


def task_codes(pipeline_tags: pa.Array) -> np.ndarray:
    """Index in `TASK_ORDER` per row of an Arrow `pipeline_tag` column (other: last)."""
    codes = apply(pipeline_tags, lambda v: pc.index_in(v, value_set=_PAPER_TASK_ARRAY))
    codes = pc.fill_null(codes, len(PAPER_TASKS))
    return codes.to_numpy(zero_copy_only=False).astype(np.intp, copy=False)


def arrow_tasks(pipeline_tags: pa.Array) -> np.ndarray:
    """Paper task per row of an Arrow `pipeline_tag` column ("other" for null/unknown)."""
    return np.asarray(TASK_ORDER, dtype=object)[task_codes(pipeline_tags)]


class Figure7Counter:
    """Accumulates the Figure 7 table and its diagnostics over record batches."""

    columns = ("pipeline_tag", "tags", "card_data", "model_index")

    def __init__(self) -> None:
        size = len(TASK_ORDER)
        self._models = np.zeros(size, dtype=np.int64)
        self._claims = np.zeros(size, dtype=np.int64)
        self._evidence = np.zeros(3, dtype=np.int64)
        self._claims_by_tag = 0
        self._unparseable = 0

    def add(self, batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Count a batch; returns its `assess_arrays` output for reuse."""
        assessed = assess_arrays(batch)
        codes, claim, evidence, unparseable = assessed
        size = len(TASK_ORDER)
        self._models += np.bincount(codes, minlength=size)
        self._claims += np.bincount(codes[claim], minlength=size)
        self._evidence += np.bincount(evidence, minlength=3)
        self._claims_by_tag += int((claim & (evidence == 1)).sum())
        self._unparseable += int(unparseable.sum())
        return assessed

    def table(self) -> pd.DataFrame:
        counts, with_claims = self._models, self._claims
        share = np.divide(
            with_claims, counts, out=np.zeros(len(counts), dtype=float), where=counts > 0
        )
        return pd.DataFrame(
            {
                "task": list(TASK_ORDER),
                "models_with_claims": with_claims,
                "models": counts,
                "share": share,
            }
        )

    def diagnostics(self) -> dict[str, int]:
        return {
            "models": int(self._models.sum()),
            "models_with_claims": int(self._claims.sum()),
            "decided_by_model_index": int(self._evidence[0]),
            "decided_by_tag": int(self._evidence[1]),
            "claims_by_tag": self._claims_by_tag,
            "no_metadata": int(self._evidence[2]),
            "unparseable_json": self._unparseable,
        }


def _arrow_mentions(column: pa.Array, word: str) -> np.ndarray:
    if column.null_count == len(column):
        return np.zeros(len(column), dtype=bool)
    hits = pc.fill_null(pc.match_substring(column, word), False)
    return hits.to_numpy(zero_copy_only=False)


_PAPER_TASK_ARRAY = pa.array(PAPER_TASKS, type=pa.string())
_EVIDENCE_ORDER = (EVIDENCE_MODEL_INDEX, EVIDENCE_TAG, EVIDENCE_NONE)
