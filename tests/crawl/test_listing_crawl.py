"""The listing crawl over real HTTP against the replay Hub serving the bundled sample."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from pipeline.cli.crawl import crawl
from pipeline.crawl.run import Crawl
from pipeline.errors import HubError
from pipeline.hub.client import HubClient
from pipeline.hub.replay.server import ReplayHub, ReplayKnobs
from pipeline.hub.replay.store import ReplayStore
from pipeline.snapshot.reader import read_models, read_table
from tests.crawl.helpers import crawl_config, payload


@pytest.fixture(scope="module")
def full_crawl(tmp_path_factory: pytest.TempPathFactory, replay_hub: ReplayHub):
    tmp = tmp_path_factory.mktemp("full")
    replay_hub.reset_stats()
    result = crawl(crawl_config(tmp), replay_hub.url)
    return result, replay_hub.stats()


def test_every_served_model_appears_once(full_crawl, sample_records: list[dict]) -> None:
    result, _ = full_crawl
    models = read_models(result.folder, ["id", "sha", "downloads"])
    assert models["id"].is_unique
    assert set(models["id"]) == {r["id"] for r in sample_records}
    assert result.manifest["tables"]["models"]["rows"] == len(sample_records)
    assert read_table(result.folder, "errors").empty
    by_id = {r["id"]: r for r in sample_records}
    crawled_sha = {
        i: (None if pd.isna(s) else s) for i, s in zip(models["id"], models["sha"], strict=True)
    }
    assert crawled_sha == {i: r.get("sha") for i, r in by_id.items()}


def test_files_come_from_the_listing_siblings(full_crawl, sample_records: list[dict]) -> None:
    result, _ = full_crawl
    files = read_table(result.folder, "files", ["model_id", "path", "format", "is_weight"])
    expected = sum(len(r.get("siblings") or []) for r in sample_records)
    assert len(files) == expected
    flan = files[files["model_id"] == "0-hero/flan-alpaca-ul2"].set_index("path")
    assert flan.loc["pytorch_model-00001-of-00008.bin", "format"] == "pytorch-pickle"
    assert not flan.loc["config.json", "is_weight"]


def test_one_listing_request_per_1000_models(full_crawl, sample_records: list[dict]) -> None:
    result, stats = full_crawl
    pages = math.ceil(len(sample_records) / 1000)
    listing = result.manifest["listing"]
    assert (listing["pages"], listing["page_size"], listing["complete"]) == (pages, 1000, True)
    assert result.manifest["requests"] == {"models_list": pages}
    assert stats["models_list"] == pages
    assert len(list((result.folder / "raw/listing").glob("page-*.json.gz"))) == pages
    assert (result.folder / "manifest.json").exists()


def test_raw_pages_are_kept_as_received(full_crawl, replay_hub: ReplayHub) -> None:
    result, _ = full_crawl
    first = gzip.decompress((result.folder / "raw/listing/page-00001.json.gz").read_bytes())
    assert first.startswith(b"[") and b'"id"' in first


def test_rows_carry_their_provenance(full_crawl, replay_hub: ReplayHub) -> None:
    result, _ = full_crawl
    envelope = read_models(result.folder, ["snapshot_id", "origin", "crawler_version"])
    assert set(envelope["snapshot_id"]) == {result.folder.name}
    assert set(envelope["origin"]) == {replay_hub.url}
    assert result.manifest["data_recorded_at"] == "2024-07-09..2024-07-11"


def test_fault_injection_loses_nothing(tmp_path: Path, sample_dir: Path, full_crawl) -> None:
    knobs = ReplayKnobs(
        error_5xx_rate=0.10,
        error_429_rate=0.05,
        truncate_rate=0.02,
        timeout_rate=0.02,
        timeout_s=3.0,
        seed=7,
    )
    with ReplayHub(ReplayStore.load(sample_dir), knobs=knobs) as hub:
        result = crawl(crawl_config(tmp_path, "crawl.page_size=250"), hub.url)
        stats = hub.stats()
    assert sum(result.manifest["retries"].values()) > 0
    assert stats["models_list"] > result.manifest["listing"]["pages"]
    clean, _ = full_crawl
    for table in ("models", "files"):
        pd.testing.assert_frame_equal(payload(result.folder, table), payload(clean.folder, table))


class InterruptedClient(HubClient):
    """Stops the crawl after `pages` listing pages, as a kill would."""

    def __init__(self, *args, pages: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pages_left = pages

    def list_models_pages(self, params, start_url=None):
        for page in super().list_models_pages(params, start_url):
            if self.pages_left == 0:
                raise KeyboardInterrupt
            self.pages_left -= 1
            yield page


def test_an_interrupted_crawl_resumes_to_the_same_rows(
    tmp_path: Path, replay_hub: ReplayHub, full_crawl
) -> None:
    config = crawl_config(tmp_path, "crawl.page_size=500")
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as dask,
    ):
        interrupted = InterruptedClient(replay_hub.url, pages=5)
        with pytest.raises(KeyboardInterrupt):
            Crawl(config, replay_hub.url, dask, listing_client=interrupted).run()
        folders = list((tmp_path / "snapshots").iterdir())
        assert len(folders) == 1 and not (folders[0] / "manifest.json").exists()
        replay_hub.reset_stats()
        resumed = Crawl(config, replay_hub.url, dask).run()
    assert resumed.folder == folders[0] and resumed.resumed
    total_pages = resumed.manifest["listing"]["pages"]
    # Only the pages after the last committed one are fetched again.
    assert replay_hub.stats()["models_list"] == resumed.listing_pages_fetched < total_pages
    clean, _ = full_crawl
    for table in ("models", "files"):
        pd.testing.assert_frame_equal(payload(resumed.folder, table), payload(clean.folder, table))


def test_an_empty_hub_is_a_clear_error(tmp_path: Path) -> None:
    # Synthetic: a Hub that serves no models at all.
    with (
        ReplayHub(ReplayStore.from_records([]), knobs=ReplayKnobs()) as hub,
        pytest.raises(HubError, match="lists no models"),
    ):
        crawl(crawl_config(tmp_path), hub.url)
    assert not list((tmp_path / "snapshots").glob("*/manifest.json"))


def test_an_unreachable_hub_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HubError, match=r"cannot reach the Hub at http://127\.0\.0\.1:9"):
        crawl(crawl_config(tmp_path), "http://127.0.0.1:9")


def test_a_kill_between_a_pages_parts_and_its_progress_line_loses_nothing(
    tmp_path: Path, replay_hub: ReplayHub, full_crawl
) -> None:
    """Regression: the parts of an uncommitted page used to count as seen on resume, so the
    refetched page was dropped whole as duplicates (found by the kill -9 trials)."""
    import json
    import shutil

    clean, _ = full_crawl
    # The parts as the listing left them: an uncompacted crawl (compaction comes after the
    # last page is committed, so a kill between pages never finds compacted tables).
    config = crawl_config(tmp_path, "crawl.compact=false")
    uncompacted = crawl(crawl_config(tmp_path / "parts", "crawl.compact=false"), replay_hub.url)
    folder = tmp_path / "snapshots" / uncompacted.folder.name
    shutil.copytree(uncompacted.folder, folder)
    (folder / "manifest.json").unlink()
    lines = (folder / "progress.jsonl").read_text().splitlines()
    # What a kill right after page 4's parts were written leaves: 3 committed pages.
    (folder / "progress.jsonl").write_text("\n".join(lines[:3]) + "\n")
    start = json.loads((folder / "crawl.json").read_text())
    start["config_hash"] = config.config_hash
    (folder / "crawl.json").write_text(json.dumps(start))
    resumed = crawl(config, replay_hub.url)
    assert resumed.folder == folder and resumed.resumed
    assert resumed.listing_pages_fetched == clean.manifest["listing"]["pages"] - 3
    for table in ("models", "files", "errors"):
        pd.testing.assert_frame_equal(payload(resumed.folder, table), payload(clean.folder, table))


def test_a_resumed_partial_crawl_stops_at_max_pages(tmp_path: Path, replay_hub: ReplayHub) -> None:
    """Regression: a crawl with `crawl.max_pages` resumed after its listing (here: after it
    was compacted, its manifest not yet written) fetched one page more than it should."""
    config = crawl_config(tmp_path, "crawl.page_size=50", "crawl.max_pages=2")
    first = crawl(config, replay_hub.url)
    (first.folder / "manifest.json").unlink()
    replay_hub.reset_stats()
    resumed = crawl(config, replay_hub.url)
    assert resumed.folder == first.folder and resumed.resumed
    assert replay_hub.stats()["models_list"] == 0
    assert resumed.manifest["tables"]["models"]["rows"] == 100
