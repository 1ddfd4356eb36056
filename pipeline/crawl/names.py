"""Phase 4 of a crawl: what the names the analyses need are called today.

After the listing, the names an analysis compares by that the snapshot does not hold are
asked of the Hub, one `GET /api/{models|datasets}/{name}` each (plus one per redirect hop,
`pipeline.hub.names`), in the shared rate budget, in Dask tasks committed like the other
phases (resumable), each name isolated (a failure is an `errors` row and a `names` row
with `how = error`):

- base-model references (`base_models`) that are not a listed model id;
- dataset names without a namespace (`squad`), the `datasets` library's builders excepted;
- the paper's 2022 ids not found as written, with `crawl.resolve_paper_ids`
  (`ptm measure --population paper` sets it).

Priority: names referenced by more models first (they can change a result), then by name;
`crawl.resolve_names` caps how many are asked (`top N`) or not (`all`). Resolutions of the
newest earlier complete snapshot of the store younger than `crawl.names_max_age_days` are
reused (rows carried with their `resolved_at`), except errors. The cost is printed first.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from pipeline.builders import is_builder
from pipeline.config import resolve_cap
from pipeline.crawl.pages import error_row, failure_reason, table_from_rows
from pipeline.errors import HubRequestError
from pipeline.hub.names import ERROR, resolve_name
from pipeline.snapshot.reader import list_snapshots, read_manifest, read_parts, read_table
from pipeline.snapshot.schema import ERRORS, NAMES

NAMES_PHASE = "names"
# What a Hub repo id can look like (`name` or `namespace/name`); other text is kept as written.
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}(/[\w.\-]{1,96})?$")


@dataclass(frozen=True)
class Candidate:
    """A name to resolve and how many models of the snapshot reference it."""

    name: str
    kind: str
    references: int


def candidates(models: pd.DataFrame, paper_ids: list[str] | None) -> list[Candidate]:
    """Every name to resolve, highest priority first (see the module docstring)."""
    listed = set(models["id"])
    bases: Counter[str] = Counter()
    datasets: Counter[str] = Counter()
    for values in models["base_models"]:
        bases.update({v for v in _names(values) if v not in listed})
    for values in models["datasets"]:
        datasets.update({v for v in _names(values) if "/" not in v and not is_builder(v)})
    found = {(name, "model"): count for name, count in bases.items()}
    for name in paper_ids or ():
        if name not in listed and REPO_ID.match(name):
            found.setdefault((name, "model"), 0)
    found.update({(name, "dataset"): count for name, count in datasets.items()})
    ranked = sorted(found.items(), key=lambda item: (-item[1], item[0][1], item[0][0]))
    return [Candidate(name, kind, count) for (name, kind), count in ranked]


def _names(values: Any) -> set[str]:
    if values is None or isinstance(values, str | float):
        return set()
    return {v.strip() for v in values if isinstance(v, str) and REPO_ID.match(v.strip())}


def reusable(root: Path, current: Path, now: datetime, max_age_days: float) -> pd.DataFrame:
    """`names` rows of the newest earlier complete snapshot younger than the age limit."""
    for folder in reversed(list(list_snapshots(root))):
        if folder == current:
            continue
        try:
            manifest = read_manifest(folder)
        except Exception:  # an incomplete or unreadable snapshot: look further back
            continue
        if "names" not in (manifest.get("tables") or {}):
            continue
        rows = read_table(folder, "names")
        fresh = rows["resolved_at"] >= pd.Timestamp(now - timedelta(days=max_age_days))
        return rows[fresh & (rows["how"] != ERROR)]
    return NAMES.empty_table().to_pandas()


def plan(wanted: list[Candidate], reused: set[tuple[str, str]], cap_text: str) -> list[Candidate]:
    """The names to ask for now: not reused, within the cap; prints the cost first."""
    todo = [c for c in wanted if (c.name, c.kind) not in reused]
    cap = resolve_cap(cap_text)
    chosen = todo if cap is None else todo[:cap]
    print(
        f"names: {len(wanted):,} to resolve ({len(wanted) - len(todo):,} reused); asking "
        f"{len(chosen):,} now ({cap_text}): {len(chosen):,} API requests, plus one per "
        f"redirect hop; {len(todo) - len(chosen):,} left for a later crawl",
        file=sys.stderr,
    )
    return chosen


def fetch_names(
    unit: list[tuple[str, str, int]], settings: Any, budget_actor: Any, provenance: dict
) -> dict[str, Any]:
    """`names` rows for a batch of `(name, kind, references)`; runs on a Dask worker."""
    from pipeline.crawl.details import _client, map_in_flight

    client = _client(settings, budget_actor)

    def one_name(item: tuple[str, str, int]) -> tuple[dict, list[dict]]:
        return name_rows(client, provenance, *item)

    rows, errors = [], []
    for row, failed in map_in_flight(client, ("api",), one_name, unit):
        rows.append(row)
        errors += failed
    table, failed = table_from_rows(rows, NAMES, provenance, NAMES_PHASE, key="name")
    return {
        "names": table,
        "errors": pa.Table.from_pylist(errors + failed, schema=ERRORS),
        "requests": client.request_counts(),
        "retries": dict(client.retries),
    }


def name_rows(
    client: Any, provenance: dict, name: str, kind: str, references: int
) -> tuple[dict, list[dict]]:
    """One name's `names` row and `errors` rows."""
    from pipeline.crawl.details import request_error_row

    row = {**provenance, "name": name, "kind": kind, "references": references}
    row["resolved_at"] = provenance["fetched_at"]
    errors = []
    try:
        result = resolve_name(client, kind, name)
        row.update(
            resolved_id=result.resolved_id,
            how=result.how,
            http_status=result.http_status,
            evidence=result.evidence,
        )
    except HubRequestError as error:
        errors.append(request_error_row(provenance, NAMES_PHASE, name, error))
        row.update(how=ERROR, http_status=error.status)
    except Exception as error:  # an answer that cannot be read: this name only
        errors.append(error_row(provenance, NAMES_PHASE, failure_reason(error), model_id=name))
        row.update(how=ERROR)
    return row, errors


