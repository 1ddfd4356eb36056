"""Per-model evidence read from each snapshot table, for the coverage, documentation and
Table IV analyses. Each function reads record batches and returns one small row per model
(booleans and counts, no text), so memory grows with the number of models only.

Evidence sources (the names used in `*_evidence` columns):

- `api`: fields of the Hub's model record (config, Spaces using the model);
- `card_yaml`: the card's YAML front matter (`models.card_data`), and the parser's columns
  derived from it (`datasets`, `base_models`, `license`);
- `tags`: the Hub's tags of the model (`models.tags`), including `dataset:`, `arxiv:`,
  `base_model:` and the tags the Hub derives from the repository's files;
- `files`: the repository's file list (`files` table: path, weight format);
- `card_text`: the README body (`cards.body`, through `pipeline.analyze.cardtext`);
- `cards`: the crawler's card measurements (`cards.readme_status`, `cards.is_template`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.analyze.cardtext import SIGNALS, TEMPLATE_ARXIV, card_signals
from pipeline.analyze.figure7 import TASK_ORDER, assess_arrays
from pipeline.analyze.lists import (
    apply,
    as_array,
    column_or_nulls,
    decoded,
    flatten,
    is_null,
    mask,
    non_empty,
    rows_having,
    rows_having_prefix,
)
from pipeline.analyze.vocabulary import HUB_LICENSES
from pipeline.snapshot.formats import PICKLE_BASED, QUANTIZED_FORMATS, weight_format

MODEL_COLUMNS = (
    "id",
    "pipeline_tag",
    "downloads",
    "created_at",
    "tags",
    "card_data",
    "model_index",
    "config_model_type",
    "architectures",
    "base_models",
    "datasets",
    "license",
    "n_spaces",
    "n_files",
)
# Tags the Hub sets for quantised weights or formats made for constrained hardware.
QUANTIZED_TAGS = (
    "gguf",
    "ggml",
    "gptq",
    "awq",
    "exl2",
    "4-bit",
    "8-bit",
    "int8",
    "int4",
    "quantized",
    "onnx",
    "tflite",
    "coreml",
    "openvino",
    "bitsandbytes",
)
# Tags the Hub derives from weight files, one per format family (fallback without `files`).
FRAMEWORK_TAGS = (
    "pytorch",
    "tf",
    "jax",
    "safetensors",
    "onnx",
    "gguf",
    "tflite",
    "coreml",
    "keras",
    "openvino",
    "mlx",
)
_TRAINING_LOG_FILES = (
    r"(^|/)(runs|logs?|wandb|tensorboard|lightning_logs)/|tfevents|(^|/)trainer_state\.json$"
    r"|\.log$|(^|/)(train|training)_(log|results|history)[^/]*$|(^|/)all_results\.json$"
)
_TRAINING_CONFIG_FILES = (
    r"(^|/)(training_args\.bin|trainer_state\.json|hparams\.ya?ml|hyperparams?\.(ya?ml|json)"
    r"|args\.(json|ya?ml)|training_(config|args|params)[^/]*|train_config[^/]*"
    r"|finetune[^/]*\.ya?ml|adapter_config\.json)$"
)
_ENVIRONMENT_FILES = (
    r"(^|/)(dockerfile[^/]*|requirements[^/]*\.txt|environment\.ya?ml|conda[^/]*\.ya?ml"
    r"|setup\.py|setup\.cfg|pyproject\.toml|pipfile|pipfile\.lock|poetry\.lock)$"
)
_NOTEBOOK_FILES = r"\.ipynb$|(^|/)app\.py$"
_QUANTIZED_FILES = r"gptq|awq|exl2|int8|int4|(^|[-_.])q[2-8]_[0-9k]|\.gguf$|\.ggml$"


def model_evidence(batch: pa.RecordBatch, assessed: tuple | None = None) -> pd.DataFrame:
    """Per model of a `models` batch: identity, grouping keys and the evidence the models
    table holds. `assessed` is the batch's `figure7.assess_arrays` output when computed."""
    n = batch.num_rows
    ids = column_or_nulls(batch, "id", pa.string()).to_numpy(zero_copy_only=False)
    tags = column_or_nulls(batch, "tags", pa.list_(pa.string()))
    card = column_or_nulls(batch, "card_data", pa.string())
    if assessed is None:
        assessed = assess_arrays(batch)
    codes, claim, evidence, _ = assessed
    claim_from_json = claim & (evidence == 0)
    claim_from_tag = claim & (evidence == 1)
    config_type = column_or_nulls(batch, "config_model_type", pa.string())
    architectures = column_or_nulls(batch, "architectures", pa.list_(pa.string()))
    arxiv_values, arxiv_rows = flatten(tags)
    arxiv = np.zeros(n, dtype=bool)
    if len(arxiv_values):
        hit = mask(
            apply(
                arxiv_values,
                lambda v: pc.and_(
                    pc.starts_with(v, "arxiv:"), pc.not_equal(v, f"arxiv:{TEMPLATE_ARXIV}")
                ),
            )
        )
        arxiv[arxiv_rows[hit]] = True
    license_values = decoded(column_or_nulls(batch, "license", pa.string()))
    license_known = pc.fill_null(
        pc.is_in(pc.utf8_lower(license_values), value_set=pa.array(sorted(HUB_LICENSES))), False
    ).to_numpy(zero_copy_only=False)
    widget, co2, co2_hardware = _card_keys(card)
    n_spaces = column_or_nulls(batch, "n_spaces", pa.int64())
    downloads = column_or_nulls(batch, "downloads", pa.int64())
    created = column_or_nulls(batch, "created_at", pa.timestamp("ms", tz="UTC"))
    framework_tags = np.zeros(n, dtype=np.int64)
    for tag in FRAMEWORK_TAGS:
        framework_tags += rows_having(tags, [tag])
    frame = pd.DataFrame(
        {
            "id": ids,
            "task": np.asarray(TASK_ORDER, dtype=object)[codes],
            "downloads": pd.array(downloads.to_pandas(), dtype="Int64"),
            "year": pd.array(pc.year(created).to_pandas(), dtype="Int64"),
            "tags_known": ~is_null(tags),
            "card_data_present": _has_card_data(card),
            "datasets_listed": non_empty(column_or_nulls(batch, "datasets", pa.list_(pa.string()))),
            "dataset_tags": rows_having_prefix(tags, "dataset:"),
            "claim_from_json": claim_from_json,
            "claim_from_tag": claim_from_tag,
            "config_architecture": (config_type.is_valid().to_numpy(zero_copy_only=False))
            | non_empty(architectures),
            "tensorboard_tag": rows_having(tags, ["tensorboard"]),
            "arxiv_tag": arxiv,
            "base_models_listed": non_empty(
                column_or_nulls(batch, "base_models", pa.list_(pa.string()))
            ),
            "base_model_tags": rows_having_prefix(tags, "base_model:"),
            "widget": widget,
            "spaces": pc.fill_null(pc.greater(n_spaces, 0), False).to_numpy(zero_copy_only=False),
            "spaces_known": n_spaces.is_valid().to_numpy(zero_copy_only=False),
            "quantized_tag": rows_having(tags, list(QUANTIZED_TAGS)),
            "framework_tags": framework_tags,
            "license_recognised": license_known,
            "license_present": license_values.is_valid().to_numpy(zero_copy_only=False),
            "co2": co2,
            "co2_hardware": co2_hardware,
            "n_files": pd.array(column_or_nulls(batch, "n_files", pa.int64()).to_pandas(), "Int64"),
        }
    )
    return frame


