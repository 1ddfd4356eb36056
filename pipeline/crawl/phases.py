"""The per-model and per-namespace stages of a crawl, as data: what `Crawl.run_phases` runs
side by side after the listing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.crawl.details import DetailsSettings


@dataclass(frozen=True)
class Phase:
    """A per-model or per-namespace stage: the Dask task run on each batch of its items."""

    name: str
    task: Callable[..., dict[str, Any]]
    items: list[Any]
    settings: DetailsSettings | None = None  # None: the crawl's


@dataclass(frozen=True)
class WorkUnit:
    """One batch of a phase: one Dask task, one progress line, one part per table."""

    phase: Phase
    name: str
    batch: list[Any]
    provenance: dict[str, Any]
