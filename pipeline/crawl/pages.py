"""Turn one raw listing page into `models` and `errors` rows. Pure; runs on Dask workers.

One bad item never costs the page: an item that cannot be decoded, parsed or stored in the
schema becomes one `errors` row (stage `parse`) naming the model, the exception type and a
short reason, and the other items are kept (`table_from_rows` does the same for every
table a crawl writes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.crawl.records import clean_text, int64_or_none, parse_model_record
from pipeline.hub.boundedjson import (
    UndecodableItem,
    decode_json_array,
    id_hint,
    split_json_array,
)
from pipeline.snapshot.formats import weight_format
from pipeline.snapshot.schema import ERRORS, FILES, MODELS

MAX_REASON_CHARS = 300


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


def failure_reason(error: BaseException) -> str:
    """`Type: message` on one line, short enough for an `errors` row."""
    text = " ".join(str(error).split())
    reason = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return clean_text(reason[:MAX_REASON_CHARS])


def table_from_rows(
    rows: list[dict[str, Any]],
    schema: pa.Schema,
    provenance: dict[str, Any],
    stage: str,
    key: str = "model_id",
    url: str | None = None,
) -> tuple[pa.Table, list[dict[str, Any]]]:
    """`rows` as an Arrow table; a row the schema cannot hold becomes an `errors` row (for
    the model named by its `key` column) instead of failing the whole batch."""
    try:
        return pa.Table.from_pylist(rows, schema=schema), []
    except Exception:  # find the rows at fault, one at a time
        pass
    kept: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for row in rows:
        try:
            pa.Table.from_pylist([row], schema=schema)
        except Exception as error:
            message = f"row does not fit the {stage} table: {failure_reason(error)}"
            name = row.get(key)
            model_id = clean_text(name) if isinstance(name, str) else None
            errors.append(error_row(provenance, stage, message, model_id=model_id, url=url))
            continue
        kept.append(row)
    return pa.Table.from_pylist(kept, schema=schema), errors


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
        size = int64_or_none(sibling.get("size", lfs.get("size")))
        file_format = weight_format(path)
        rows.append(
            {
                **provenance,
                "model_id": model_id,
                "path": clean_text(path),
                "size": size,
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
    """`models`, `files` and `errors` rows for a page; an item that cannot be decoded or
    parsed becomes an error row.

    An id seen twice on one page keeps its first row (the Hub's order) and records the
    duplicate as an error, so `models` never holds a model twice.
    """
    models: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, item in enumerate(decode_json_array(raw)):
        try:
            row = _item_row(position, item)
            item_files = file_rows(row["id"], item.get("siblings"), provenance)
        except Exception as error:
            model_id = item.id_hint if isinstance(item, UndecodableItem) else _id_of(item)
            reason = failure_reason(error)
            errors.append(error_row(provenance, "parse", reason, model_id=model_id, url=page_url))
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
        files.extend(item_files)
    models_table, model_errors = table_from_rows(
        models, MODELS, provenance, "parse", "id", page_url
    )
    files_table, file_errors = table_from_rows(files, FILES, provenance, "parse", url=page_url)
    if model_errors:  # a model whose row could not be stored keeps no files either
        kept = pc.is_in(files_table.column("model_id"), models_table.column("id"))
        files_table = files_table.filter(kept)
    return {
        "models": models_table,
        "files": files_table,
        "errors": pa.Table.from_pylist(errors + model_errors + file_errors, schema=ERRORS),
    }


def unparsed_page_tables(
    raw: bytes, error: BaseException, provenance: dict[str, Any], page_url: str
) -> dict[str, pa.Table]:
    """The tables of a page whose parsing failed as a whole: no rows, and one `errors` row
    per item (by the id it seems to carry), or one for the page if it cannot be split."""
    reason = f"listing page could not be parsed: {failure_reason(error)}"
    try:
        hints = [id_hint(item) for item in split_json_array(raw)]
    except Exception:
        hints = [None]
    errors = [error_row(provenance, "parse", reason, model_id=h, url=page_url) for h in hints]
    return {
        "models": MODELS.empty_table(),
        "files": FILES.empty_table(),
        "errors": pa.Table.from_pylist(errors, schema=ERRORS),
    }


class UnusableItem(ValueError):
    """A listing item that is not a model record (not an object, or undecodable)."""


def _item_row(position: int, item: Any) -> dict[str, Any]:
    if isinstance(item, UndecodableItem):
        raise UnusableItem(f"listing item {position} could not be decoded: {item.reason}")
    if not isinstance(item, dict):
        raise UnusableItem(f"listing item {position} is a {type(item).__name__}, not an object")
    return parse_model_record(item)


def _id_of(item: Any) -> str | None:
    """The item's id when it has a usable one (for the error row of a failed item)."""
    model_id = item.get("id") if isinstance(item, dict) else None
    return clean_text(model_id) if isinstance(model_id, str) and model_id else None
