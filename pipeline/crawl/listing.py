"""Crawl the paginated model listing (`GET /api/models` with `expand`) into a snapshot.

The listing is a cursor chain, so pages are fetched in order by the driver; each page's raw
JSON is kept, and parsing it into Parquet rows is a Dask task. Pages are committed in
order: raw page, then its `models`/`errors` parts, then a line in `progress.jsonl` holding
the URL of the next page. That line is the resume cursor: a crawl killed anywhere and run
again continues from the last committed page and ends with exactly the rows of an
uninterrupted crawl (parts are keyed by page number and overwritten, never appended).
"""

from __future__ import annotations

import json
import logging
import platform
import shutil
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from pipeline import __version__
from pipeline.atomic import write_json_atomic
from pipeline.config import Config
from pipeline.crawl.pages import envelope, error_row, parse_listing_page
from pipeline.errors import HubError
from pipeline.hub.client import HubClient
from pipeline.snapshot.reader import list_snapshots
from pipeline.snapshot.schema import ERRORS, SCHEMA_VERSION
from pipeline.snapshot.writer import (
    CRAWL_START,
    MANIFEST,
    SnapshotWriter,
    new_snapshot_id,
)

log = logging.getLogger(__name__)

MAX_PAGES_IN_FLIGHT = 4


def listing_params(config: Config) -> list[tuple[str, str]]:
    """Query of the first listing page: page size, expand fields, downloads order."""
    params = [("limit", str(config["crawl"]["page_size"])), ("sort", "downloads")]
    params += [("expand[]", name) for name in config["crawl"]["expand"]]
    return params


@dataclass
class CrawlResult:
    folder: Path
    manifest: dict[str, Any]
    resumed_from_page: int = 0
    pages_fetched: int = 0
    request_counts: dict[str, int] = field(default_factory=dict)