def quantized_bases(batch: pa.RecordBatch) -> set[str]:
    """Models named by another model's `base_model:quantized:<id>` tag (they have quantised
    variants on the Hub)."""
    values, _ = flatten(column_or_nulls(batch, "tags", pa.list_(pa.string())))
    if not len(values):
        return set()
    prefix = "base_model:quantized:"
    hits = decoded(values).filter(mask(apply(values, lambda v: pc.starts_with(v, prefix))))
    return {v[len(prefix) :] for v in hits.to_pylist() if v}


def file_evidence(batches) -> pd.DataFrame:
    """Per model with at least one `files` row: `n_file_rows`, `weight_formats` (sorted, `;`
    joined), `n_weight_formats`, `pickle_only`, and the file signals `training_log_files`,
    `training_config_files`, `environment_files`, `notebook_files`, `quantized_files`.

    The weight format is `files.format` where the crawler decided it (`is_weight` not null),
    else `weight_format(path)`."""
    parts = []
    for batch in batches:
        model = column_or_nulls(batch, "model_id", pa.string())
        path = column_or_nulls(batch, "path", pa.string())
        stored = column_or_nulls(batch, "format", pa.string())
        decided = column_or_nulls(batch, "is_weight", pa.bool_()).is_valid()
        formats = stored.to_numpy(zero_copy_only=False).astype(object)
        undecided = np.flatnonzero(~decided.to_numpy(zero_copy_only=False))
        if len(undecided):
            paths = path.take(pa.array(undecided)).to_pylist()
            formats[undecided] = [weight_format(p) if p else None for p in paths]
        lowered = pc.utf8_lower(path)

        def matches(pattern: str, column: pa.Array = lowered) -> np.ndarray:
            return pc.fill_null(pc.match_substring_regex(column, pattern), False).to_numpy(
                zero_copy_only=False
            )

        parts.append(
            pd.DataFrame(
                {
                    "id": model.to_numpy(zero_copy_only=False),
                    "format": formats,
                    "training_log_files": matches(_TRAINING_LOG_FILES),
                    "training_config_files": matches(_TRAINING_CONFIG_FILES),
                    "environment_files": matches(_ENVIRONMENT_FILES),
                    "notebook_files": matches(_NOTEBOOK_FILES),
                    "quantized_files": matches(_QUANTIZED_FILES),
                }
            )
        )
    if not parts:
        return _empty_files()
    rows = pd.concat(parts, ignore_index=True)
    rows = rows[rows["id"].notna()]
    flags = rows.groupby("id", sort=False)[
        [
            "training_log_files",
            "training_config_files",
            "environment_files",
            "notebook_files",
            "quantized_files",
        ]
    ].any()
    flags["n_file_rows"] = rows.groupby("id", sort=False).size()
    weights = rows.dropna(subset=["format"]).drop_duplicates(["id", "format"])
    by_model = weights.groupby("id", sort=False)["format"]
    formats = by_model.agg(lambda values: ";".join(sorted(values)))
    flags["weight_formats"] = formats.reindex(flags.index).fillna("")
    flags["n_weight_formats"] = by_model.size().reindex(flags.index).fillna(0).astype("int64")
    pickle = weights.assign(pickled=weights["format"].isin(PICKLE_BASED))
    pickle_only = pickle.groupby("id", sort=False)["pickled"].all()
    flags["pickle_only"] = pickle_only.reindex(flags.index).fillna(False).astype(bool)
    quantized_format = weights[weights["format"].isin(QUANTIZED_FORMATS)]["id"].unique()
    flags["quantized_files"] = flags["quantized_files"] | flags.index.isin(quantized_format)
    return flags


