"""The same crawl on a real Dask cluster: a `dask scheduler` and two `dask worker`
processes on 127.0.0.1, crawling the replay Hub through them."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client

from pipeline.cli.crawl import crawl
from pipeline.hub.replay.server import ReplayHub
from tests.crawl.helpers import crawl_config, payload
from tests.crawl.test_details_crawl import subset_store

DASK = str(Path(sys.executable).with_name("dask"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    processes = [
        subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    processes += [
        subprocess.Popen(
            [DASK, "worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{n}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(2)
    ]
    try:
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


@pytest.mark.slow
def test_a_crawl_through_a_distributed_cluster_equals_a_local_one(
    tmp_path: Path, sample_dir: Path, cluster: str
) -> None:
    store = subset_store(sample_dir, n=300)
    settings = ("crawl.page_size=100", "crawl.details=[cards]", "crawl.orgs=true")
    with ReplayHub(store) as hub:
        local = crawl(crawl_config(tmp_path / "local", *settings), hub.url)
        hub.reset_stats()
        started = time.monotonic()
        remote = crawl(
            crawl_config(tmp_path / "remote", *settings, f"dask.scheduler={cluster}"), hub.url
        )
        elapsed = time.monotonic() - started
        stats = hub.stats()
    assert elapsed < 120
    assert stats["resolve"] == len(store)  # every card asked once, by the workers
    with Client(cluster) as client:
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(executed) == 2 and all(count > 0 for count in executed.values()), executed
    for table in ("models", "files", "cards", "orgs", "errors"):
        pd.testing.assert_frame_equal(payload(remote.folder, table), payload(local.folder, table))
