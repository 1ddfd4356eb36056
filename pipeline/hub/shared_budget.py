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

from huggingface_hub.utils import parse_ratelimit_headers

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
        self._reported: dict[str, tuple[int | None, int | None, int]] = {}

    def acquire(self, bucket: str) -> None:
        wait = self.actor.reserve(bucket).result()
        if wait > 0:
            self.waited_s += wait
            time.sleep(wait)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Report the server's view to the actor when it says something new: another
        quota or window, another reset time, or an exhausted window. The Hub sends these
        headers on every answer; relaying each one would double the cost of a request."""
        limits = {k: v for k, v in headers.items() if k.lower() in _RATELIMIT_HEADERS}
        info = parse_ratelimit_headers(limits) if limits else None
        if info is None:
            return
        reset_at = round(time.time() + info.reset_in_seconds)
        known = self._reported.get(info.resource_type)
        news = (
            known is None
            or known[:2] != (info.limit, info.window_seconds)
            or abs(known[2] - reset_at) > 1
            or info.remaining == 0
        )
        if news:
            self._reported[info.resource_type] = (info.limit, info.window_seconds, reset_at)
            self.actor.observe(limits).result()

    def quota(self, bucket: str) -> int:
        return self.actor.quota(bucket).result()
