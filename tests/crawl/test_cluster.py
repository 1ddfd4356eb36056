"""The local Dask cluster a crawl runs on."""

from __future__ import annotations

import pytest

from pipeline.config import load_config
from pipeline.crawl.cluster import dask_client


def profiler_running(dask_worker) -> bool:
    return "profile" in dask_worker.periodic_callbacks


@pytest.mark.parametrize("processes", ["false", "true"])
def test_the_workers_run_without_the_statistical_profiler(processes: str) -> None:
    # The profiler's `sys._current_frames()` deadlocks CPython < 3.11.9 (gh-106883): a
    # crawl hung for good in CI with it on.
    config = load_config(None, ["dask.workers=1", f"dask.processes={processes}"])
    with dask_client(config) as client:
        running = client.run(profiler_running)
    assert list(running.values()) == [False]
