"""The per-model and per-namespace stages of a crawl, as data: what `Crawl.run_phases` runs
side by side after the listing."""

from __future__ import annotations

from collections import deque
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


class FairShare:
    """The order in which a crawl submits the phases' units when they run side by side.

    At most `slots` units run at once (the cluster's task threads). Each free slot goes to
    the phase with the fewest units running (the earlier phase on a tie) among those with
    units left, so every phase keeps its equal share of the slots for as long as it has
    work, and the share of a phase that has run out goes to the others. Submitting all
    units up front instead lets the slow phases (those waiting on a busy bucket) take the
    slots over, and leaves the fast ones, and their buckets, idle.
    """

    def __init__(self, queues: list[list[WorkUnit]], slots: int) -> None:
        self._queues = [deque(queue) for queue in queues]
        self._running = [0] * len(queues)
        self._index = {id(unit): i for i, queue in enumerate(queues) for unit in queue}
        self.slots = max(1, slots)

    def __len__(self) -> int:
        """Units not yet handed out."""
        return sum(len(queue) for queue in self._queues)

    def start(self) -> list[WorkUnit]:
        """The units to submit first: one for each free slot."""
        units = []
        while sum(self._running) < self.slots and (unit := self._next()) is not None:
            units.append(unit)
        return units

    def finished(self, unit: WorkUnit) -> list[WorkUnit]:
        """`unit` completed: the units to submit in its slot (none when all are handed out)."""
        self._running[self._index[id(unit)]] -= 1
        return self.start()

    def _next(self) -> WorkUnit | None:
        waiting = [i for i, queue in enumerate(self._queues) if queue]
        if not waiting:
            return None
        phase = min(waiting, key=lambda i: (self._running[i], i))
        self._running[phase] += 1
        return self._queues[phase].popleft()
