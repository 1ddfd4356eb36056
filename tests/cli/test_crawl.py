"""`ptm crawl` as a command: --incremental picks its base, and a locked store is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.hub.replay.server import ReplayHub
from pipeline.snapshot.lock import store_lock
from pipeline.snapshot.reader import list_snapshots
from tests.crawl.test_details_crawl import subset_store

LISTING_ONLY = [
    "--set", "crawl.details=[]",
    "--set", "crawl.orgs=false",
    "--set", 'crawl.commits="off"',
    "--set", "crawl.progress=false",
    "--set", "crawl.page_size=100",
    "--set", "crawl.max_hours=null",  # the plan before the listing assumes 2.5M models
]  # fmt: skip


def crawl_args(store: Path, *extra: str) -> list[str]:
    command = ["crawl", "--config", "configs/hub.yaml", "--set", f"paths.snapshots={store}"]
    return [*command, *LISTING_ONLY, *extra]


@pytest.fixture
def hub(sample_dir: Path, monkeypatch: pytest.MonkeyPatch):
    with ReplayHub(subset_store(sample_dir, n=250)) as replay:
        monkeypatch.setenv("HF_ENDPOINT", replay.url)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.chdir(Path(__file__).resolve().parents[2])
        yield replay


def test_incremental_uses_the_newest_complete_snapshot(tmp_path: Path, hub: ReplayHub) -> None:
    store = tmp_path / "store"
    assert main(crawl_args(store, "--incremental")) == 0  # no base yet: a full crawl
    first = list(list_snapshots(store))
    assert len(first) == 1
    assert json.loads((first[0] / "manifest.json").read_text())["since"] is None
    assert main(crawl_args(store, "--incremental")) == 0
    second = [f for f in list_snapshots(store) if f not in first]
    assert len(second) == 1
    assert json.loads((second[0] / "manifest.json").read_text())["since"] == str(first[0])


def test_a_locked_store_is_refused_with_one_line(
    tmp_path: Path, hub: ReplayHub, capsys: pytest.CaptureFixture
) -> None:
    store = tmp_path / "store"
    with store_lock(store, command="another crawl"):
        assert main(crawl_args(store)) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "another crawl" in error[0], error
    assert not list(list_snapshots(store))


def test_since_and_incremental_exclude_each_other(tmp_path: Path, hub: ReplayHub) -> None:
    assert main(crawl_args(tmp_path, "--incremental", "--since", str(tmp_path))) == 2
