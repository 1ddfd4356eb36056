"""Field vocabulary shared by the listing and model_info answers, and query-value parsing.

Pure functions. The expand values come from docs/hub-api.md §1 (listing) and §2 (model_info).
Projections only ever copy keys a record has: the replay never invents a field value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.hub.replay.wire import QueryError

# `expand` values the listing accepts (HH `list_models` docstring, docs/hub-api.md §1).
LISTING_EXPAND: frozenset[str] = frozenset(
    {
        "author", "cardData", "config", "createdAt", "disabled", "downloads", "downloadsAllTime",
        "evalResults", "gated", "gguf", "inference", "inferenceProviderMapping", "lastModified",
        "library_name", "likes", "mask_token", "model-index", "pipeline_tag", "private",
        "safetensors", "sha", "siblings", "spaces", "tags", "transformersInfo", "trendingScore",
        "widgetData", "resourceGroup",
    }
)  # fmt: skip
# Accepted by `/api/models/{id}` only; the listing answers 400 for them (§1).
INFO_ONLY_EXPAND: frozenset[str] = frozenset({"baseModels", "childrenModelCount", "usedStorage"})
INFO_EXPAND: frozenset[str] = LISTING_EXPAND | INFO_ONLY_EXPAND

# Fields a model_info answer shows only when asked with `expand` (§2), and keys shown only
# with `securityStatus=true`.
INFO_EXPAND_ONLY_FIELDS: frozenset[str] = frozenset(
    {
        "downloadsAllTime", "trendingScore", "baseModels", "childrenModelCount", "evalResults",
        "inferenceProviderMapping", "resourceGroup",
    }
)  # fmt: skip
SECURITY_FIELD = "securityRepoStatus"

TRUE_VALUES = frozenset({"true", "1"})
FALSE_VALUES = frozenset({"false", "0"})


def parse_bool(name: str, value: str) -> bool:
    """`true`/`1` or `false`/`0` (any case); anything else is a `QueryError` naming `name`."""
    lowered = value.strip().lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    raise QueryError(f"query parameter {name!r} must be true or false, got {value!r}")


def query_values(pairs: Sequence[tuple[str, str]], *names: str) -> list[str]:
    """Every value of any of `names`, in order (`expand` and `expand[]` are one parameter)."""
    return [value for key, value in pairs if key in names]


def last_value(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    """The last value given for `name`, or None."""
    values = query_values(pairs, name)
    return values[-1] if values else None


def parse_expand(
    pairs: Sequence[tuple[str, str]], allowed: frozenset[str], where: str
) -> tuple[str, ...] | None:
    """The requested `expand`/`expand[]` fields (deduplicated, in order), or None when absent.

    :raises QueryError: a value is not in `allowed`; the message names the value and `where`.
    """
    values = query_values(pairs, "expand", "expand[]")
    if not values:
        return None
    for value in values:
        if value not in allowed:
            if value in INFO_ONLY_EXPAND:
                raise QueryError(
                    f"expand value {value!r} is only accepted by /api/models/{{repo_id}}, "
                    f"not by {where}"
                )
            raise QueryError(f"invalid expand value {value!r} for {where}")
    return tuple(dict.fromkeys(values))


def rfilename_siblings(siblings: Any) -> Any:
    """Siblings reduced to `{"rfilename": ...}` (what answers show without `blobs=true`)."""
    if not isinstance(siblings, list):
        return siblings
    return [
        {"rfilename": s["rfilename"]} if isinstance(s, dict) and "rfilename" in s else s
        for s in siblings
    ]


def pick(record: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """The given keys of `record` that it has, in the given order (siblings reduced)."""
    item = {key: record[key] for key in keys if key in record}
    if "siblings" in item:
        item["siblings"] = rfilename_siblings(item["siblings"])
    return item


def expand_item(record: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """An `expand` answer: `_id`, `id` and the requested fields the record has."""
    return pick(record, ["_id", "id", *fields])
