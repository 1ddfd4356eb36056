"""Kill -9 a real `ptm crawl` inside a chosen phase, at a random point of it, and resume:
the snapshot must equal an uninterrupted crawl's, table by table (provenance aside).

Where `test_kill_resume.py` kills at random times, these trials target phases: the listing,
and the per-model stages while they run side by side (README cards and security scans,
org overviews, name resolution). The test watches the crawl's `progress.jsonl`, kills the
process group as soon as the randomly drawn point is reached, then reads the progress log
of the dead crawl and asserts that the kill landed inside the phase it targeted.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from pipeline.hub.replay.server import ReplayHub, ReplayKnobs
from pipeline.snapshot.reader import latest_complete_snapshot
from tests.crawl.helpers import finish_crawl, payload, start_crawl
from tests.crawl.test_details_crawl import subset_store

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("models", "files", "cards", "security", "orgs", "names", "errors")
PER_MODEL = ("details", "orgs", "names")
Progress = list[dict]


def crawl_command(snapshots: Path) -> list[str]:
    settings = [
        f"paths.snapshots={snapshots}",
        "crawl.page_size=20",
        "crawl.detail_batch=10",
        "crawl.details=[cards, security]",
        "crawl.orgs=true",
        "crawl.resolve_names=top 60",
        "crawl.commits=off",
        "crawl.progress=false",
        "crawl.max_hours=null",
        "crawl.api_quota=1000000",
        "crawl.resolvers_quota=1000000",
        "dask.workers=1",
    ]
    command = [sys.executable, "-m", "pipeline.cli", "crawl", "--config", "configs/hub.yaml"]
    for setting in settings:
        command += ["--set", setting]
    return command


def read_progress(snapshots: Path) -> Progress:
    lines: Progress = []
    for path in snapshots.glob("*/progress.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            # A line being written fails to decode: the next poll reads it.
            with contextlib.suppress(json.JSONDecodeError):
                lines.append(json.loads(line))
    return lines


def run_crawl(
    snapshots: Path, env: dict[str, str], kill_when: Callable[[Progress], bool] | None
) -> Progress:
    """Run a crawl; with `kill_when`, kill -9 its process group as soon as the progress log
    satisfies it. The progress log as the crawl left it."""
    process = start_crawl(crawl_command(snapshots), env, ROOT)
    if kill_when is None:
        finish_crawl(process)
        return read_progress(snapshots)
    deadline = time.monotonic() + 300
    while process.poll() is None:
        if kill_when(read_progress(snapshots)):
            os.killpg(process.pid, signal.SIGKILL)
            break
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            stderr = process.communicate(timeout=60)[1].decode("utf-8", "replace")
            pytest.fail(f"the crawl neither reached the kill point nor ended in 300 s:\n{stderr}")
        time.sleep(0.002)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the crawl ended before the kill point"
    return read_progress(snapshots)


def listing_pages(progress: Progress) -> list[dict]:
    return [p for p in progress if p.get("phase") == "listing"]


def per_model_units(progress: Progress) -> list[dict]:
    return [p for p in progress if p.get("phase") in PER_MODEL and "-carry" not in p["unit"]]


@pytest.fixture(scope="module")
def replay(sample_dir: Path):
    # 3 ms an answer stretches each phase over enough polls of the progress log.
    with ReplayHub(subset_store(sample_dir, n=300), knobs=ReplayKnobs(latency_ms=3)) as hub:
        env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_HUB_DISABLE_TELEMETRY": "1"}
        env.pop("HF_TOKEN", None)
        yield env


@pytest.fixture(scope="module")
def clean(replay, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Progress]:
    snapshots = tmp_path_factory.mktemp("clean")
    progress = run_crawl(snapshots, replay, kill_when=None)
    return latest_complete_snapshot(snapshots), progress


def assert_resumes_to_clean(snapshots: Path, env: dict[str, str], clean_snapshot: Path) -> None:
    run_crawl(snapshots, env, kill_when=None)
    assert len(list(snapshots.iterdir())) == 1, "the rerun resumed, not restarted"
    resumed = latest_complete_snapshot(snapshots)
    for table in TABLES:
        pd.testing.assert_frame_equal(
            payload(resumed, table), payload(clean_snapshot, table), obj=table
        )


@pytest.mark.slow
@pytest.mark.parametrize("trial", [0, 1])
def test_kill_inside_the_listing_then_resume(replay, clean, tmp_path: Path, trial: int) -> None:
    clean_snapshot, clean_progress = clean
    pages = len(listing_pages(clean_progress))
    assert pages >= 10
    target = random.Random(f"listing-{trial}").randint(1, pages - 3)
    left = run_crawl(tmp_path, replay, lambda p: len(listing_pages(p)) >= target)
    # Landed in the listing: pages committed, the last of them not the end, nothing after.
    committed = listing_pages(left)
    assert target <= len(committed) < pages
    assert committed[-1]["next_url"] is not None
    assert per_model_units(left) == []
    assert_resumes_to_clean(tmp_path, replay, clean_snapshot)


@pytest.mark.slow
@pytest.mark.parametrize("trial", [0, 1, 2])
def test_kill_while_the_per_model_stages_run_side_by_side_then_resume(
    replay, clean, tmp_path: Path, trial: int
) -> None:
    clean_snapshot, clean_progress = clean
    total = len(per_model_units(clean_progress))
    assert total >= 20
    target = random.Random(f"per-model-{trial}").randint(3, total - 5)

    def inside(progress: Progress) -> bool:
        units = per_model_units(progress)
        return len(units) >= target and len({u["phase"] for u in units}) >= 2

    left = run_crawl(tmp_path, replay, inside)
    # Landed while the stages ran side by side: units of at least two of them committed,
    # not all units of all of them, the listing complete, no manifest.
    units = per_model_units(left)
    assert len({u["phase"] for u in units}) >= 2
    assert target <= len(units) < total
    assert listing_pages(left)[-1]["next_url"] is None
    assert not list(tmp_path.glob("*/manifest.json"))
    assert_resumes_to_clean(tmp_path, replay, clean_snapshot)