def find_resumable(root: Path, endpoint: str, config_hash: str) -> Path | None:
    """The newest unfinished snapshot started by the same crawl (same endpoint and config)."""
    for folder in reversed(list(list_snapshots(root))):
        if (folder / MANIFEST).exists():
            return None
        start = folder / CRAWL_START
        try:
            started = json.loads(start.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if started.get("endpoint") == endpoint and started.get("config_hash") == config_hash:
            return folder
    return None


def library_versions() -> dict[str, str]:
    import dask
    import huggingface_hub
    import pandas

    return {
        "python": platform.python_version(),
        "ptm-pipeline": __version__,
        "huggingface_hub": huggingface_hub.__version__,
        "pandas": pandas.__version__,
        "pyarrow": pa.__version__,
        "dask": dask.__version__,
    }


def _ids_in_parts(folder: Path) -> set[str]:
    ids: set[str] = set()
    for part in sorted((folder / "models").glob("part-*.parquet")):
        ids.update(pq.read_table(part, columns=["id"]).column("id").to_pylist())
    return ids


class ListingCrawl:
    """One crawl of the listing into one snapshot folder (new, or resumed)."""

    def __init__(
        self,
        config: Config,
        client: HubClient,
        submit: Callable[..., Any],
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.client = client
        self.submit = submit
        self.now = now
        self.endpoint = client.endpoint

    def open_snapshot(self) -> tuple[SnapshotWriter, list[dict[str, Any]]]:
        root = self.config.path("snapshots")
        folder = find_resumable(root, self.endpoint, self.config.config_hash)
        if folder is None:
            started = self.now()
            folder = root / new_snapshot_id(started)
            writer = SnapshotWriter(folder)
            write_json_atomic(
                folder / CRAWL_START,
                {
                    "endpoint": self.endpoint,
                    "config_hash": self.config.config_hash,
                    "started_at": started.isoformat(),
                    "crawler_version": __version__,
                },
            )
            return writer, []
        writer = SnapshotWriter(folder)
        progress = writer.read_progress()
        log.info("resuming %s after %d committed page(s)", folder, len(progress))
        return writer, progress

    def run(self) -> CrawlResult:
        writer, progress = self.open_snapshot()
        folder = writer.folder
        keep_raw = self.config["crawl"]["keep_raw"]
        max_pages = self.config["crawl"]["max_pages"]
        done_pages = len(progress)
        seen = _ids_in_parts(folder) if progress else set()
        start_url = progress[-1]["next_url"] if progress else None
        listing_done = bool(progress) and start_url is None
        # None: tqdm shows the bar only on a terminal.
        bar = tqdm(
            desc=f"crawl {self.endpoint}",
            unit=" models",
            initial=len(seen),
            disable=None if self.config["crawl"]["progress"] else True,
            delay=1.0,
        )
        pending: deque[tuple[int, Any, dict[str, Any], Any]] = deque()
        page_number = done_pages
        fetched = 0

        def commit(number: int, page: Any, provenance: dict[str, Any], future: Any) -> None:
            models, errors = future.result() if hasattr(future, "result") else future
            models, duplicate_errors = _drop_seen(models, seen, provenance, page.url)
            errors = pa.concat_tables([errors, duplicate_errors])
            part = f"part-{number:05d}"
            writer.write_part("models", part, models)
            writer.write_part("errors", part, errors)
            seen.update(models.column("id").to_pylist())
            writer.append_progress(
                {
                    "page": number,
                    "url": page.url,
                    "next_url": page.next_url,
                    "items": len(page.items),
                    "models": models.num_rows,
                    "errors": errors.num_rows,
                    "fetched_at": provenance["fetched_at"].isoformat(),
                    "data_recorded_at": page.recorded_at,
                }
            )
            bar.update(models.num_rows)

        try:
            if not listing_done:
                pages = self.client.list_models_pages(listing_params(self.config), start_url)
                for page in pages:
                    page_number += 1
                    fetched += 1
                    fetched_at = self.now()
                    if page_number == 1 and not page.items and page.next_url is None:
                        shutil.rmtree(folder, ignore_errors=True)
                        raise HubError(
                            f"the Hub at {self.endpoint} lists no models (empty first page)"
                        )
                    if keep_raw:
                        raw = json.dumps(page.items, ensure_ascii=False).encode("utf-8")
                        writer.write_raw(f"listing/page-{page_number:05d}.json", raw)
                    provenance = envelope(
                        writer.snapshot_id, fetched_at, __version__, self.endpoint
                    )
                    future = self.submit(parse_listing_page, page.items, provenance, page.url)
                    pending.append((page_number, page, provenance, future))
                    while pending and (
                        len(pending) > MAX_PAGES_IN_FLIGHT or _is_done(pending[0][3])
                    ):
                        commit(*pending.popleft())
                    if max_pages and page_number >= max_pages:
                        break
            while pending:
                commit(*pending.popleft())
        finally:
            bar.close()
        manifest = self.build_manifest(writer)
        writer.write_manifest(manifest)
        return CrawlResult(
            folder=folder,
            manifest=manifest,
            resumed_from_page=done_pages,
            pages_fetched=fetched,
            request_counts=self.client.request_counts(),
        )

    def build_manifest(self, writer: SnapshotWriter) -> dict[str, Any]:
        progress = writer.read_progress()
        start = json.loads((writer.folder / CRAWL_START).read_text(encoding="utf-8"))
        tables = {}
        for name in ("models", "errors"):
            parts = sorted((writer.folder / name).glob("part-*.parquet"))
            rows = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
            tables[name] = {"rows": rows, "parts": len(parts)}
        return {
            "schema_version": SCHEMA_VERSION,
            "snapshot_id": writer.snapshot_id,
            "endpoint": self.endpoint,
            "started_at": start["started_at"],
            "finished_at": self.now().isoformat(),
            "crawler_version": __version__,
            "config_hash": self.config.config_hash,
            "config_source": self.config.source,
            "listing": {
                "pages": len(progress),
                "page_size": self.config["crawl"]["page_size"],
                "expand": self.config["crawl"]["expand"],
                "complete": not progress or progress[-1]["next_url"] is None,
            },
            "data_recorded_at": next(
                (p.get("data_recorded_at") for p in progress if p.get("data_recorded_at")), None
            ),
            "tables": tables,
            "requests": self.client.request_counts(),
            "retries": dict(self.client.retries),
            "library_versions": library_versions(),
        }


def _is_done(future: Any) -> bool:
    return future.done() if hasattr(future, "done") else True


def _drop_seen(
    models: pa.Table, seen: set[str], provenance: dict[str, Any], page_url: str
) -> tuple[pa.Table, pa.Table]:
    """Rows whose id an earlier page already gave are dropped and recorded as errors."""
    if not seen or models.num_rows == 0:
        return models, ERRORS.empty_table()
    repeated = pa.array([model_id in seen for model_id in models.column("id").to_pylist()])
    duplicates = models.filter(repeated).column("id").to_pylist()
    errors = [
        error_row(
            provenance,
            "listing",
            "model listed again on a later page; first occurrence kept",
            model_id=model_id,
            url=page_url,
        )
        for model_id in duplicates
    ]
    return models.filter(pc.invert(repeated)), pa.Table.from_pylist(errors, schema=ERRORS)
