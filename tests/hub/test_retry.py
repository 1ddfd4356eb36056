"""The one retry loop: bounded attempts, a wait before each retry, the last outcome back."""

from __future__ import annotations

import pytest

from pipeline.hub.retry import Retry, call_with_retries


def test_succeeds_after_retries_and_waits_between_attempts() -> None:
    events: list[str] = []

    def attempt_once(attempt: int) -> str | Retry:
        events.append(f"try {attempt}")
        return "ok" if attempt == 3 else Retry(f"HTTP 503 #{attempt}", 503)

    def wait(retry: int, last: Retry) -> None:
        events.append(f"wait {retry} after {last.problem}")

    assert call_with_retries(attempt_once, 5, wait) == ("ok", 3)
    assert events == [
        "try 1",
        "wait 1 after HTTP 503 #1",
        "try 2",
        "wait 2 after HTTP 503 #2",
        "try 3",
    ]


def test_gives_the_last_retry_back_after_one_plus_max_retries_attempts() -> None:
    calls: list[int] = []
    outcome, attempts = call_with_retries(
        lambda attempt: calls.append(attempt) or Retry(f"timeout {attempt}"),
        2,
        lambda retry, last: None,
    )
    assert (outcome, attempts, calls) == (Retry("timeout 3"), 3, [1, 2, 3])


def test_a_final_error_stops_the_loop() -> None:
    def attempt_once(attempt: int) -> Retry:
        if attempt == 2:
            raise PermissionError("403: not retryable")
        return Retry("HTTP 500")

    with pytest.raises(PermissionError, match="403"):
        call_with_retries(attempt_once, 5, lambda retry, last: None)
