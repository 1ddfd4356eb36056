"""Simple per-model attribute factors, read from the `models` table alone. Pure.

They are cheap (no card text, no files, no per-model requests), so they can be compared
across any two snapshots, including listing-only ones and the live Hub's 760,000 models.
The full attribute coverage of the paper's Table I is `pipeline.analyze.coverage`; these
factors are the subset the listing can answer, defined so that a change between two
snapshots is a change on the Hub, not in our parsing:

| factor | present when |
|---|---|
| `card_data` | the card has YAML front matter (`card_data` is a non-empty JSON object) |
| `model_index` | the Hub's `model-index` tag: a model-index with a metric value (Figure 7) |
| `license` | a licence (card or `license:` tag) other than `other` / `unknown` |
| `pipeline_tag` | a task |
| `library_name` | a library |
| `base_model` | at least one base model (`base_model:` tags or the card) |
| `datasets` | at least one training dataset (card `datasets` or `dataset:` tags) |
| `arxiv` | an `arxiv:` tag (a paper) |
| `safetensors` | safetensors weights (`safetensors_total`, or the `safetensors` tag) |

A factor whose source column is not in the table is left out (not counted as absent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

UNRECOGNISED_LICENSES = frozenset({"other", "unknown", ""})

FACTOR_DESCRIPTIONS: dict[str, str] = {
    "card_data": "card has YAML front matter",
    "model_index": "model-index with a metric value (Hub tag)",
    "license": "licence other than other/unknown",
    "pipeline_tag": "task (pipeline_tag) declared",
    "library_name": "library declared",
    "base_model": "base model declared",
    "datasets": "training dataset declared",
    "arxiv": "paper (arxiv: tag)",
    "safetensors": "safetensors weights",
}
FACTORS: tuple[str, ...] = tuple(FACTOR_DESCRIPTIONS)

# The models columns each factor reads (any one of them suffices where several are listed).
FACTOR_SOURCES: dict[str, tuple[str, ...]] = {
    "card_data": ("card_data",),
    "model_index": ("tags",),
    "license": ("license",),
    "pipeline_tag": ("pipeline_tag",),
    "library_name": ("library_name",),
    "base_model": ("base_models",),
    "datasets": ("datasets",),
    "arxiv": ("tags",),
    "safetensors": ("safetensors_total", "tags"),
}
FACTOR_COLUMNS: list[str] = sorted({c for cols in FACTOR_SOURCES.values() for c in cols})


def model_factors(models: pd.DataFrame) -> pd.DataFrame:
    """Per model: `id` and one boolean column per factor whose source columns are present."""
    out = pd.DataFrame({"id": models["id"].to_numpy(dtype=object)})
    columns = set(models.columns)
    tags = models["tags"] if "tags" in columns else None

    if "card_data" in columns:
        text = models["card_data"].astype(object)
        out["card_data"] = _present(text) & ~text.isin(["{}", "null"]).to_numpy(dtype=bool)
    flags = _tag_flags(tags) if tags is not None else None
    if flags is not None:
        out["model_index"] = flags["model-index"]
    if "license" in columns:
        licence = models["license"].astype(object)
        recognised = ~licence.map(lambda v: str(v).strip().lower() in UNRECOGNISED_LICENSES)
        out["license"] = _present(licence) & recognised.to_numpy(dtype=bool)
    for name in ("pipeline_tag", "library_name"):
        if name in columns:
            out[name] = _present(models[name].astype(object))
    for factor, column in (("base_model", "base_models"), ("datasets", "datasets")):
        if column in columns:
            out[factor] = _non_empty(models[column])
    if flags is not None:
        out["arxiv"] = flags["arxiv:"]
    if "safetensors_total" in columns or tags is not None:
        shown = np.zeros(len(models), dtype=bool)
        if "safetensors_total" in columns:
            shown |= models["safetensors_total"].notna().to_numpy(dtype=bool)
        if flags is not None:
            shown |= flags["safetensors"]
        out["safetensors"] = shown
    return out


def factor_shares(factors: pd.DataFrame) -> pd.Series:
    """Share of models with each factor present (index: factor), NaN for no models."""
    present = [f for f in FACTORS if f in factors.columns]
    if factors.empty:
        return pd.Series(np.nan, index=present, dtype=float)
    return factors[present].mean().astype(float)


def _tag_flags(tags: pd.Series) -> dict[str, np.ndarray]:
    """One pass over the tag lists: `model-index`, `safetensors` tags, any `arxiv:` tag."""
    n = len(tags)
    flags = {key: np.zeros(n, dtype=bool) for key in ("model-index", "safetensors", "arxiv:")}
    for row, value in enumerate(tags):
        if not _is_list(value) or len(value) == 0:
            continue
        joined = "\n" + "\n".join(value) + "\n"
        flags["model-index"][row] = "\nmodel-index\n" in joined
        flags["safetensors"][row] = "\nsafetensors\n" in joined
        flags["arxiv:"][row] = "\narxiv:" in joined
    return flags


def _present(values: pd.Series) -> np.ndarray:
    return (values.notna() & (values.astype(str).str.strip() != "")).to_numpy(dtype=bool)


def _non_empty(values: pd.Series) -> np.ndarray:
    return np.fromiter(
        (_is_list(v) and len(v) > 0 for v in values),
        dtype=bool,
        count=len(values),
    )


def _is_list(value: object) -> bool:
    return isinstance(value, list | tuple | np.ndarray)
