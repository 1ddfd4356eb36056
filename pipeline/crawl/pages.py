"""Turn one raw listing page into `models` and `errors` rows. Pure; runs on Dask workers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from pipeline.crawl.records import parse_model_record
from pipeline.snapshot.schema import ERRORS, MODELS


def envelope(snapshot_id: str, fetched_at: datetime, crawler_version: str, origin: str) -> dict:
    """The provenance columns every row of a snapshot starts with."""
    return {
        "snapshot_id": snapshot_id,
        "fetched_at": fetched_at,
        "crawler_version": crawler_version,
        "origin": origin,
    }


def error_row(
    provenance: dict[str, Any],
    stage: str,
    message: str,
    *,
    model_id: str | None = None,
    url: str | None = None,
    http_status: int | None = None,
    error_code: str | None = None,
    attempts: int | None = None,
) -> dict[str, Any]:
    return {
        **provenance,
        "stage": stage,
        "model_id": model_id,
        "url": url,
        "http_status": http_status,
        "error_code": error_code,
        "message": message,
        "attempts": attempts,
    }


def parse_listing_page(
    items: list[Any], provenance: dict[str, Any], page_url: str
) -> tuple[pa.Table, pa.Table]:
    """Rows for every item of a page; an item that cannot be parsed becomes an error row.

    An id seen twice on one page keeps its first row (the Hub's order) and records the
    duplicate as an error, so `models` never holds a model twice.
    """
    models: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            message = f"listing item {position} is a {type(item).__name__}, not an object"
            errors.append(error_row(provenance, "parse", message, url=page_url))
            continue
        try:
            row = parse_model_record(item)
        except ValueError as error:
            errors.append(error_row(provenance, "parse", str(error), url=page_url))
            continue
        if row["id"] in seen:
            errors.append(
                error_row(
                    provenance,
                    "parse",
                    "duplicate id on one listing page; first occurrence kept",
                    model_id=row["id"],
                    url=page_url,
                )
            )
            continue
        seen.add(row["id"])
        models.append({**provenance, **row})
    return (
        pa.Table.from_pylist(models, schema=MODELS),
        pa.Table.from_pylist(errors, schema=ERRORS),
    )