def card_evidence(batches) -> pd.DataFrame:
    """Per model with a `cards` row: `readme_status`, `is_template`, `has_body`, and one
    column `text_<signal>` per card-text signal (NA when the body is not stored)."""
    parts = []
    for batch in batches:
        ids = column_or_nulls(batch, "model_id", pa.string()).to_numpy(zero_copy_only=False)
        status = column_or_nulls(batch, "readme_status", pa.string()).to_numpy(zero_copy_only=False)
        template = column_or_nulls(batch, "is_template", pa.bool_()).to_pandas()
        bodies = column_or_nulls(batch, "body", pa.string())
        has_body = bodies.is_valid().to_numpy(zero_copy_only=False)
        signals = {name: np.full(len(ids), None, dtype=object) for name in SIGNALS}
        present = np.flatnonzero(has_body)
        if len(present):
            texts = bodies.take(pa.array(present)).to_pylist()
            for row, text in zip(present, texts, strict=True):
                for name, value in card_signals(text).items():
                    signals[name][row] = value
        frame = pd.DataFrame(
            {
                "id": ids,
                "readme_status": status,
                "is_template": pd.array(template, dtype="boolean"),
                "has_body": has_body,
                **{f"text_{n}": pd.array(v, dtype="boolean") for n, v in signals.items()},
            }
        )
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=["readme_status", "is_template", "has_body"]).rename_axis("id")
    cards = pd.concat(parts, ignore_index=True)
    cards = cards[cards["id"].notna()].drop_duplicates("id", keep="last")
    return cards.set_index("id")


def _has_card_data(card: pa.Array) -> np.ndarray:
    """Card metadata present: not null, and not an empty mapping (`{}`)."""
    stripped = pc.utf8_trim_whitespace(as_array(card))
    empty = pc.fill_null(pc.is_in(stripped, value_set=pa.array(["{}", "null", ""])), False)
    return (card.is_valid().to_numpy(zero_copy_only=False)) & ~empty.to_numpy(zero_copy_only=False)


def _card_keys(card: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of `card_data`: has a non-empty `widget`, a `co2_eq_emissions`, and a
    `co2_eq_emissions.hardware_used`. Only rows whose text mentions the key are parsed."""
    n = len(card)
    widget = np.zeros(n, dtype=bool)
    co2 = np.zeros(n, dtype=bool)
    hardware = np.zeros(n, dtype=bool)
    if card.null_count == n:
        return widget, co2, hardware
    card = as_array(card)
    mentions = pc.fill_null(
        pc.or_(pc.match_substring(card, '"widget"'), pc.match_substring(card, "co2_eq_emissions")),
        False,
    ).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(mentions)
    if not len(rows):
        return widget, co2, hardware
    for row, text in zip(rows, card.take(pa.array(rows)).to_pylist(), strict=True):
        try:
            data = json.loads(text)
        except (TypeError, ValueError, RecursionError):
            continue
        if not isinstance(data, dict):
            continue
        widget[row] = bool(data.get("widget"))
        emissions = data.get("co2_eq_emissions")
        co2[row] = emissions not in (None, "", [], {})
        hardware[row] = isinstance(emissions, dict) and bool(emissions.get("hardware_used"))
    return widget, co2, hardware


def _empty_files() -> pd.DataFrame:
    columns = {
        "training_log_files": "bool",
        "training_config_files": "bool",
        "environment_files": "bool",
        "notebook_files": "bool",
        "quantized_files": "bool",
        "n_file_rows": "int64",
        "weight_formats": "object",
        "n_weight_formats": "int64",
        "pickle_only": "bool",
    }
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()}).rename_axis("id")
