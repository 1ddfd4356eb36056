"""Requests in flight: tasks send from as many threads as quota x latency call for (the
stages running side by side: `test_details_crawl.py`)."""

from __future__ import annotations

import threading
import time

from pipeline.crawl.details import map_in_flight
from pipeline.hub.client import HubClient
from pipeline.hub.ratelimit import RateBudget


def client_with(quota: int, latency_s: float) -> HubClient:
    budget = RateBudget({"api": quota, "resolvers": quota}, 1.0)
    budget.observe_latency("resolvers", latency_s * 100, 100)
    return HubClient("http://127.0.0.1:9", budget=budget)


def test_map_in_flight_keeps_order_and_uses_the_budgets_share_of_threads() -> None:
    client = client_with(quota=100, latency_s=0.1)  # 100/s x 0.1 s x 2: 20 in flight
    running, peak, lock = [0], [0], threading.Lock()

    def slow_square(x: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return x * x

    assert map_in_flight(client, ("resolvers",), slow_square, list(range(60))) == [
        x * x for x in range(60)
    ]
    assert 2 <= peak[0] <= 20


def test_map_in_flight_is_sequential_when_one_request_spends_the_quota() -> None:
    client = client_with(quota=1, latency_s=0.1)  # 1/s x 0.1 s: one in flight
    threads = set()
    map_in_flight(client, ("resolvers",), lambda x: threads.add(threading.get_ident()), [1, 2, 3])
    assert threads == {threading.get_ident()}
