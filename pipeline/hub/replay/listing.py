"""`GET /api/models` as pure functions: parse the query, filter, sort, project, paginate.

Semantics follow docs/hub-api.md §1 and §11.1. Choices where the Hub is undocumented:

- repeated `search` values must all match (case-insensitive substrings of the id);
- `gated=true|false` only selects records whose `gated` was recorded (unknown is neither);
- `sort` is descending (`direction=1` gives ascending); records missing the sort field come
  last; ties keep the stored order; without `sort` the stored order is kept;
- `expand` wins over `full` / `cardData` / `config` when a client sends both;
- filters the replay cannot evaluate from recorded data (`inference`, `apps`, ...) answer 400
  rather than being silently ignored;
- the cursor is an opaque url-safe base64 token of an offset into the filtered, sorted list.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pipeline.hub.replay.fields import (
    INFO_ONLY_EXPAND,
    LISTING_EXPAND,
    SECURITY_FIELD,
    expand_item,
    last_value,
    parse_bool,
    parse_expand,
    pick,
    query_values,
)
from pipeline.hub.replay.wire import QueryError

DEFAULT_LIMIT = 1000
MAX_LIMIT = 1000
SORT_FIELDS = ("createdAt", "downloads", "likes", "lastModified", "trendingScore", "id")
DEFAULT_ITEM_KEYS = (
    "_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
    "library_name", "createdAt", "modelId",
)  # fmt: skip
FULL_EXCLUDED = frozenset({"cardData", "config", SECURITY_FIELD, *INFO_ONLY_EXPAND})
UNSUPPORTED_FILTERS = ("inference", "inference_provider", "apps", "num_parameters")
WHERE = "/api/models"


@dataclass(frozen=True)
class ListingQuery:
    """A parsed listing query (see `parse_listing_query`)."""

    search: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    pipeline_tag: str | None = None
    gated: bool | None = None
    sort: str | None = None
    descending: bool = True
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    full: bool = False
    card_data: bool = False
    config: bool = False
    expand: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ListingPage:
    """One page of the listing: the projected items and the absolute next-page URL (or None)."""

    items: list[dict[str, Any]]
    next_url: str | None


def encode_cursor(offset: int) -> str:
    """The opaque cursor for a page starting at `offset`."""
    raw = json.dumps({"offset": offset}, separators=(",", ":")).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset in a cursor made by `encode_cursor`; a `QueryError` naming it otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        offset = json.loads(raw)["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise QueryError(f"invalid cursor {cursor!r}") from error
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise QueryError(f"invalid cursor {cursor!r}")
    return offset


def parse_limit(value: str | None) -> int:
    """`limit` as a positive int capped at `MAX_LIMIT` (default `DEFAULT_LIMIT`)."""
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 1:
        raise QueryError(f"query parameter 'limit' must be a positive integer, got {value!r}")
    return min(limit, MAX_LIMIT)


def parse_listing_query(pairs: Sequence[tuple[str, str]]) -> ListingQuery:
    """Parse the listing's query pairs (repeated keys allowed). Unknown keys are ignored.

    :raises QueryError: a value is invalid; the message names the parameter.
    """
    for name in UNSUPPORTED_FILTERS:
        if query_values(pairs, name):
            raise QueryError(
                f"query parameter {name!r} is not supported by the replay Hub: "
                "the recorded data cannot answer it"
            )
    sort = last_value(pairs, "sort")
    if sort is not None and sort not in SORT_FIELDS:
        raise QueryError(f"invalid sort {sort!r}; expected one of {', '.join(SORT_FIELDS)}")
    direction = last_value(pairs, "direction")
    if direction not in (None, "-1", "1"):
        raise QueryError(f"query parameter 'direction' must be -1 or 1, got {direction!r}")
    gated = last_value(pairs, "gated")
    cursor = last_value(pairs, "cursor")
    return ListingQuery(
        search=tuple(v.lower() for v in query_values(pairs, "search") if v),
        authors=tuple(v.lower() for v in query_values(pairs, "author") if v),
        filters=tuple(v for v in query_values(pairs, "filter") if v),
        pipeline_tag=last_value(pairs, "pipeline_tag") or None,
        gated=None if gated is None else parse_bool("gated", gated),
        sort=sort,
        descending=direction != "1",
        limit=parse_limit(last_value(pairs, "limit")),
        offset=0 if cursor is None else decode_cursor(cursor),
        full=_flag(pairs, "full"),
        card_data=_flag(pairs, "cardData"),
        config=_flag(pairs, "config"),
        expand=parse_expand(pairs, LISTING_EXPAND, WHERE),
    )


def _flag(pairs: Sequence[tuple[str, str]], name: str) -> bool:
    value = last_value(pairs, name)
    return False if value is None else parse_bool(name, value)


def namespace(record: dict[str, Any]) -> str | None:
    """The id's namespace (`author`), or the recorded `author` for a legacy id without one."""
    model_id = record["id"]
    return model_id.split("/", 1)[0] if "/" in model_id else record.get("author")


