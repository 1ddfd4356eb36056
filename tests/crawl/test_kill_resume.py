"""Kill -9 a real `ptm crawl` process at random moments; the resumed snapshot must equal
an uninterrupted one, table by table (provenance columns aside)."""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.hub.replay.server import ReplayHub, ReplayKnobs
from pipeline.snapshot.reader import latest_complete_snapshot
from tests.crawl.helpers import finish_crawl, payload, start_crawl
from tests.crawl.test_details_crawl import subset_store

ROOT = Path(__file__).resolve().parents[2]
TRIALS = 5
TABLES = ("models", "files", "cards", "orgs", "errors")


def crawl_command(snapshots: Path) -> list[str]:
    settings = [
        f"paths.snapshots={snapshots}",
        "crawl.page_size=50",
        "crawl.detail_batch=20",
        "crawl.details=[cards]",
        "crawl.orgs=true",
        "crawl.commits=off",
        "crawl.progress=false",
        "crawl.api_quota=1000000",
        "crawl.resolvers_quota=1000000",
        "dask.workers=1",
    ]
    command = [sys.executable, "-m", "pipeline.cli", "crawl", "--config", "configs/hub.yaml"]
    for setting in settings:
        command += ["--set", setting]
    return command


def run_crawl(snapshots: Path, env: dict[str, str], kill_after: float | None) -> int:
    process = start_crawl(crawl_command(snapshots), env, ROOT)
    if kill_after is None:
        finish_crawl(process)
        return 0
    time.sleep(kill_after)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    return process.returncode


@pytest.mark.slow
def test_kill_9_at_random_points_then_resume(tmp_path: Path, sample_dir: Path) -> None:
    store = subset_store(sample_dir, n=300)
    rng = random.Random(20241126)
    # 2 ms per answer stretches the crawl over a few seconds, so kills land in every phase.
    with ReplayHub(store, knobs=ReplayKnobs(latency_ms=2)) as hub:
        env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_HUB_DISABLE_TELEMETRY": "1"}
        env.pop("HF_TOKEN", None)
        started = time.monotonic()
        run_crawl(tmp_path / "clean", env, kill_after=None)
        duration = time.monotonic() - started
        clean = latest_complete_snapshot(tmp_path / "clean")
        killed_midway = 0
        for trial in range(TRIALS):
            snapshots = tmp_path / f"trial-{trial}"
            # Anywhere from start-up (imports, Dask) to the last work units.
            kill_after = rng.uniform(0.2, 0.95) * duration
            killed = run_crawl(snapshots, env, kill_after) == -signal.SIGKILL
            # A kill during shutdown, after the manifest, finds the crawl already complete.
            if killed and not list(snapshots.glob("*/manifest.json")):
                killed_midway += 1
                run_crawl(snapshots, env, kill_after=None)
                assert len(list(snapshots.iterdir())) == 1, "the rerun resumed, not restarted"
            resumed = latest_complete_snapshot(snapshots)
            for table in TABLES:
                pd.testing.assert_frame_equal(
                    payload(resumed, table), payload(clean, table), obj=f"trial {trial}: {table}"
                )
    assert killed_midway >= 3, "most kills must land before the crawl finished"
