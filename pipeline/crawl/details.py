"""Per-model and per-author requests, for what the listing cannot return.

Work units are batches of model ids (or author names); each is one Dask task that makes
its requests within the cluster's shared rate budget and returns Arrow tables. A request
that fails for good becomes a row of `errors`; the unit still succeeds, so one gated or
deleted repo never stops the others.

- `cards`: `GET /{id}/resolve/{sha}/README.md` (resolvers bucket), parsed by `cards.py`.
- `security`: `GET /api/models/{id}?securityStatus=true` (api bucket).
- `orgs`: `GET /api/organizations/{name}/overview` (api bucket); a 404 means the
  namespace is not an organization (a user, or gone): Table IV only needs organizations,
  so users are not asked for, which halves the cost.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import pyarrow as pa

from pipeline.crawl.cards import missing_readme, parse_readme
from pipeline.crawl.pages import error_row, failure_reason, table_from_rows
from pipeline.crawl.records import clean_text, int64_or_none
from pipeline.errors import EntryNotFoundError, GatedRepoError, HubRequestError, NotRecordedError
from pipeline.hub.client import HubClient, RetryPolicy
from pipeline.hub.shared_budget import SharedBudget
from pipeline.snapshot.schema import CARDS, COMMITS, ERRORS, ORGS, SECURITY

DETAIL_STAGES = ("cards", "security")
# The Hub's rate-limit bucket each stage spends (docs/hub-api.md §7).
STAGE_BUCKETS = {"cards": "resolvers", "security": "api", "orgs": "api", "names": "api"}
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class DetailsSettings:
    """What a details task needs to know; small and picklable for remote workers."""

    endpoint: str
    stages: tuple[str, ...]
    policy: RetryPolicy
    keep_card_body: bool = False
    git_endpoint: str | None = None
    git_timeout_s: float = 120.0


def quote_repo_id(model_id: str) -> str:
    """A model id as URL path segments (each segment percent-encoded, `/` kept)."""
    return "/".join(quote(part, safe="") for part in model_id.split("/"))


def _client(settings: DetailsSettings, budget_actor: Any) -> HubClient:
    budget = SharedBudget(budget_actor) if budget_actor is not None else None
    return HubClient(settings.endpoint, token=None, policy=settings.policy, budget=budget)


def request_error_row(provenance: dict, stage: str, model_id: str, error: HubRequestError) -> dict:
    """The `errors` row of a request that failed for good."""
    return error_row(
        provenance,
        stage,
        error.reason,
        model_id=model_id,
        url=error.url,
        http_status=error.status,
        error_code=error.error_code,
        attempts=error.attempts,
    )


def fetch_card(client: HubClient, model_id: str, sha: str | None, keep_body: bool) -> dict:
    """The `cards` columns of one model (raises `HubRequestError` on a real failure)."""
    revision = quote(sha or "main", safe="")
    try:
        response = client.get(f"/{quote_repo_id(model_id)}/resolve/{revision}/README.md")
    except NotRecordedError:
        # A replay Hub says when a README exists but was not recorded: unknown, not absent.
        return missing_readme("not-recorded")
    except EntryNotFoundError:
        return missing_readme("missing")
    except GatedRepoError:
        return missing_readme("gated")
    return parse_readme(response.content, keep_body=keep_body)


def security_row(record: Any) -> dict:
    """`scans_done`, files with issues and their levels from a model_info answer."""
    status = record.get("securityRepoStatus") if isinstance(record, dict) else None
    if not isinstance(status, dict):
        return {"scans_done": None, "files_with_issues": None, "levels": None}
    listed = status.get("filesWithIssues")
    issues = [i for i in listed if isinstance(i, dict)] if isinstance(listed, list) else []
    return {
        "scans_done": status.get("scansDone")
        if isinstance(status.get("scansDone"), bool)
        else None,
        "files_with_issues": [clean_text(str(i.get("path"))) for i in issues],
        "levels": [clean_text(str(i.get("level"))) for i in issues],
    }


def _card_row(client: HubClient, model_id: str, sha: str | None, keep_body: bool) -> dict:
    """`fetch_card`, where a failure to *parse* the README (not to fetch it) is re-raised as
    `CardParseError` so that the caller records it apart from request failures."""
    try:
        return fetch_card(client, model_id, sha, keep_body)
    except HubRequestError:
        raise
    except Exception as error:
        raise CardParseError(failure_reason(error)) from error


class CardParseError(ValueError):
    """A README was fetched but could not be measured; the message names the exception."""


def fetch_model_details(
    unit: list[tuple[str, str | None]],
    settings: DetailsSettings,
    budget_actor: Any,
    provenance: dict[str, Any],
) -> dict[str, Any]:
    """Cards and security rows for a batch of `(model_id, sha)`; runs on a Dask worker,
    with as many requests in flight as the budget says (`map_in_flight`).

    Each model is isolated: whatever one README or answer holds, it costs that model an
    `errors` row (and a `cards` row with status `error`), never the batch."""
    client = _client(settings, budget_actor)
    buckets = tuple(STAGE_BUCKETS[stage] for stage in settings.stages)

    def one_model(item: tuple[str, str | None]) -> tuple[dict | None, dict | None, list[dict]]:
        return model_detail_rows(client, settings, provenance, *item)

    cards: list[dict] = []
    security: list[dict] = []
    errors: list[dict] = []
    for card, scan, failed in map_in_flight(client, buckets, one_model, unit):
        cards += [card] if card is not None else []
        security += [scan] if scan is not None else []
        errors += failed
    tables = {}
    for name, rows, schema in (("cards", cards, CARDS), ("security", security, SECURITY)):
        if name in settings.stages:
            tables[name], failed = table_from_rows(rows, schema, provenance, name)
            errors += failed
    return {
        **tables,
        "errors": pa.Table.from_pylist(errors, schema=ERRORS),
        "requests": client.request_counts(),
        "retries": dict(client.retries),
    }


def model_detail_rows(
    client: HubClient,
    settings: DetailsSettings,
    provenance: dict[str, Any],
    model_id: str,
    sha: str | None,
) -> tuple[dict | None, dict | None, list[dict]]:
    """One model's `cards` row, `security` row (None when its stage is off or failed) and
    `errors` rows."""
    card = scan = None
    errors: list[dict] = []
    if "cards" in settings.stages:
        try:
            fields = _card_row(client, model_id, sha, settings.keep_card_body)
        except HubRequestError as error:
            errors.append(request_error_row(provenance, "cards", model_id, error))
            fields = missing_readme("error")
        except CardParseError as error:
            errors.append(error_row(provenance, "cards", str(error), model_id=model_id))
            fields = missing_readme("error")
        card = {**provenance, "model_id": model_id, "sha": sha, **fields}
    if "security" in settings.stages:
        path = f"/api/models/{quote_repo_id(model_id)}"
        try:
            record, _ = client.get_json(path, [("securityStatus", "true")])
            scan = {**provenance, "model_id": model_id, **security_row(record)}
        except HubRequestError as error:
            errors.append(request_error_row(provenance, "security", model_id, error))
        except Exception as error:
            errors.append(
                error_row(provenance, "security", failure_reason(error), model_id=model_id)
            )
    return card, scan, errors


def map_in_flight(
    client: HubClient, buckets: tuple[str, ...], function: Callable[[T], R], items: list[T]
) -> list[R]:
    """`[function(item) for item in items]`, from as many threads as the rate budget says
    this task should keep requests in flight on `buckets` (its share of quota x latency);
    results in the order of `items`."""
    with client.budget.task_threads(buckets) as threads:
        threads = min(threads, len(items))
        if threads <= 1:
            return [function(item) for item in items]
        with ThreadPoolExecutor(threads, thread_name_prefix="hub-request") as pool:
            return list(pool.map(function, items))


def fetch_commits(
    unit: list[tuple[str, str | None]],
    settings: DetailsSettings,
    budget_actor: Any,
    provenance: dict[str, Any],
) -> dict[str, Any]:
    """`commits` rows for a batch of `(model_id, sample_stratum)`, read through git.

    Git's smart-HTTP requests are not API calls and do not go through the rate budget.
    """
    from huggingface_hub import get_token

    from pipeline.crawl.commits import commits_rows

    rows, errors = commits_rows(
        [model_id for model_id, _ in unit],
        settings.git_endpoint or settings.endpoint,
        provenance,
        strata={model_id: stratum for model_id, stratum in unit if stratum},
        token=get_token(),
        timeout_s=settings.git_timeout_s,
        max_workers=2,
    )
    commits, failed = table_from_rows(rows, COMMITS, provenance, "commits")
    return {
        "commits": commits,
        "errors": pa.Table.from_pylist(errors + failed, schema=ERRORS),
        "requests": {"git_clone": len(unit)},
        "retries": {},
    }


def org_row(name: str, overview: Any, kind: str) -> dict:
    """The `orgs` columns from an organization or user overview (`None`: unknown).

    Values of the wrong type, or numbers beyond int64, are null."""
    data = overview if isinstance(overview, dict) else {}
    verified = data.get("isVerified")
    plan, fullname = data.get("plan"), data.get("fullname")
    return {
        "name": name,
        "kind": kind,
        "is_verified": verified if isinstance(verified, bool) else None,
        "plan": clean_text(plan) if isinstance(plan, str) else None,
        "num_models": int64_or_none(data.get("numModels")),
        "fullname": clean_text(fullname) if isinstance(fullname, str) else None,
    }


def fetch_orgs(
    names: list[str], settings: DetailsSettings, budget_actor: Any, provenance: dict[str, Any]
) -> dict[str, Any]:
    """One `orgs` row per author namespace: `org`, `not-org`, or `unknown` on failure."""
    client = _client(settings, budget_actor)

    def one_org(name: str) -> tuple[dict, list[dict]]:
        return org_rows(client, provenance, name)

    rows: list[dict] = []
    errors: list[dict] = []
    for row, failed in map_in_flight(client, ("api",), one_org, names):
        rows.append(row)
        errors += failed
    orgs, failed = table_from_rows(rows, ORGS, provenance, "orgs", key="name")
    return {
        "orgs": orgs,
        "errors": pa.Table.from_pylist(errors + failed, schema=ERRORS),
        "requests": client.request_counts(),
        "retries": dict(client.retries),
    }


def org_rows(client: HubClient, provenance: dict[str, Any], name: str) -> tuple[dict, list[dict]]:
    """One namespace's `orgs` row and `errors` rows."""
    errors: list[dict] = []
    try:
        overview, _ = client.get_json(f"/api/organizations/{quote(name, safe='')}/overview")
        row = org_row(name, overview, "org")
    except HubRequestError as error:
        if error.status in (401, 404):
            row = org_row(name, None, "not-org")
        else:
            errors.append(request_error_row(provenance, "orgs", name, error))
            row = org_row(name, None, "unknown")
    except Exception as error:  # an answer that cannot be read: this org only
        errors.append(error_row(provenance, "orgs", failure_reason(error), model_id=name))
        row = org_row(name, None, "unknown")
    return {**provenance, **row}, errors
