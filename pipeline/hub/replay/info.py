"""The body of `GET /api/models/{repo_id}[/revision/{rev}]` as pure functions.

docs/hub-api.md §2: without parameters the answer is the recorded record, minus the fields
the Hub shows only on request (`expand`-only fields, `securityRepoStatus`), with siblings
reduced to `rfilename`. `expand` returns `_id`, `id` and the requested fields the record has;
`securityStatus=true` adds `securityRepoStatus` only when it was recorded; `blobs=true` shows
siblings as recorded (sizes and blob ids only if they were recorded). Nothing is invented.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.hub.replay.fields import (
    INFO_EXPAND,
    INFO_EXPAND_ONLY_FIELDS,
    SECURITY_FIELD,
    expand_item,
    last_value,
    parse_bool,
    parse_expand,
    rfilename_siblings,
)

WHERE = "/api/models/{repo_id}"
# Revisions every record answers to, besides its recorded sha.
SYMBOLIC_REVISIONS = frozenset({"main", "HEAD"})


@dataclass(frozen=True)
class InfoQuery:
    """A parsed model_info query."""

    expand: tuple[str, ...] | None = None
    security_status: bool = False
    blobs: bool = False


def parse_info_query(pairs: Sequence[tuple[str, str]]) -> InfoQuery:
    """Parse model_info's query pairs. :raises QueryError: naming the bad parameter."""
    security = last_value(pairs, "securityStatus")
    blobs = last_value(pairs, "blobs")
    return InfoQuery(
        expand=parse_expand(pairs, INFO_EXPAND, WHERE),
        security_status=security is not None and parse_bool("securityStatus", security),
        blobs=blobs is not None and parse_bool("blobs", blobs),
    )


def known_revision(record: dict[str, Any], revision: str, commit: str) -> bool:
    """Whether `revision` names the recorded state: `main`, `HEAD`, or the (replay) commit."""
    return revision in SYMBOLIC_REVISIONS or revision == commit


def model_info_body(record: dict[str, Any], query: InfoQuery) -> dict[str, Any]:
    """The model_info JSON for a record (see the module docstring)."""
    if query.expand is not None:
        body = expand_item(record, query.expand)
    else:
        hidden = INFO_EXPAND_ONLY_FIELDS | {SECURITY_FIELD}
        body = {key: value for key, value in record.items() if key not in hidden}
        if "siblings" in body and not query.blobs:
            body["siblings"] = rfilename_siblings(body["siblings"])
    if query.security_status and SECURITY_FIELD in record:
        body[SECURITY_FIELD] = record[SECURITY_FIELD]
    return body
