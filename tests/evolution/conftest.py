"""Two crawls of the replay Hub in two states of the same recorded data, the second one
incremental: the synthetic evolution of `pipeline.evolution.sample.synthetic_evolution`
(shas changed, models deleted and re-added, the sample's real renames)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import Config, load_config
from pipeline.crawl.command import crawl
from pipeline.evolution.sample import Evolution, synthetic_evolution
from pipeline.hub.replay.server import ReplayHub
from pipeline.hub.replay.store import ReplayStore
from pipeline.snapshot.writer import new_snapshot_id

SUBSET = 400


@dataclass(frozen=True)
class TwoStates:
    store: Path  # the snapshot store holding both snapshots
    first: Path
    second: Path
    first_requests: dict
    second_requests: dict
    evolution: Evolution


def crawl_config(tmp: Path, *overrides: str) -> Config:
    """Fast retries, no progress bar, no orgs, snapshots under `tmp / "snapshots"`."""
    return load_config(
        None,
        [
            f"paths.snapshots={tmp / 'snapshots'}",
            "crawl.progress=false",
            "crawl.backoff_base_s=0.01",
            "crawl.backoff_cap_s=0.05",
            "crawl.timeout_s=2",
            "crawl.max_retries=8",
            "crawl.orgs=false",
            "crawl.api_quota=1000000",
            "crawl.resolvers_quota=1000000",
            *overrides,
        ],
    )


def subset_with_renames(sample_dir: Path, n: int = SUBSET) -> ReplayStore:
    """The first `n` real records of the sample plus the 6 renamed ones (real renames)."""
    full = ReplayStore.load(sample_dir)
    renamed = set(full.renamed.values())
    keep = [r for i, r in enumerate(full.models) if i < n or r["id"] in renamed]
    return ReplayStore(keep, renames=dict(full.renamed), recorded_at=full.recorded_at)


def crawl_state(tmp: Path, data: ReplayStore, *overrides: str) -> tuple[Path, dict]:
    while (tmp / "snapshots" / new_snapshot_id(datetime.now(UTC))).exists():
        time.sleep(0.05)  # snapshot ids have one-second resolution
    with ReplayHub(data) as hub:
        result = crawl(crawl_config(tmp, "crawl.details=[security]", *overrides), hub.url)
        return result.folder, hub.stats()


@pytest.fixture(scope="package")
def two_states(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> TwoStates:
    tmp = tmp_path_factory.mktemp("two-states")
    evolution = synthetic_evolution(
        subset_with_renames(sample_dir),
        changed_share=0.05,
        deleted=10,
        added=8,
        grown=10,
        licensed=2,
        seed=1,
    )
    first, first_requests = crawl_state(tmp, evolution.before)
    second, second_requests = crawl_state(tmp, evolution.after, f"crawl.since={first}")
    return TwoStates(tmp / "snapshots", first, second, first_requests, second_requests, evolution)
