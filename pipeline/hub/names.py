"""What a name is called today: `GET /api/{models|datasets}/{name}`, following the Hub's
307 redirects for renamed or legacy ids (docs/hub-api.md §2, "Renamed or legacy ids").

Redirects are followed one hop at a time (`follow_redirects=False`), so that every hop is a
request booked in the rate budget, a loop is detected by the ids already visited, and the
chain is known. A replay Hub also says where a rename it serves comes from (the
`X-Replay-Rename-Evidence` header: recorded, inferred or synthetic); the live Hub does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from pipeline.errors import HubRequestError, NotFoundError, RepoNotFoundError
from pipeline.hub.boundedjson import loads_bounded
from pipeline.hub.client import HubClient
from pipeline.hub.protocol import RENAME_EVIDENCE_HEADER

KINDS = ("model", "dataset")
MAX_HOPS = 5
FOUND, REDIRECT, NOT_FOUND, ERROR = "found", "redirect", "not-found", "error"


@dataclass(frozen=True)
class Resolution:
    """The outcome for one name: its current id (None when the Hub has none), and how."""

    name: str
    kind: str
    resolved_id: str | None
    how: str
    http_status: int | None
    evidence: str | None = None
    hops: int = 0


def info_path(kind: str, repo_id: str) -> str:
    """`/api/models/{id}` or `/api/datasets/{id}`, each path segment percent-encoded."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return f"/api/{kind}s/" + "/".join(quote(part, safe="") for part in repo_id.split("/"))


def location_id(kind: str, location: str) -> str | None:
    """The repo id a `Location` names (`/api/models/org/name[/revision/...]`), else None."""
    path = urlsplit(location).path
    prefix = f"/api/{kind}s/"
    if not path.startswith(prefix):
        return None
    parts = [unquote(p) for p in path[len(prefix) :].split("/") if p]
    if "revision" in parts:
        parts = parts[: parts.index("revision")]
    return "/".join(parts) if 1 <= len(parts) <= 2 else None


def weakest(first: str | None, second: str | None) -> str | None:
    """The weaker of two evidence labels: synthetic < inferred < recorded (None: unlabelled)."""
    order = ("synthetic", "inferred", "recorded")
    labels = [e for e in (first, second) if e in order]
    return min(labels, key=order.index) if labels else first or second


def resolve_name(client: HubClient, kind: str, name: str, max_hops: int = MAX_HOPS) -> Resolution:
    """Ask the Hub for `name` and follow its redirects (at most `max_hops`).

    :raises HubRequestError: a loop, too many hops, a Location that names no repo, or a
        request that failed for good (5xx after retries, ...): the caller records it.
    """
    visited = [name]
    evidence: str | None = None
    current = name
    while True:
        try:
            response = client.get(info_path(kind, current), follow_redirects=False)
        except (RepoNotFoundError, NotFoundError) as error:
            resolved = None if current == name else current
            how = NOT_FOUND if resolved is None else REDIRECT
            # A redirect to a name that is gone: the name's current id is still the target.
            return Resolution(name, kind, resolved, how, error.status, evidence, len(visited) - 1)
        if not response.is_redirect:
            body = loads_bounded(response.content)
            found = body.get("id") if isinstance(body, dict) else None
            final = found if isinstance(found, str) and found else current
            how = FOUND if len(visited) == 1 else REDIRECT
            return Resolution(
                name, kind, final, how, response.status_code, evidence, len(visited) - 1
            )
        target = location_id(kind, response.headers.get("Location", ""))
        url = str(response.request.url)
        if target is None:
            raise HubRequestError(url, "redirect to a location that names no repo", status=307)
        evidence = weakest(evidence, response.headers.get(RENAME_EVIDENCE_HEADER))
        if target in visited:
            chain = " -> ".join([*visited, target])
            raise HubRequestError(url, f"redirect loop: {chain}", status=response.status_code)
        if len(visited) > max_hops:
            raise HubRequestError(url, f"more than {max_hops} redirects", status=307)
        visited.append(target)
        current = target
