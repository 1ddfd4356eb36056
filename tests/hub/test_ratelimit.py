"""Rate budget and retry timing, with an injected clock (no real sleeping)."""

from __future__ import annotations

import random

from pipeline.hub.ratelimit import RateBudget, bucket_of, requests_in_flight, retry_delay


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_bucket_of_follows_the_hub_buckets() -> None:
    assert bucket_of("http://h/api/models?limit=1") == "api"
    assert bucket_of("http://h/org/name/resolve/main/README.md") == "resolvers"
    assert bucket_of("http://h/org/name") == "pages"
    assert bucket_of("/api/organizations/x/overview") == "api"


def test_budget_waits_for_the_next_window_when_the_quota_is_used() -> None:
    clock = FakeClock()
    budget = RateBudget({"api": 3}, 300.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        budget.acquire("api")
    assert clock.slept == []
    budget.acquire("api")
    assert clock.slept == [300.0]


def test_budget_adopts_the_servers_policy_and_pauses_on_r0() -> None:
    clock = FakeClock()
    budget = RateBudget({"api": 1000}, 300.0, clock=clock, sleep=clock.sleep)
    budget.observe(
        {"RateLimit": '"api";r=10;t=40', "RateLimit-Policy": '"fixed window";"api";q=2500;w=300'}
    )
    assert budget.quota("api") == 2500
    budget.observe({"RateLimit": '"api";r=0;t=40'})
    budget.acquire("api")
    assert clock.slept == [40.0]


def test_retry_delay_prefers_the_reset_time_then_retry_after_then_backoff() -> None:
    rng = random.Random(0)
    reset = retry_delay(1, {"RateLimit": '"api";r=0;t=12'}, base_s=1, cap_s=60, rng=rng)
    assert 12 <= reset <= 13
    after = retry_delay(1, {"Retry-After": "5"}, base_s=1, cap_s=60, rng=rng)
    assert 5 <= after <= 6
    capped = retry_delay(1, {"Retry-After": "500"}, base_s=1, cap_s=60, rng=rng)
    assert capped == 60
    backoffs = [retry_delay(n, None, base_s=1, cap_s=8, rng=rng) for n in range(1, 8)]
    assert all(0.5 <= b <= 8 for b in backoffs)
    assert backoffs[-1] >= 4  # capped ceiling reached, jitter stays in its upper half


def test_requests_in_flight_follow_littles_law() -> None:
    # 15,000 per 300 s is 50 requests/s; at 100 ms each, 5 in flight spend it; 2x spare.
    assert requests_in_flight(15_000, 300.0, 0.1) == 10
    assert requests_in_flight(15_000, 300.0, 0.1, headroom=1.0) == 5
    # The free api bucket (1000 / 5 min) at 100 ms needs less than one: one.
    assert requests_in_flight(1000, 300.0, 0.1) == 1
    assert requests_in_flight(10**9, 1.0, 10.0) == 64  # MAX_IN_FLIGHT


def test_budget_learns_latency_and_shares_in_flight_among_tasks() -> None:
    clock = FakeClock()
    budget = RateBudget({"resolvers": 15_000}, 300.0, clock=clock, sleep=clock.sleep)
    assert budget.latency_s("resolvers") == 0.5  # the prior, before any request is timed
    budget.observe_latency("resolvers", 10.0, 100)  # 100 requests of 100 ms
    assert budget.latency_s("resolvers") == 0.1
    assert budget.in_flight("resolvers") == 10
    budget.observe_latency("resolvers", 0.3, 1)  # one slow request moves the average a little
    assert 0.1 < budget.latency_s("resolvers") < 0.11
    with budget.task_threads(("resolvers",)) as first:
        assert first == 11  # 0.105 s x 50/s x 2 = 10.5
        with budget.task_threads(("resolvers",)) as second:
            assert second == 6  # two tasks on the bucket: half each, rounded up
    assert budget.start_task(("resolvers",)) == 11  # both finished: the whole again
