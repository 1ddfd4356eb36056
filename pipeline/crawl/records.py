"""Parse raw Hub model JSON (listing item or model_info) into a `models` row. Pure.

Tolerant in the way of huggingface_hub's `ModelInfo`: known keys are popped into typed
columns, unknown keys are kept in `extra_json`, and a value of an unexpected shape becomes
null rather than an exception, so that one odd record never aborts a page. Card data and
model-index are kept as JSON text exactly as received; the analyses interpret them.

Field meanings (docs/hub-api.md §1): `downloads` counts the last 30 days, `downloads_all_time`
the whole life of the repo; `created_at` is never earlier than 2022-03-02T23:29:04Z, the
date the Hub started recording creation times.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import UTC, datetime
from typing import Any

# Keys of the raw record that map to columns (or are deliberately dropped as duplicates).
_CONSUMED = {
    "_id",
    "id",
    "modelId",
    "author",
    "sha",
    "createdAt",
    "lastModified",
    "downloads",
    "downloadsAllTime",
    "likes",
    "trendingScore",
    "pipeline_tag",
    "library_name",
    "tags",
    "gated",
    "private",
    "disabled",
    "cardData",
    "model-index",
    "config",
    "safetensors",
    "siblings",
    "spaces",
}


def model_uuid(model_id: str) -> str:
    """A stable identity for a model across snapshots (sha1 of `hf:model:<id>`)."""
    return hashlib.sha1(f"hf:model:{model_id}".encode()).hexdigest()


def parse_timestamp(value: Any) -> datetime | None:
    """ISO-8601 (`2023-03-30T11:11:03.000Z`) to an aware UTC datetime; junk gives None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # impossible dates, offsets past year 1 or 9999
        return None


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def int64_or_none(value: Any) -> int | None:
    """An int64 value, or None (bools, non-integral or non-finite floats, out of range)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
        return value
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        return None
    return number if math.isfinite(number) else None


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """`value` with lone surrogates (valid in JSON, not in UTF-8) replaced by U+FFFD."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)
    return value


def _str(value: Any) -> str | None:
    return clean_text(value) if isinstance(value, str) and value else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [clean_text(value)]
    if not isinstance(value, list):
        return None
    return [clean_text(v) for v in value if isinstance(v, str)]


def _finite(value: Any) -> Any:
    """The same JSON value with NaN and infinities (which `json.loads` accepts) made null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False, default=str)
    except ValueError:
        text = json.dumps(_finite(value), ensure_ascii=False, sort_keys=True, default=str)
    return clean_text(text)


def _tag_values(tags: list[str] | None, prefix: str) -> list[str]:
    return [t[len(prefix) :] for t in tags or [] if t.startswith(prefix)]


def _gated(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _str(value)


def base_models_of(tags: list[str] | None, card: dict[str, Any]) -> list[str]:
    """Base models from `base_model:[relation:]X` tags, else the card's `base_model`."""
    found = []
    for value in _tag_values(tags, "base_model:"):
        relation, _, rest = value.partition(":")
        found.append(rest if rest and relation in _RELATIONS else value)
    if not found:
        found = _str_list(card.get("base_model")) or []
    return list(dict.fromkeys(found))


_RELATIONS = {"adapter", "merge", "quantized", "finetune"}


def datasets_of(tags: list[str] | None, card: dict[str, Any]) -> list[str]:
    """Training datasets: the union of the card's `datasets` and the `dataset:` tags."""
    from_card = _str_list(card.get("datasets")) or []
    return list(dict.fromkeys([*from_card, *_tag_values(tags, "dataset:")]))


def license_of(tags: list[str] | None, card: dict[str, Any]) -> str | None:
    licence = card.get("license")
    if isinstance(licence, list):
        licence = next((x for x in licence if isinstance(x, str)), None)
    return _str(licence) or next(iter(_tag_values(tags, "license:")), None)


# Columns whose raw value, when present but unusable (wrong type, beyond int64, not finite,
# an impossible date), is stored as null, named in `invalid_fields` and kept as received
# in `extra_json` under its own key.
_CHECKED_FIELDS = {
    "sha": "sha",
    "created_at": "createdAt",
    "last_modified": "lastModified",
    "downloads": "downloads",
    "downloads_all_time": "downloadsAllTime",
    "likes": "likes",
    "trending_score": "trendingScore",
    "pipeline_tag": "pipeline_tag",
    "library_name": "library_name",
    "private": "private",
    "disabled": "disabled",
}


def _unusable(raw: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """Raw fields that were present (and not empty) but did not fit their column."""
    found = {
        key: raw[key]
        for column, key in _CHECKED_FIELDS.items()
        if raw.get(key) not in (None, "") and row[column] is None
    }
    safetensors = raw.get("safetensors")
    total = safetensors.get("total") if isinstance(safetensors, dict) else None
    if total is not None and row["safetensors_total"] is None:
        found["safetensors"] = safetensors
    return found


def parse_model_record(raw: dict[str, Any]) -> dict[str, Any]:
    """One `models` row (without the provenance envelope) from a raw Hub model record.

    Values that do not fit their column become null, never clamped; `invalid_fields` names
    them and `extra_json` keeps them as received. Raises `ValueError` only when the record
    has no usable `id`.
    """
    model_id = raw.get("id") or raw.get("modelId")
    if not isinstance(model_id, str) or not model_id:
        raise ValueError(f"record has no string id: {str(raw)[:200]!r}")
    if clean_text(model_id) != model_id:
        raise ValueError(f"record id is not valid Unicode text: {model_id!r}")
    tags = _str_list(raw.get("tags"))
    card = raw.get("cardData") if isinstance(raw.get("cardData"), dict) else {}
    config = raw.get("config") if isinstance(raw.get("config"), dict) else {}
    safetensors = raw.get("safetensors") if isinstance(raw.get("safetensors"), dict) else {}
    siblings = raw.get("siblings")
    spaces = raw.get("spaces")
    author = _str(raw.get("author")) or (model_id.split("/", 1)[0] if "/" in model_id else None)
    row = {
        "id": model_id,
        "uuid": model_uuid(model_id),
        "author": author,
        "sha": _str(raw.get("sha")),
        "created_at": parse_timestamp(raw.get("createdAt")),
        "last_modified": parse_timestamp(raw.get("lastModified")),
        "downloads": int64_or_none(raw.get("downloads")),
        "downloads_all_time": int64_or_none(raw.get("downloadsAllTime")),
        "likes": int64_or_none(raw.get("likes")),
        "trending_score": _float(raw.get("trendingScore")),
        "pipeline_tag": _str(raw.get("pipeline_tag")),
        "library_name": _str(raw.get("library_name")),
        "tags": tags,
        "gated": _gated(raw.get("gated")),
        "private": _bool(raw.get("private")),
        "disabled": _bool(raw.get("disabled")),
        "card_data": _json_text(raw.get("cardData")),
        "model_index": _json_text(raw.get("model-index")),
        "config_model_type": _str(config.get("model_type")),
        "architectures": _str_list(config.get("architectures")),
        "base_models": base_models_of(tags, card),
        "datasets": datasets_of(tags, card),
        "license": license_of(tags, card),
        "safetensors_total": int64_or_none(safetensors.get("total")),
        "n_files": len(siblings) if isinstance(siblings, list) else None,
        "n_spaces": len(spaces) if isinstance(spaces, list) else None,
    }
    unusable = _unusable(raw, row)
    extra = {k: v for k, v in raw.items() if k not in _CONSUMED} | unusable
    row["extra_json"] = _json_text(extra) if extra else None
    row["invalid_fields"] = sorted(unusable) or None
    return row
