"""The Dask client a crawl runs on: a local cluster, or an existing scheduler (`tcp://...`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import dask
from distributed import Client, LocalCluster

from pipeline.config import Config
from pipeline.errors import ConfigError

# Dask's statistical profiler calls `sys._current_frames()` every 10 ms on each worker. On
# CPython before 3.11.9 that call deadlocks the process when a garbage collection inside it
# releases the GIL while another thread starts or ends (cpython gh-106883): seen here as a
# crawl that hung for good, in CI and under load. The crawl never reads the profile.
WORKER_SETTINGS = {"distributed.worker.profile.enabled": False}


@contextmanager
def dask_client(config: Config) -> Iterator[Client]:
    """A connected `distributed.Client`, closed (with its local cluster) on exit."""
    for name in ("distributed", "distributed.worker", "distributed.scheduler", "tornado"):
        logging.getLogger(name).setLevel(logging.ERROR)
    address = config.dask.scheduler
    if address:
        try:
            client = Client(address, timeout="10s")
        except OSError as error:
            raise ConfigError(f"dask.scheduler: cannot connect to {address}: {error}") from error
        with client:
            yield client
        return
    with (
        dask.config.set(WORKER_SETTINGS),
        LocalCluster(
            n_workers=config.dask.workers,
            threads_per_worker=config.dask.threads_per_worker,
            processes=config.dask.processes,
            # Loopback and any free port: never exposed, never "port 8787 in use" warnings.
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
