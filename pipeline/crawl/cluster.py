"""The Dask client a crawl runs on: a local cluster, or an existing scheduler (`tcp://...`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster

from pipeline.config import Config
from pipeline.errors import ConfigError


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
