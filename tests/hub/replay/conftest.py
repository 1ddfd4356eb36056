"""Fixtures for the replay Hub tests: hubs with custom knobs or stores, stopped after each test.

Telemetry is turned off before huggingface_hub is imported by these tests, and every official
client call passes `endpoint=` (or runs in a subprocess with `HF_ENDPOINT`), so no test reaches
huggingface.co; the tests also check `hub.stats()` to see that requests hit the replay.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from pipeline.hub.replay.server import ReplayHub, ReplayKnobs
from pipeline.hub.replay.store import ReplayStore


@pytest.fixture(scope="session")
def sample_store(replay_hub: ReplayHub) -> ReplayStore:
    """The bundled real sample as a store: the one the session `replay_hub` loaded."""
    return replay_hub.store


@pytest.fixture
def start_hub() -> Iterator[Callable[..., ReplayHub]]:
    """`start_hub(store, **knobs)` starts a hub with those knobs; all are stopped afterwards."""
    hubs: list[ReplayHub] = []

    def start(store: ReplayStore, **knobs: Any) -> ReplayHub:
        hub = ReplayHub(store, knobs=ReplayKnobs(**knobs)).start()
        hubs.append(hub)
        return hub

    yield start
    for hub in hubs:
        hub.stop()


@pytest.fixture
def http() -> Iterator[httpx2.Client]:
    """A plain HTTP client that does not follow redirects (to see the wire as it is)."""
    with httpx2.Client(follow_redirects=False, timeout=10) as client:
        yield client
