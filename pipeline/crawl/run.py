"""A whole crawl: open (or resume) a snapshot, list, fetch details, write the manifest last.

Phases, each resumable from `progress.jsonl`:

1. listing (`listing.py`): every model, one request per page of up to 1000;
2. then, all at the same time (`phases.py`), each in Dask tasks of `crawl.detail_batch`
   items: details (`details.py`), per-model requests, for new or changed models only when
   `crawl.since` names a previous snapshot (the others' rows are carried over from it, and
   a `changes` table records new, changed and deleted models); orgs, one overview per
   author namespace not already known; commits, git histories of a sample (or all) of the
   models; names (`names.py`), current ids of referenced names;
3. compaction (`crawl.compact`, `pipeline/snapshot/compact.py`): each table rewritten into a
   few large sorted files, right before the manifest.

Each per-model or per-namespace stage measures every unit or a stratified sample of the
listing (`sampling.py`, `crawl.<stage>_sample`), kept as a panel by incremental crawls;
every row carries its stratum and inclusion probability, and the manifest's `sampling`
records the design.

All requests of all workers share one rate budget (a Dask actor, `shared_budget.py`),
which also tells each task how many requests to keep in flight (Little's law), so the
stages that spend different buckets (README resolves, api overviews, git) run side by side,
each at its own quota.
"""

from __future__ import annotations

import json
import logging
import platform
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from distributed import Client, as_completed

from pipeline import __version__
from pipeline.atomic import write_json_atomic
from pipeline.config import Config
from pipeline.crawl.details import (
    DetailsSettings,
    fetch_commits,
    fetch_model_details,
    fetch_orgs,
)
from pipeline.crawl.listing import ListingPhase, progress_bar
from pipeline.crawl.pages import envelope, error_row, failure_reason
from pipeline.crawl.phases import FairShare, Phase, WorkUnit
from pipeline.crawl.plan import (
    HUB_WINDOW_S,
    RESOLVERS_BY_API_QUOTA,
    CrawlPlan,
    config_plan,
    configured_quotas,
    phases_plan,
    refusal,
    work_of,
)
from pipeline.crawl.sampling import TABLE_KEYS, Selection, annotate, keep
from pipeline.errors import ConfigError, SnapshotError
from pipeline.hub.client import HubClient, RetryPolicy
from pipeline.hub.shared_budget import BudgetActor, SharedBudget
from pipeline.snapshot.compact import compact_snapshot
from pipeline.snapshot.reader import (
    list_snapshots,
    read_manifest,
    read_table,
    table_parts,
)
from pipeline.snapshot.reader import read_parts as read_snapshot_parts
from pipeline.snapshot.schema import CHANGES, SCHEMA_VERSION, TABLES
from pipeline.snapshot.writer import CRAWL_START, MANIFEST, SnapshotWriter, new_snapshot_id

log = logging.getLogger(__name__)

DETAILS = "details"
ORGS = "orgs"
COMMITS = "commits"
CARRY = "carry"


@dataclass
class CrawlResult:
    folder: Path
    manifest: dict[str, Any]
    resumed: bool = False
    listing_pages_fetched: int = 0
    request_counts: dict[str, int] = field(default_factory=dict)
    published: str | None = None


def retry_policy(config: Config) -> RetryPolicy:
    crawl = config.crawl
    return RetryPolicy(
        max_retries=crawl.max_retries,
        backoff_base_s=crawl.backoff_base_s,
        backoff_cap_s=crawl.backoff_cap_s,
        timeout_s=crawl.timeout_s,
    )


