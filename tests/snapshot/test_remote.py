"""Snapshots published to, and read back from, storage reached through fsspec."""

from __future__ import annotations

from pathlib import Path

import fsspec
import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.cli.crawl import crawl
from pipeline.errors import SnapshotError
from pipeline.hub.replay.server import ReplayHub
from pipeline.snapshot.reader import read_models
from pipeline.snapshot.remote import fetch_snapshot, publish_snapshot
from tests.crawl.helpers import crawl_config
from tests.crawl.test_details_crawl import subset_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path):
    tmp = tmp_path_factory.mktemp("remote")
    store_url = (tmp / "bucket").as_uri()  # file://...: the same code path as s3:// or gs://
    with ReplayHub(subset_store(sample_dir, n=300)) as hub:
        result = crawl(crawl_config(tmp, f"paths.publish={store_url}"), hub.url)
    return result, store_url, tmp


def test_a_crawl_publishes_its_snapshot_manifest_included(published) -> None:
    result, store_url, _ = published
    assert result.published == f"{store_url}/{result.folder.name}"
    fs, root = fsspec.core.url_to_fs(result.published)
    remote = {p[len(root) :].lstrip("/") for p in fs.find(root)}
    local = {
        p.relative_to(result.folder).as_posix()
        for p in result.folder.rglob("*")
        if p.is_file() and p.name != "progress.jsonl"
    }
    assert remote == local and "manifest.json" in remote


def test_analyze_reads_a_remote_snapshot(
    published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _, _ = published
    monkeypatch.chdir(tmp_path)  # the fetch cache is relative to the working directory
    results = tmp_path / "results"
    assert main(["analyze", "--snapshot", result.published, "--results", str(results)]) == 0
    fetched = tmp_path / ".cache/snapshots" / result.folder.name
    pd.testing.assert_frame_equal(read_models(fetched), read_models(result.folder))
    assert (results / "figure7.csv").is_file()


def test_a_remote_snapshot_without_manifest_is_refused(tmp_path: Path) -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe("/store/2024-07-11T000000Z/models/part-00001.parquet", b"not read")
    with pytest.raises(SnapshotError, match=r"has no manifest\.json"):
        fetch_snapshot("memory://store/2024-07-11T000000Z", tmp_path)


def test_an_incomplete_local_snapshot_is_not_published(tmp_path: Path) -> None:
    folder = tmp_path / "2024-07-11T000000Z"
    folder.mkdir()
    with pytest.raises(SnapshotError, match="incomplete"):
        publish_snapshot(folder, "memory://store")


def test_publish_then_fetch_through_memory_storage(published, tmp_path: Path) -> None:
    result, _, _ = published
    url = publish_snapshot(result.folder, "memory://hub-snapshots")
    local = fetch_snapshot(url, tmp_path)
    pd.testing.assert_frame_equal(read_models(local), read_models(result.folder))