def matches(record: dict[str, Any], query: ListingQuery) -> bool:
    """Whether a record passes every filter of the query (private records never do)."""
    if record.get("private") is True:
        return False
    if query.search:
        lowered_id = record["id"].lower()
        if not all(term in lowered_id for term in query.search):
            return False
    if query.authors and (namespace(record) or "").lower() not in query.authors:
        return False
    if query.filters:
        labels = set(record.get("tags") or ())
        labels.update(v for v in (record.get("pipeline_tag"), record.get("library_name")) if v)
        if not all(value in labels for value in query.filters):
            return False
    if query.pipeline_tag is not None and record.get("pipeline_tag") != query.pipeline_tag:
        return False
    if query.gated is not None:
        if "gated" not in record:
            return False
        if bool(record["gated"]) != query.gated:
            return False
    return True


def select_models(records: Sequence[dict[str, Any]], query: ListingQuery) -> list[dict[str, Any]]:
    """The records passing the filters, sorted as asked (missing values last, ties stable)."""
    selected = [record for record in records if matches(record, query)]
    if query.sort is None:
        return selected
    field = query.sort
    present = [r for r in selected if r.get(field) is not None]
    missing = [r for r in selected if r.get(field) is None]
    present.sort(key=lambda record: record[field], reverse=query.descending)
    return present + missing


def project_item(record: dict[str, Any], query: ListingQuery) -> dict[str, Any]:
    """One listing item: the default fields, `full`, `cardData`/`config`, or only `expand`."""
    if query.expand is not None:
        return expand_item(record, query.expand)
    if query.full:
        item = pick(record, [key for key in record if key not in FULL_EXCLUDED])
    else:
        item = pick(record, DEFAULT_ITEM_KEYS)
    if query.card_data and "cardData" in record:
        item["cardData"] = record["cardData"]
    if query.config and "config" in record:
        item["config"] = record["config"]
    return item


def next_page_url(base_url: str, pairs: Sequence[tuple[str, str]], offset: int) -> str:
    """The absolute URL of the page at `offset`: the original query plus a fresh `cursor`."""
    kept = [(key, value) for key, value in pairs if key != "cursor"]
    query = urlencode([*kept, ("cursor", encode_cursor(offset))], doseq=True)
    return f"{base_url}{WHERE}?{query}"


def list_page(
    records: Sequence[dict[str, Any]], pairs: Sequence[tuple[str, str]], base_url: str
) -> ListingPage:
    """The page a `GET /api/models?<pairs>` asks for, with its next-page URL.

    :raises QueryError: the query is invalid.
    """
    query = parse_listing_query(pairs)
    selected = select_models(records, query)
    end = query.offset + query.limit
    items = [project_item(record, query) for record in selected[query.offset : end]]
    next_url = next_page_url(base_url, pairs, end) if end < len(selected) else None
    return ListingPage(items, next_url)
