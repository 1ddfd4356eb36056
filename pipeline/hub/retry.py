"""The one retry loop of every HTTP client of the pipeline (the Hub's, the download-count
registries'): try, and on a retryable outcome wait and try again, a bounded number of times.

What counts as retryable, how long to wait (`ratelimit.retry_delay`, the one schedule) and
what a final failure raises stay with each client; this module only owns the loop, so that
the attempt count, the order of waiting and trying, and the last outcome handed back are the
same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    """One attempt's retryable outcome: why, and the answer when there was one (its status
    and headers, for an announced wait such as `Retry-After`)."""

    problem: str
    status: int | None = None
    headers: Mapping[str, str] | None = None
    response: Any = None


def call_with_retries(
    attempt_once: Callable[[int], T | Retry],
    max_retries: int,
    wait: Callable[[int, Retry], None],
) -> tuple[T | Retry, int]:
    """Call `attempt_once(attempt)` (attempt 1, 2, ...) until it returns anything but a
    `Retry`, at most `1 + max_retries` times, calling `wait(retry_number, last_retry)` before
    each retry. Returns the last outcome (a `Retry` when every attempt asked for one) and the
    number of attempts. Exceptions from `attempt_once` propagate: they are final."""
    outcome: T | Retry = Retry("no attempt made")
    for attempt in range(1, max_retries + 2):
        if attempt > 1:
            wait(attempt - 1, outcome)
        outcome = attempt_once(attempt)
        if not isinstance(outcome, Retry):
            return outcome, attempt
    return outcome, max_retries + 1