def find_resumable(root: Path, endpoint: str, config_hash: str) -> Path | None:
    """The newest snapshot, if unfinished and started by the same endpoint and config."""
    for folder in reversed(list(list_snapshots(root))):
        if (folder / MANIFEST).exists():
            return None
        try:
            started = json.loads((folder / CRAWL_START).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            if not any(folder.glob("*/*.parquet")):
                # Killed before its start record was written: nothing to keep or resume.
                shutil.rmtree(folder, ignore_errors=True)
            continue
        if started.get("endpoint") == endpoint and started.get("config_hash") == config_hash:
            return folder
    return None


def library_versions() -> dict[str, str]:
    import dask
    import huggingface_hub

    return {
        "python": platform.python_version(),
        "ptm-pipeline": __version__,
        "huggingface_hub": huggingface_hub.__version__,
        "pandas": pd.__version__,
        "pyarrow": pa.__version__,
        "dask": dask.__version__,
    }


def batches(items: list[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    for number, start in enumerate(range(0, len(items), size), start=1):
        yield number, items[start : start + size]


class Crawl:
    """One crawl of `endpoint` into a new or resumed snapshot under `paths.snapshots`."""

    def __init__(
        self,
        config: Config,
        endpoint: str,
        dask: Client,
        *,
        listing_client: HubClient | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.endpoint = endpoint.rstrip("/")
        self.dask = dask
        self.now = now
        self.actor = dask.submit(
            BudgetActor, configured_quotas(config), config.crawl.window_s, actor=True
        ).result()
        self.listing_client = listing_client or HubClient(
            self.endpoint, policy=retry_policy(config), budget=SharedBudget(self.actor)
        )
        self.settings = DetailsSettings(
            endpoint=self.endpoint,
            stages=tuple(config.crawl.details),
            policy=retry_policy(config),
            keep_card_body=config.crawl.keep_card_body,
            git_endpoint=config.crawl.git_endpoint,
            git_timeout_s=config.crawl.commits_timeout_s,
        )
        since = config.crawl.since
        self.since = Path(since) if since else None
        if self.since is not None:
            read_manifest(self.since)  # refuse an incomplete base before any request
        self.samples: dict[str, Selection] = {}

    def open_snapshot(self) -> tuple[SnapshotWriter, list[dict[str, Any]]]:
        root = self.config.path("snapshots")
        folder = find_resumable(root, self.endpoint, self.config.config_hash)
        if folder is not None:
            writer = SnapshotWriter(folder)
            progress = writer.read_progress()
            log.info("resuming %s after %d committed unit(s)", folder, len(progress))
            return writer, progress
        started = self.now()
        writer = SnapshotWriter(root / new_snapshot_id(started))
        for _ in range(30):  # ids have one-second resolution: wait for a free one
            if not writer.folder.exists():
                break
            time.sleep(0.1)
            started = self.now()
            writer = SnapshotWriter(root / new_snapshot_id(started))
        else:
            raise SnapshotError(f"snapshot folder {writer.folder} already exists")
        write_json_atomic(
            writer.folder / CRAWL_START,
            {
                "endpoint": self.endpoint,
                "config_hash": self.config.config_hash,
                "started_at": started.isoformat(),
                "crawler_version": __version__,
                "since": str(self.since) if self.since else None,
            },
        )
        return writer, []

    def run(self) -> CrawlResult:
        self.check_plan(config_plan(self.config))
        writer, initial_progress = self.open_snapshot()
        progress = initial_progress
        listing = ListingPhase(self.config, self.listing_client, self.dask.submit, writer, self.now)
        listing.run(progress)
        progress = writer.read_progress()
        models = read_parts(writer, "models", ["id", "sha", "author"])
        done = {p["unit"] for p in progress if "unit" in p}
        self.samples = self.plan_samples(writer)
        to_fetch, authors = self.carry_over(writer, models, done)
        phases = self.detail_phases(to_fetch) if self.settings.stages else []
        if self.config.crawl.orgs:
            phases.append(Phase(ORGS, fetch_orgs, keep(self.samples["orgs"], authors)))
        if self.config.crawl.commits != "off":
            phases.append(Phase(COMMITS, fetch_commits, self.commit_sample(writer)))
        if self.config.crawl.resolve_names != "off":
            from pipeline.crawl.names import names_phase  # phase 4: names (`names.py`)

            phases.append(names_phase(self, writer, done))
        pages = sum(1 for p in progress if p.get("phase") == "listing")
        self.check_plan(self.listed_plan(phases, len(models), pages))
        self.run_phases(writer, phases, done)
        if self.config.crawl.compact:  # a few large sorted files per table (`compact.py`)
            compact_snapshot(writer.folder)
        manifest = self.build_manifest(writer)
        writer.write_manifest(manifest)
        return CrawlResult(
            folder=writer.folder,
            manifest=manifest,
            resumed=bool(initial_progress),
            listing_pages_fetched=listing.pages_fetched,
            request_counts=manifest["requests"],
        )

    def listed_plan(self, phases: list[Phase], models: int, pages: int) -> CrawlPlan:
        """The plan once the listing is done: the phases' exact work at the quotas the
        listing's `RateLimit-Policy` announced (resolvers from the same plan's row)."""
        configured = configured_quotas(self.config)
        learned = dict(configured)
        learned["api"] = self.actor.quota("api").result()
        if learned["api"] != configured["api"] and self.config.crawl.window_s == HUB_WINDOW_S:
            learned["resolvers"] = RESOLVERS_BY_API_QUOTA.get(
                learned["api"], configured["resolvers"]
            )
        work = work_of(phases, self.settings.stages)
        return phases_plan(config_plan(self.config), work, models, pages, learned)

    def check_plan(self, plan: CrawlPlan) -> None:
        """Print the plan (stderr); refuse it when it exceeds `crawl.max_hours`."""
        print(plan.render(), file=sys.stderr)
        reason = refusal(plan, self.config.crawl.max_hours)
        if reason is not None:
            raise ConfigError(reason)

    def carry_over(
        self, writer: SnapshotWriter, models: pd.DataFrame, done: set[str]
    ) -> tuple[list[tuple[str, str | None]], list[str]]:
        """Models and authors that need requests; with `since`, copy the rest's rows."""
        pairs = [
            (i, None if pd.isna(s) else s) for i, s in zip(models["id"], models["sha"], strict=True)
        ]
        authors = sorted({a for a in models["author"].dropna().unique()})
        if self.since is None:
            return pairs, authors
        previous = read_table(self.since, "models", ["id", "sha"])
        previous_sha = {
            i: None if pd.isna(s) else s
            for i, s in zip(previous["id"], previous["sha"], strict=True)
        }
        current = dict(pairs)
        changed = [
            (i, s) for i, s in pairs if i not in previous_sha or previous_sha[i] != s or s is None
        ]
        changed_ids = {i for i, _ in changed}
        # Models the base has no good row for (a failed request, or a stage it did not
        # crawl) are fetched again, so that rerunning finishes what failed before.
        incomplete: set[str] = set()
        for stage in self.settings.stages:
            previous_rows = read_table(self.since, stage)
            if stage == "cards":
                previous_rows = previous_rows[previous_rows["readme_status"] != "error"]
            # Only the stage's (sampled) models need a row: the others are never measured.
            incomplete |= set(self.samples[stage].units["id"]) - set(previous_rows["model_id"])
        retry = [(i, s) for i, s in pairs if i not in changed_ids and i in incomplete]
        previous_orgs = read_table(self.since, "orgs", ["name", "kind"])
        known_orgs = previous_orgs.loc[previous_orgs["kind"] != "unknown", "name"]
        if f"{CARRY}-00001" not in done:
            provenance = envelope(writer.snapshot_id, self.now(), __version__, self.endpoint)
            rows = (
                [
                    {
                        **provenance,
                        "model_id": i,
                        "change": "new"
                        if i not in previous_sha
                        else ("changed" if s is not None else "no-sha"),
                        "previous_sha": previous_sha.get(i),
                        "sha": s,
                    }
                    for i, s in changed
                ]
                + [
                    {**provenance, "model_id": i, "change": "retry", "previous_sha": s, "sha": s}
                    for i, s in retry
                ]
                + [
                    {
                        **provenance,
                        "model_id": i,
                        "change": "deleted",
                        "previous_sha": s,
                        "sha": None,
                    }
                    for i, s in previous_sha.items()
                    if i not in current
                ]
            )
            writer.write_part("changes", "part-00001", pa.Table.from_pylist(rows, schema=CHANGES))
            keep_models = set(current) - changed_ids - {i for i, _ in retry}
            for name in ("cards", "security"):
                carried = read_table(self.since, name)
                carried = carried[carried["model_id"].isin(keep_models)]
                self.write_carried(writer, name, carried)
            orgs = read_table(self.since, "orgs")
            orgs = orgs[orgs["name"].isin(set(authors)) & orgs["name"].isin(set(known_orgs))]
            self.write_carried(writer, "orgs", orgs)
            writer.append_progress({"phase": CARRY, "unit": f"{CARRY}-00001"})
        return changed + retry, [a for a in authors if a not in set(known_orgs)]

    def commit_sample(self, writer: SnapshotWriter) -> list[tuple[str, str | None]]:
        """`(model_id, stratum)` of the repos whose commits are read (deterministic)."""
        units = self.samples["commits"].units
        return [
            (i, None if pd.isna(s) else s)
            for i, s in zip(units["id"], units["stratum"], strict=True)
        ]

    def plan_samples(self, writer: SnapshotWriter) -> dict[str, Selection]:
        """Per stage, the units it measures (`sampling.plan`); with `since`, the base
        snapshot's design is kept (panel)."""
        from pipeline.crawl.sampling import plan

        models = read_parts(writer, "models", ["id", "author", "downloads", "pipeline_tag"])
        base = read_manifest(self.since).get("sampling") if self.since is not None else None
        return plan(self.config.crawl, models, base)

    def write_carried(self, writer: SnapshotWriter, name: str, rows: pd.DataFrame) -> None:
        """Rows carried over from the base, restricted to this crawl's sample of the stage
        and with its design columns (the base's may differ: new models change N_h)."""
        rows = rows.reindex(columns=TABLES[name].names)
        for column in ("sample_stratum", "inclusion_probability", "stratum_size"):
            if column in rows and rows[column].isna().all():
                rows[column] = None  # a base from before the sampling design
        table = _to_arrow(rows, name)
        if name in self.samples:
            selection = self.samples[name]
            table = table.filter(
                pc.is_in(table.column(TABLE_KEYS[name]), pa.array(selection.ids, pa.string()))
            )
            table = annotate(table, selection, TABLE_KEYS[name])
        writer.write_part(name, f"part-{CARRY}", table)

    def detail_phases(self, to_fetch: list[tuple[str, str | None]]) -> list[Phase]:
        """The per-model stages: one phase when they measure the same models, else one
        phase per stage (`details` for cards, `details-security`)."""
        stages = self.settings.stages
        chosen = [set(self.samples[stage].ids) for stage in stages]
        if all(ids == chosen[0] for ids in chosen):
            items = keep(self.samples[stages[0]], to_fetch)
            return [Phase(DETAILS, fetch_model_details, items)]
        return [
            Phase(
                DETAILS if stage == "cards" else f"{DETAILS}-{stage}",
                fetch_model_details,
                keep(self.samples[stage], to_fetch),
                replace(self.settings, stages=(stage,)),
            )
            for stage in stages
        ]

    def run_phases(self, writer: SnapshotWriter, phases: list[Phase], done: set[str]) -> None:
        """Run the phases at the same time, each on its fair share of the cluster's task
        slots (`FairShare`), so that stages that spend different rate-limit buckets keep all
        of them busy; each result is committed as it completes."""
        queues = [self.phase_units(writer, phase, done) for phase in phases]
        share = FairShare(queues, self.task_slots())
        if not len(share):
            return
        names = ", ".join(phase.name for phase, queue in zip(phases, queues, strict=True) if queue)
        bar = progress_bar(self.config, f"{names} {self.endpoint}", " units")
        bar.total = len(share)
        futures: dict[Any, WorkUnit] = {}
        running = as_completed()
        for unit in share.start():
            running.add(self.submit_unit(writer, unit, futures))
        try:
            for future in running:
                unit = futures.pop(future)
                self.commit_unit(writer, unit, future)
                bar.update(1)
                for following in share.finished(unit):
                    running.add(self.submit_unit(writer, following, futures))
        finally:
            bar.close()

    def task_slots(self) -> int:
        """Tasks the cluster runs at once: its workers' threads."""
        return sum(self.dask.nthreads().values())

    def submit_unit(self, writer: SnapshotWriter, unit: WorkUnit, futures: dict) -> Any:
        future = self.dask.submit(
            unit.phase.task,
            unit.batch,
            unit.phase.settings or self.settings,
            self.actor,
            unit.provenance,
            key=f"{unit.name}-{writer.snapshot_id}",
        )
        futures[future] = unit
        return future

    def phase_units(self, writer: SnapshotWriter, phase: Phase, done: set[str]) -> list[WorkUnit]:
        """The phase's batches of `crawl.detail_batch` items not yet committed."""
        units = []
        for number, batch in batches(phase.items, self.config.crawl.detail_batch):
            name = f"{phase.name}-{number:05d}"
            if name not in done:
                provenance = envelope(writer.snapshot_id, self.now(), __version__, self.endpoint)
                units.append(WorkUnit(phase, name, batch, provenance))
        return units

    def commit_unit(self, writer: SnapshotWriter, unit: WorkUnit, future: Any) -> None:
        """Write a finished unit's tables (with the design columns), then its progress line."""
        try:
            result = future.result()
        except Exception as error:  # the tasks isolate records; this is the last guard
            log.warning("%s failed: %s", unit.name, failure_reason(error))
            result = failed_unit_result(unit.phase.name, unit.batch, error, unit.provenance)
        part = f"part-{unit.name}"
        for name, table in result.items():
            if name in TABLES:
                if name in self.samples:
                    table = annotate(table, self.samples[name], TABLE_KEYS[name])
                writer.write_part(name, part, table)
        writer.append_progress(
            {
                "phase": unit.phase.name,
                "unit": unit.name,
                "items": len(unit.batch),
                "requests": result.get("requests", {}),
                "retries": result.get("retries", {}),
            }
        )

    def build_manifest(self, writer: SnapshotWriter) -> dict[str, Any]:
        progress = writer.read_progress()
        start = json.loads((writer.folder / CRAWL_START).read_text(encoding="utf-8"))
        listing = [p for p in progress if p.get("phase") == "listing"]
        requests: Counter[str] = Counter()
        retries: Counter[str] = Counter()
        for record in progress:
            requests.update(record.get("requests") or {})
            retries.update(record.get("retries") or {})
        retries.update(self.listing_client.retries)
        tables = {}
        for name in TABLES:
            parts = table_parts(writer.folder, name)
            if parts:
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
            "since": start.get("since"),
            "data_recorded_at": next(
                (p["data_recorded_at"] for p in listing if p.get("data_recorded_at")), None
            ),
            "listing": {
                "pages": len(listing),
                "page_size": self.config.crawl.page_size,
                "expand": self.config.crawl.expand,
                "complete": not listing or listing[-1]["next_url"] is None,
            },
            "details": list(self.settings.stages),
            "sampling": {stage: sel.record for stage, sel in self.samples.items()},
            "tables": tables,
            "requests": dict(requests),
            "retries": dict(retries),
            "library_versions": library_versions(),
        }


def read_parts(writer: SnapshotWriter, table: str, columns: list[str]) -> pd.DataFrame:
    """Columns of a table of the snapshot being written (no manifest needed yet)."""
    return read_snapshot_parts(writer.folder, table, columns)


def failed_unit_result(
    phase: str, batch: list[Any], error: BaseException, provenance: dict[str, Any]
) -> dict[str, Any]:
    """What a work unit that raised contributes: one `errors` row per item of its batch."""
    reason = f"{phase} task failed: {failure_reason(error)}"
    rows = [
        error_row(provenance, phase, reason, model_id=item[0] if isinstance(item, tuple) else item)
        for item in batch
    ]
    return {"errors": pa.Table.from_pylist(rows, schema=TABLES["errors"]), "requests": {}}


def _to_arrow(frame: pd.DataFrame, name: str) -> pa.Table:
    return pa.Table.from_pandas(frame, schema=TABLES[name], preserve_index=False)
