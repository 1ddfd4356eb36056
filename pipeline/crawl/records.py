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
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        return None
    return [v for v in value if isinstance(v, str)]


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
        return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False, default=str)
    except ValueError:
        return json.dumps(_finite(value), ensure_ascii=False, sort_keys=True, default=str)


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


def parse_model_record(raw: dict[str, Any]) -> dict[str, Any]:
    """One `models` row (without the provenance envelope) from a raw Hub model record.

    Raises `ValueError` only when the record has no usable `id`.
    """
    model_id = raw.get("id") or raw.get("modelId")
    if not isinstance(model_id, str) or not model_id:
        raise ValueError(f"record has no string id: {str(raw)[:200]!r}")
    tags = _str_list(raw.get("tags"))
    card = raw.get("cardData") if isinstance(raw.get("cardData"), dict) else {}
    config = raw.get("config") if isinstance(raw.get("config"), dict) else {}
    safetensors = raw.get("safetensors") if isinstance(raw.get("safetensors"), dict) else {}
    siblings = raw.get("siblings")
    spaces = raw.get("spaces")
    extra = {k: v for k, v in raw.items() if k not in _CONSUMED}
    author = _str(raw.get("author")) or (model_id.split("/", 1)[0] if "/" in model_id else None)
    return {
        "id": model_id,
        "uuid": model_uuid(model_id),
        "author": author,
        "sha": _str(raw.get("sha")),
        "created_at": parse_timestamp(raw.get("createdAt")),
        "last_modified": parse_timestamp(raw.get("lastModified")),
        "downloads": _int(raw.get("downloads")),
        "downloads_all_time": _int(raw.get("downloadsAllTime")),
        "likes": _int(raw.get("likes")),
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
        "safetensors_total": _int(safetensors.get("total")),
        "n_files": len(siblings) if isinstance(siblings, list) else None,
        "n_spaces": len(spaces) if isinstance(spaces, list) else None,
        "extra_json": _json_text(extra) if extra else None,
    }
