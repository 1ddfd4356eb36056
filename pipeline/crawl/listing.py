"""Phase 1 of a crawl: the paginated model listing (`GET /api/models` with `expand`).

The listing is a cursor chain, so pages are fetched in order by the driver; each page's raw
JSON is kept, and parsing it into Arrow rows is a Dask task. Pages are committed in order:
raw page, then its `models`/`files`/`errors` parts, then a line in `progress.jsonl` holding
the URL of the next page. That line is the resume cursor: a crawl killed anywhere and run
again continues after the last committed page and ends with exactly the rows of an
uninterrupted crawl (parts are keyed by page number and overwritten, never appended).
"""

from __future__ import annotations

import shutil
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from pipeline import __version__
from pipeline.config import Config
from pipeline.crawl.pages import envelope, error_row, parse_listing_page, unparsed_page_tables
from pipeline.errors import HubError
from pipeline.hub.client import HubClient
from pipeline.snapshot.reader import table_parts
from pipeline.snapshot.schema import ERRORS
from pipeline.snapshot.writer import SnapshotWriter

MAX_PAGES_IN_FLIGHT = 4
LISTING = "listing"


def listing_params(config: Config) -> list[tuple[str, str]]:
    """Query of the first listing page: page size, expand fields, downloads order."""
    params = [("limit", str(config.crawl.page_size)), ("sort", "downloads")]
    params += [("expand[]", name) for name in config.crawl.expand]
    return params


LISTING_TABLES = ("models", "files", "errors")


def committed_listing_ids(writer: SnapshotWriter, pages: int) -> set[str]:
    """Ids of the first `pages` listing pages, whose progress lines were written.

    A kill between writing a page's parts and its progress line leaves parts of a page
    that is not committed; those are dropped here, since the page is fetched again (and
    counting its ids as seen would make the refetch drop them all as duplicates).
    """
    ids: set[str] = set()
    for table in LISTING_TABLES:
        for part in (writer.folder / table).glob("part-[0-9]*.parquet"):
            if int(part.stem.removeprefix("part-")) > pages:
                part.unlink()
    # The rest holds the committed pages (parts, or compacted files once compacted).
    for part in table_parts(writer.folder, "models"):
        ids.update(pq.read_table(part, columns=["id"]).column("id").to_pylist())
    return ids


def progress_bar(config: Config, description: str, unit: str, initial: int = 0) -> tqdm:
    """A progress bar on stderr, shown only on a terminal and after the first second."""
    return tqdm(
        desc=description,
        unit=unit,
        initial=initial,
        disable=None if config.crawl.progress else True,
        delay=1.0,
    )


class ListingPhase:
    """Fetch (or finish fetching) every listing page into `writer`'s snapshot."""

    def __init__(
        self,
        config: Config,
        client: HubClient,
        submit: Callable[..., Any],
        writer: SnapshotWriter,
        now: Callable[[], datetime],
    ) -> None:
        self.config = config
        self.client = client
        self.submit = submit
        self.writer = writer
        self.now = now
        self.pages_fetched = 0

    def run(self, progress: list[dict[str, Any]]) -> None:
        done = [p for p in progress if p.get("phase") == LISTING]
        max_pages = self.config.crawl.max_pages
        # Finished: the last page, or the `max_pages` a partial crawl stops after.
        if done and (done[-1]["next_url"] is None or (max_pages and len(done) >= max_pages)):
            return
        start_url = done[-1]["next_url"] if done else None
        seen = committed_listing_ids(self.writer, len(done))
        bar = progress_bar(self.config, f"listing {self.client.endpoint}", " models", len(seen))
        pending: deque[tuple[int, Any, dict[str, Any], Any]] = deque()
        counted = Counter(self.client.request_counts())
        number = len(done)

        def commit(number: int, page: Any, provenance: dict[str, Any], future: Any) -> None:
            nonlocal counted
            try:
                tables = future.result()
            except Exception as error:  # items are isolated in the task; this is the last guard
                tables = unparsed_page_tables(page.raw, error, provenance, page.url)
            models, duplicates = _drop_seen(tables["models"], seen, provenance, page.url)
            kept = pc.is_in(tables["files"].column("model_id"), models.column("id"))
            part = f"part-{number:05d}"
            self.writer.write_part("models", part, models)
            self.writer.write_part("files", part, tables["files"].filter(kept))
            self.writer.write_part("errors", part, pa.concat_tables([tables["errors"], duplicates]))
            seen.update(models.column("id").to_pylist())
            now_counted = Counter(self.client.request_counts())
            self.writer.append_progress(
                {
                    "phase": LISTING,
                    "page": number,
                    "url": page.url,
                    "next_url": page.next_url,
                    "items": len(page.items),
                    "models": models.num_rows,
                    "fetched_at": provenance["fetched_at"].isoformat(),
                    "data_recorded_at": page.recorded_at,
                    "requests": dict(now_counted - counted),
                }
            )
            counted = now_counted
            bar.update(models.num_rows)

        try:
            for page in self.client.list_models_pages(listing_params(self.config), start_url):
                number += 1
                self.pages_fetched += 1
                if number == 1 and not page.items and page.next_url is None:
                    shutil.rmtree(self.writer.folder, ignore_errors=True)
                    raise HubError(
                        f"the Hub at {self.client.endpoint} lists no models (empty first page)"
                    )
                if self.config.crawl.keep_raw:
                    self.writer.write_raw(f"listing/page-{number:05d}.json", page.raw)
                provenance = envelope(
                    self.writer.snapshot_id, self.now(), __version__, self.client.endpoint
                )
                # Raw bytes and an explicit key: Dask then neither walks nor hashes the items.
                key = f"listing-{number:05d}-{self.writer.snapshot_id}"
                future = self.submit(parse_listing_page, page.raw, provenance, page.url, key=key)
                pending.append((number, page, provenance, future))
                while pending and (len(pending) > MAX_PAGES_IN_FLIGHT or pending[0][3].done()):
                    commit(*pending.popleft())
                if max_pages and number >= max_pages:
                    break
            while pending:
                commit(*pending.popleft())
        finally:
            bar.close()


def _drop_seen(
    models: pa.Table, seen: set[str], provenance: dict[str, Any], page_url: str
) -> tuple[pa.Table, pa.Table]:
    """Rows whose id an earlier page already gave are dropped and recorded as errors."""
    if not seen or models.num_rows == 0:
        return models, ERRORS.empty_table()
    repeated = pa.array([model_id in seen for model_id in models.column("id").to_pylist()])
    errors = [
        error_row(
            provenance,
            LISTING,
            "model listed again on a later page; first occurrence kept",
            model_id=model_id,
            url=page_url,
        )
        for model_id in models.filter(repeated).column("id").to_pylist()
    ]
    return models.filter(pc.invert(repeated)), pa.Table.from_pylist(errors, schema=ERRORS)
