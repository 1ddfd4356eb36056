"""Client-side rate budget and retry timing for the Hub's fixed-window limits (docs/hub-api.md §7).

The Hub counts requests per token or IP in fixed windows (5 minutes), separately for the
`api`, `resolvers` and `pages` buckets, and sends `RateLimit` / `RateLimit-Policy` on every
response. `RateBudget` spaces requests so that one process stays under its quota, learns
the real quota from those headers, and pauses until the window resets when the server says
nothing is left. `retry_delay` is the pure rule for how long to wait before a retry.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from huggingface_hub.utils import parse_ratelimit_headers

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# What a request is assumed to take before any has been timed: on the high side, so that a
# crawl starts with more requests in flight than it needs (they wait in the budget) rather
# than fewer (the quota goes unused).
PRIOR_LATENCY_S = 0.5
# Requests in flight per bucket = quota rate x latency x this. The spare absorbs latency
# jitter and the tail of a phase (a task keeps the threads it started with); requests
# beyond the quota only wait in the budget. 1.5 left 16% of a 50/s quota unused on 2 cores
# (`benchmarks/quota.py`), 2.0 none.
IN_FLIGHT_HEADROOM = 2.0
# At most this many requests of a bucket in flight (a quota set to "no limit" would ask for
# thousands of threads: with hundreds, httpx's shared connection pool stalled). 64 at 0.3 s
# a request is 213 requests/s, more than every Hub plan's resolvers quota but Enterprise
# Plus's (333/s).
MAX_IN_FLIGHT = 64


def requests_in_flight(
    quota: int, window_s: float, latency_s: float, headroom: float = IN_FLIGHT_HEADROOM
) -> int:
    """Requests to keep in flight to spend `quota` per `window_s` when each takes
    `latency_s` (Little's law, L = lambda x W, times `headroom`), between 1 and
    `MAX_IN_FLIGHT`."""
    wanted = quota / window_s * latency_s * headroom
    return max(1, min(MAX_IN_FLIGHT, math.ceil(wanted)))


def bucket_of(url: str) -> str:
    """The Hub's rate-limit bucket for a URL: `resolvers`, `api` or `pages`."""
    path = url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url.lstrip("/")
    if "/resolve/" in f"/{path}":
        return "resolvers"
    if path.startswith("api/"):
        return "api"
    return "pages"


def retry_delay(
    attempt: int,
    headers: Mapping[str, str] | None,
    *,
    base_s: float,
    cap_s: float,
    rng: random.Random,
    announced_jitter_s: float = 1.0,
) -> float:
    """Seconds to wait before retry number `attempt` (1-based). The one retry schedule of
    every HTTP client of the pipeline (the Hub's, the download-count registries').

    A 429 that says the window is exhausted (`RateLimit: r=0;t=N`) waits for the reset; an
    integer `Retry-After` is honoured; both plus up to `announced_jitter_s` of jitter (so
    that workers do not come back at once); otherwise full-jitter exponential backoff,
    capped.
    """
    if headers:
        info = parse_ratelimit_headers(headers)
        if info is not None and info.remaining == 0:
            jitter = rng.uniform(0, announced_jitter_s) if announced_jitter_s else 0.0
            return min(float(info.reset_in_seconds) + jitter, cap_s)
        retry_after = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
        if retry_after is not None and retry_after.strip().isdigit():
            jitter = rng.uniform(0, announced_jitter_s) if announced_jitter_s else 0.0
            return min(float(retry_after) + jitter, cap_s)
    ceiling = min(cap_s, base_s * 2 ** (attempt - 1))
    return rng.uniform(ceiling / 2, ceiling)


@dataclass
class _Window:
    quota: int
    window_s: float
    started: float
    used: int = 0
    blocked_until: float = 0.0


class RateBudget:
    """A per-bucket fixed-window budget.

    `reserve(bucket)` books one request and returns how long to wait before sending it
    (it never blocks, so a Dask actor can serve it to every worker of a cluster);
    `acquire(bucket)` books and sleeps. `observe(headers)` adopts the quota of a
    `RateLimit-Policy` header and aligns the window with the server's (`RateLimit: r;t`),
    so that a client window never straddles two server windows. `observe_latency` keeps
    a moving average of each bucket's request time, from which `in_flight(bucket)` says how
    many requests to keep in flight to spend the quota (Little's law).
    """

    def __init__(
        self,
        quotas: Mapping[str, int],
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        now = clock()
        self._windows = {name: _Window(max(q, 1), window_s, now) for name, q in quotas.items()}
        self._latency: dict[str, float] = {}
        self._tasks: dict[str, int] = {}
        self.waited_s = 0.0

    def _window(self, bucket: str) -> _Window:
        if bucket not in self._windows:
            default = self._windows.get("api") or _Window(1000, 300.0, self._clock())
            self._windows[bucket] = _Window(default.quota, default.window_s, self._clock())
        return self._windows[bucket]

    def reserve(self, bucket: str) -> float:
        """Book one request of `bucket`; the seconds to wait before sending it."""
        with self._lock:
            window = self._window(bucket)
            now = self._clock()
            if window.started <= now and now - window.started >= window.window_s:
                window.started, window.used = now, 0
            if window.used >= window.quota:
                window.started, window.used = max(window.started + window.window_s, now), 0
            window.used += 1
            return max(window.started - now, window.blocked_until - now, 0.0)

    def acquire(self, bucket: str) -> float:
        """Book one request of `bucket` and sleep until it may be sent; the seconds slept."""
        wait = self.reserve(bucket)
        if wait > 0:
            self.waited_s += wait
            self._sleep(wait)
        return wait

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adopt the server's quota, window and reset time from `RateLimit` headers."""
        info = parse_ratelimit_headers(headers)
        if info is None:
            return
        with self._lock:
            window = self._window(info.resource_type)
            now = self._clock()
            if info.limit:
                window.quota = info.limit
            if info.window_seconds:
                window.window_s = float(info.window_seconds)
            if window.started <= now:
                window.started = now + info.reset_in_seconds - window.window_s
                window.used = max(window.used, window.quota - info.remaining)
            if info.remaining == 0:
                window.blocked_until = now + info.reset_in_seconds

    def quota(self, bucket: str) -> int:
        with self._lock:
            return self._window(bucket).quota

    def window_s(self, bucket: str) -> float:
        with self._lock:
            return self._window(bucket).window_s

    def observe_latency(self, bucket: str, total_s: float, count: int = 1) -> None:
        """Fold `count` request times (summing to `total_s`) into the bucket's average
        (exponentially weighted: the last hundred or so requests count)."""
        if count < 1:
            return
        with self._lock:
            mean = total_s / count
            known = self._latency.get(bucket)
            weight = min(1.0, count / 100)
            self._latency[bucket] = mean if known is None else known + weight * (mean - known)

    def latency_s(self, bucket: str) -> float:
        """The bucket's average request time so far (`PRIOR_LATENCY_S` before any)."""
        with self._lock:
            return self._latency.get(bucket, PRIOR_LATENCY_S)

    def in_flight(self, bucket: str) -> int:
        """Requests of `bucket` to keep in flight, from its quota and its latency."""
        return requests_in_flight(self.quota(bucket), self.window_s(bucket), self.latency_s(bucket))

    def start_task(self, buckets: tuple[str, ...]) -> int:
        """Register a task that spends `buckets`; the threads it should send requests from:
        its share of each bucket's `in_flight` among the tasks running on that bucket."""
        with self._lock:
            for bucket in buckets:
                self._tasks[bucket] = self._tasks.get(bucket, 0) + 1
            running = {bucket: self._tasks[bucket] for bucket in buckets}
        shares = [math.ceil(self.in_flight(b) / running[b]) for b in buckets]
        return max(shares, default=1)

    def finish_task(self, buckets: tuple[str, ...]) -> None:
        with self._lock:
            for bucket in buckets:
                self._tasks[bucket] = max(0, self._tasks.get(bucket, 0) - 1)

    @contextmanager
    def task_threads(self, buckets: tuple[str, ...]) -> Iterator[int]:
        """`start_task` for the duration of a `with` block."""
        threads = self.start_task(buckets)
        try:
            yield threads
        finally:
            self.finish_task(buckets)
