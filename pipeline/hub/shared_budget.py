"""One rate budget for a whole Dask cluster: a `RateBudget` hosted as a Dask actor.

Every task (on any worker, on any machine) books its requests with the actor before
sending them and reports the server's `RateLimit` headers back, so all workers together
stay within the Hub's per-token quota. The actor only answers "wait this long"; the
waiting happens in the calling task. Tasks also report how long their requests take, and
ask at their start how many threads to send requests from: their share of the requests in
flight that the bucket's quota and latency call for (Little's law), so the requests in
flight follow the quota, not the number of Dask workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from huggingface_hub.utils import parse_ratelimit_headers

from pipeline.hub.ratelimit import RateBudget

_RATELIMIT_HEADERS = ("ratelimit", "ratelimit-policy")
# Request times are sent to the actor in batches of this many per bucket.
_LATENCY_BATCH = 16


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

    def observe_latency(self, bucket: str, total_s: float, count: int) -> None:
        self.budget.observe_latency(bucket, total_s, count)

    def start_task(self, buckets: tuple[str, ...]) -> int:
        return self.budget.start_task(buckets)

    def finish_task(self, buckets: tuple[str, ...]) -> None:
        self.budget.finish_task(buckets)

    def in_flight(self, bucket: str) -> int:
        return self.budget.in_flight(bucket)


class SharedBudget:
    """The `RateBudget` interface (`acquire`, `observe`) backed by a `BudgetActor`."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.waited_s = 0.0
        self._reported: dict[str, tuple[int | None, int | None, int]] = {}
        self._lock = threading.Lock()
        self._latencies: dict[str, list[float]] = {}

    def acquire(self, bucket: str) -> float:
        """Book one request of `bucket` and sleep until it may be sent; the seconds slept."""
        wait = self.actor.reserve(bucket).result()
        if wait > 0:
            self.waited_s += wait
            time.sleep(wait)
        return max(wait, 0.0)

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

    def observe_latency(self, bucket: str, total_s: float, count: int = 1) -> None:
        """Collect request times; every `_LATENCY_BATCH` of a bucket go to the actor."""
        with self._lock:
            pending = self._latencies.setdefault(bucket, [0.0, 0])
            pending[0] += total_s
            pending[1] += count
            if pending[1] < _LATENCY_BATCH:
                return
            self._latencies[bucket] = [0.0, 0]
        self.actor.observe_latency(bucket, pending[0], int(pending[1])).result()

    def flush_latency(self) -> None:
        with self._lock:
            pending, self._latencies = self._latencies, {}
        for bucket, (total_s, count) in pending.items():
            if count:
                self.actor.observe_latency(bucket, total_s, int(count)).result()

    @contextmanager
    def task_threads(self, buckets: tuple[str, ...]) -> Iterator[int]:
        """The threads a task should send its requests from (see `RateBudget.start_task`),
        registered with the actor while the task runs."""
        threads = self.actor.start_task(buckets).result()
        try:
            yield threads
        finally:
            self.flush_latency()
            self.actor.finish_task(buckets).result()
