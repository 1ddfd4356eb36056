"""Figure 7 of the paper: per task, models with machine-parseable claims over models.

A model has a machine-parseable claim when its model-index holds at least one metric value
(`pipeline.analyze.claims`). The evidence is, in order: the card's `model-index` (from
`card_data`), the Hub's top-level `model_index`, and, for models whose card metadata was not
stored (a tags-only listing) or could not be parsed, the Hub's `model-index` tag, which the
Hub sets on exactly those models (design.md, "Figure 7").

Only rows whose JSON text mentions "metrics" are parsed: the others cannot hold a claim.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analyze.claims import has_machine_parseable_claim, is_invalid, load_json

PAPER_TASKS: tuple[str, ...] = (
    "token-classification",
    "automatic-speech-recognition",
    "image-classification",
    "summarization",
    "text-classification",
    "translation",
    "text2text-generation",
    "object-detection",
    "multiple-choice",
    "question-answering",
    "audio-classification",
    "fill-mask",
    "sentence-similarity",
    "text-generation",
)
OTHER = "other"
TASK_ORDER: tuple[str, ...] = (*PAPER_TASKS, OTHER)
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
    _check_columns(models)
    card = _column(models, "card_data")
    top = _column(models, "model_index")
    has_json = (card.notna() | top.notna()).to_numpy()
    candidates = np.flatnonzero(_mentions(card, "metrics") | _mentions(top, "metrics"))

    claim = np.zeros(len(models), dtype=bool)
    use_tag = ~has_json
    unparseable = np.zeros(len(models), dtype=bool)
    card_values = card.iloc[candidates].to_numpy(dtype=object)
    top_values = top.iloc[candidates].to_numpy(dtype=object)
    for i, card_text, top_text in zip(candidates, card_values, top_values, strict=True):
        found, bad = _model_index(card_text, top_text)
        unparseable[i] = bad
        if found is None and bad:
            use_tag[i] = True
        else:
            claim[i] = has_machine_parseable_claim(found)

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


def _check_columns(models: pd.DataFrame) -> None:
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
