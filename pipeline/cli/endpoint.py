"""Which Hub a command talks to: a URL, or a replay Hub started for the duration of the run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.config import REPLAY, Config

log = logging.getLogger(__name__)


@contextmanager
def hub_endpoint(config: Config) -> Iterator[str]:
    """Yield the endpoint URL; with `hub.endpoint: replay`, serve `replay.data` meanwhile."""
    if config.hub.endpoint != REPLAY:
        yield config.endpoint()
        return
    from pipeline.hub.replay.server import ReplayHub, ReplayKnobs
    from pipeline.hub.replay.store import ReplayStore

    store = ReplayStore.load(Path(config.replay.data))
    knobs = ReplayKnobs(latency_ms=config.replay.latency_ms)
    with ReplayHub(store, knobs=knobs) as hub:
        log.info("replay Hub over %s at %s", config.replay.data, hub.url)
        yield hub.url
