"""One rate budget for a whole Dask cluster: a `RateBudget` hosted as a Dask actor.

Every task (on any worker, on any machine) books its requests with the actor before
sending them and reports the server's `RateLimit` headers back, so all workers together
stay within the Hub's per-token quota. The actor only answers "wait this long"; the
waiting happens in the calling task.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pipeline.hub.ratelimit import RateBudget

_RATELIMIT_HEADERS = ("ratelimit", "ratelimit-policy")


class BudgetActor:
    """The cluster's budget. Create with `client.submit(BudgetActor, ..., actor=True)`."""

    def __init__(self, quotas: dict[str, int], window_s: float) -> None:
        self.budget = RateBudget(quotas, window_s)
        self.booked = 0

    def reserve(self, bucket: str) -> float:
        self.booked += 1
        return self.budget.reserve(bucket)

    def observe(self, headers: dict[str, str]) -> None:
        self.budget.observe(headers)

    def quota(self, bucket: str) -> int:
        return self.budget.quota(bucket)


class SharedBudget:
    """The `RateBudget` interface (`acquire`, `observe`) backed by a `BudgetActor`."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.waited_s = 0.0

    def acquire(self, bucket: str) -> None:
        wait = self.actor.reserve(bucket).result()
        if wait > 0:
            self.waited_s += wait
            time.sleep(wait)

    def observe(self, headers: Mapping[str, str]) -> None:
        limits = {k: v for k, v in headers.items() if k.lower() in _RATELIMIT_HEADERS}
        if limits:
            self.actor.observe(limits).result()

    def quota(self, bucket: str) -> int:
        return self.actor.quota(bucket).result()
