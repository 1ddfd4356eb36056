"""Two crawls of the replay Hub in two states of the same recorded data, the second one
incremental: the synthetic evolution of `pipeline.cli.sample.synthetic_evolution`
(shas changed, models deleted and re-added, the sample's real renames)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.cli.crawl import crawl
from pipeline.cli.sample import Evolution, synthetic_evolution
from pipeline.hub.replay.server import ReplayHub
from pipeline.hub.replay.store import ReplayStore
from tests.crawl.helpers import crawl_config

SUBSET = 400


@dataclass(frozen=True)
class TwoStates:
    store: Path  # the snapshot store holding both snapshots
    first: Path
    second: Path
    first_requests: dict
    second_requests: dict
    evolution: Evolution


def subset_with_renames(sample_dir: Path, n: int = SUBSET) -> ReplayStore:
    """The first `n` real records of the sample plus the 6 renamed ones (real renames)."""
    full = ReplayStore.load(sample_dir)
    renamed = set(full.renamed.values())
    keep = [r for i, r in enumerate(full.models) if i < n or r["id"] in renamed]
    return ReplayStore(keep, renames=dict(full.renamed), recorded_at=full.recorded_at)


def crawl_state(tmp: Path, data: ReplayStore, *overrides: str) -> tuple[Path, dict]:
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
