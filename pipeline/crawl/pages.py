"""Turn one raw listing page into `models` and `errors` rows. Pure; runs on Dask workers."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pyarrow as pa

from pipeline.crawl.records import parse_model_record
from pipeline.snapshot.formats import weight_format
from pipeline.snapshot.schema import ERRORS, FILES, MODELS


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


def file_rows(model_id: str, siblings: Any, provenance: dict[str, Any]) -> list[dict[str, Any]]:
    """`files` rows from a record's `siblings` (sizes and hashes only when the Hub sent them)."""
    if not isinstance(siblings, list):
        return []
    rows = []
    for sibling in siblings:
        path = sibling.get("rfilename") if isinstance(sibling, dict) else None
        if not isinstance(path, str) or not path:
            continue
        lfs = sibling.get("lfs") if isinstance(sibling.get("lfs"), dict) else {}
        size = sibling.get("size", lfs.get("size"))
        file_format = weight_format(path)
        rows.append(
            {
                **provenance,
                "model_id": model_id,
                "path": path,
                "size": size if isinstance(size, int) and not isinstance(size, bool) else None,
                "blob_id": sibling.get("blobId")
                if isinstance(sibling.get("blobId"), str)
                else None,
                "lfs_sha256": lfs.get("sha256") if isinstance(lfs.get("sha256"), str) else None,
                "format": file_format,
                "is_weight": file_format is not None,
            }
        )
    return rows


def parse_listing_page(
    raw: bytes, provenance: dict[str, Any], page_url: str
) -> dict[str, pa.Table]:
    """`models`, `files` and `errors` rows for a page; an item that cannot be parsed
    becomes an error row.

    An id seen twice on one page keeps its first row (the Hub's order) and records the
    duplicate as an error, so `models` never holds a model twice.
    """
    items = json.loads(raw)
    models: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
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
        files.extend(file_rows(row["id"], item.get("siblings"), provenance))
    return {
        "models": pa.Table.from_pylist(models, schema=MODELS),
        "files": pa.Table.from_pylist(files, schema=FILES),
        "errors": pa.Table.from_pylist(errors, schema=ERRORS),
    }
