"""Rate limiting and fault drawing for the replay Hub: the Hub's misbehaviour, on purpose.

Rate limits follow docs/hub-api.md §7: fixed windows, three buckets chosen by URL (`api` for
`/api/...`, `resolvers` for any URL containing `/resolve/`, `pages` for the rest) and the
IETF draft headers the Hub sends on every response:
`RateLimit: "api";r=<remaining>;t=<seconds to reset>` and
`RateLimit-Policy: "fixed window";"api";q=<quota>;w=<window>`.

Faults are drawn from one seeded RNG, one draw per eligible request, so a sequential client
sees the same faults on every run with the same seed.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

BUCKETS = ("api", "resolvers", "pages")
FAULT_KINDS = ("5xx", "429", "timeout", "truncate")
SERVER_ERROR_STATUSES = (500, 502, 503, 504)


def rate_bucket(path: str) -> str:
    """The rate-limit bucket of a raw URL path: `api`, `resolvers` or `pages`."""
    if path.startswith("/api/"):
        return "api"
    if "/resolve/" in path:
        return "resolvers"
    return "pages"


def ratelimit_headers(
    bucket: str, remaining: int, reset_s: int, quota: int | None, window_s: float
) -> dict[str, str]:
    """The `RateLimit` (and, when a quota is known, `RateLimit-Policy`) headers."""
    headers = {"RateLimit": f'"{bucket}";r={remaining};t={reset_s}'}
    if quota is not None:
        window = max(1, math.ceil(window_s))
        headers["RateLimit-Policy"] = f'"fixed window";"{bucket}";q={quota};w={window}'
    return headers


@dataclass(frozen=True)
class RateVerdict:
    """The outcome of counting one request against its bucket's current window."""

    bucket: str
    allowed: bool
    remaining: int
    reset_s: int
    quota: int
    window_s: float

    def headers(self) -> dict[str, str]:
        """The headers every response carries while rate limiting is on."""
        return ratelimit_headers(
            self.bucket, self.remaining, self.reset_s, self.quota, self.window_s
        )


class RateLimiter:
    """Fixed windows of `window_s` seconds counted from creation; `quota` None counts nothing."""

    def __init__(
        self, quota: int | None, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if window_s <= 0:
            raise ValueError(f"rate window must be > 0 seconds, got {window_s!r}")
        self.quota = quota
        self.window_s = window_s
        self._clock = clock
        self._start = clock()
        self._lock = threading.Lock()
        self._window_index = 0
        self._counts: dict[str, int] = dict.fromkeys(BUCKETS, 0)

    def reset_in(self) -> int:
        """Whole seconds (at least 1) until the current window ends."""
        elapsed = self._clock() - self._start
        left = self.window_s - (elapsed % self.window_s)
        return max(1, math.ceil(left))

    def hit(self, bucket: str) -> RateVerdict | None:
        """Count one request in `bucket`; None when no quota is set."""
        if self.quota is None:
            return None
        with self._lock:
            index = int((self._clock() - self._start) // self.window_s)
            if index != self._window_index:
                self._window_index = index
                self._counts = dict.fromkeys(BUCKETS, 0)
            self._counts[bucket] += 1
            used = self._counts[bucket]
        return RateVerdict(
            bucket=bucket,
            allowed=used <= self.quota,
            remaining=max(0, self.quota - used),
            reset_s=self.reset_in(),
            quota=self.quota,
            window_s=self.window_s,
        )


@dataclass(frozen=True)
class Fault:
    """One injected fault: its kind (one of `FAULT_KINDS`) and, for `5xx`, the status."""

    kind: str
    status: int = 0


class FaultPicker:
    """Draws at most one fault per request with the given probabilities (sum at most 1)."""

    def __init__(self, rates: dict[str, float], seed: int) -> None:
        unknown = sorted(set(rates) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; expected {FAULT_KINDS}")
        if sum(rates.values()) > 1 + 1e-9:
            raise ValueError(f"fault rates must sum to at most 1, got {rates}")
        self._rates = [(kind, rates.get(kind, 0.0)) for kind in FAULT_KINDS]
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self) -> Fault | None:
        """The fault for the next request, or None."""
        with self._lock:
            roll = self._rng.random()
            threshold = 0.0
            for kind, rate in self._rates:
                threshold += rate
                if roll < threshold:
                    status = self._rng.choice(SERVER_ERROR_STATUSES) if kind == "5xx" else 0
                    return Fault(kind, status)
        return None
