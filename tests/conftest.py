"""Shared fixtures: the bundled real sample and a replay Hub serving it over real HTTP."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "hub-2024-07"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled sample (real Hub records recorded July 2024)."""
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_records() -> list[dict]:
    """The raw records of the bundled sample, read directly (independent of the pipeline)."""
    with gzip.open(SAMPLE_DIR / "models.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [json.loads(line)["record"] for line in lines]


@pytest.fixture(scope="session")
def replay_hub(sample_dir: Path) -> Iterator:
    """A replay Hub over the bundled sample, no latency, no faults; shared by the session."""
    from pipeline.hub.replay.server import ReplayHub, ReplayKnobs
    from pipeline.hub.replay.store import ReplayStore

    with ReplayHub(ReplayStore.load(sample_dir), knobs=ReplayKnobs()) as hub:
        yield hub