CARRY_UNIT = "names-carry"


def names_phase(crawl: Any, writer: Any, done: set[str]) -> Any:
    """The phase for a `Crawl` (`crawl.run.Crawl`): carry reusable rows now; the `Phase`
    that resolves the others, run with the crawl's other per-model stages."""
    from pipeline.crawl.phases import Phase
    from pipeline.paper import paper_model_ids

    settings = crawl.config.crawl
    models = read_table_parts(writer.folder, ["id", "base_models", "datasets"])
    wanted = candidates(models, paper_model_ids() if settings.resolve_paper_ids else None)
    if CARRY_UNIT not in done:
        rows = reusable(
            crawl.config.path("snapshots"), writer.folder, crawl.now(), settings.names_max_age_days
        )
        keys = {(c.name, c.kind) for c in wanted}
        pairs = zip(rows["name"], rows["kind"], strict=True)
        rows = rows[pd.Series([p in keys for p in pairs], index=rows.index, dtype=bool)]
        table = pa.Table.from_pandas(rows, schema=NAMES, preserve_index=False)
        writer.write_part("names", f"part-{CARRY_UNIT}", table)
        writer.append_progress({"phase": NAMES_PHASE, "unit": CARRY_UNIT, "items": len(rows)})
    # Carried rows keep their snapshot's id: they are found alike in the carry part and,
    # once the table is compacted (a resumed crawl), in the compacted files.
    carried = read_parts(writer.folder, "names", ["snapshot_id", "name", "kind"])
    carried = carried[carried["snapshot_id"] != writer.snapshot_id]
    reused = set(zip(carried["name"], carried["kind"], strict=True))
    chosen = plan(wanted, reused, settings.resolve_names)
    items = [(c.name, c.kind, c.references) for c in chosen]
    return Phase(NAMES_PHASE, fetch_names, items)


def read_table_parts(folder: Path, columns: list[str]) -> pd.DataFrame:
    """Columns of the `models` parts of the snapshot being written."""
    return read_parts(folder, "models", columns)
