"""Knobs: latency, rate limits (§7), seeded 5xx / 429 / timeout / truncation faults, stats.

These use the SYNTHETIC store from `helpers.synthetic_store` (small and fast); what is under
test is the server's behaviour, not the data.
"""

from __future__ import annotations

import logging
import time

import httpx2
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import parse_ratelimit_headers

from pipeline.hub.replay.limits import RateLimiter
from pipeline.hub.replay.server import ReplayKnobs
from pipeline.hub.replay.store import ReplayStore
from tests.hub.replay.helpers import synthetic_record, synthetic_store

OPEN = "/api/models/acme/open"


def test_latency_is_added_to_every_request(start_hub):
    hub = start_hub(synthetic_store(), latency_ms=150)
    started = time.monotonic()
    assert httpx2.get(hub.url + OPEN).status_code == 200
    assert time.monotonic() - started >= 0.15


def test_rate_limit_headers_on_every_response_and_429_over_quota(start_hub):
    hub = start_hub(synthetic_store(), rate_limit=3, rate_window_s=300)
    with httpx2.Client(base_url=hub.url) as client:
        answers = [client.get(p) for p in (OPEN, "/api/models/acme/missing", "/api/models")]
        for remaining, response in zip((2, 1, 0), answers, strict=True):
            info = parse_ratelimit_headers(response.headers)
            assert (info.resource_type, info.remaining, info.limit, info.window_seconds) == (
                "api", remaining, 3, 300,
            )  # fmt: skip
            assert response.headers["ratelimit-policy"] == '"fixed window";"api";q=3;w=300'
        over = client.get(OPEN)
        assert over.status_code == 429
        info = parse_ratelimit_headers(over.headers)
        assert info.remaining == 0 and 0 < info.reset_in_seconds <= 300
        assert over.headers["retry-after"] == str(info.reset_in_seconds)
        assert "3 requests to the 'api' bucket" in over.headers["x-error-message"]
        assert over.json() == {"error": over.headers["x-error-message"]}
        # The other buckets have their own quota.
        resolve = client.get("/acme/open/resolve/main/README.md")
        assert resolve.status_code == 200
        assert resolve.headers["ratelimit"].startswith('"resolvers";r=2;t=')
        page = client.get("/acme/open")
        assert page.headers["ratelimit"].startswith('"pages";r=2;t=')
    with pytest.raises(HfHubHTTPError, match="reached your 'api' rate limit"):
        HfApi(endpoint=hub.url, token=False).model_info("acme/open")
    assert hub.stats()["rate_limited"] == 2


def test_rate_limiter_fixed_windows_with_a_fake_clock():
    now = [100.0]
    limiter = RateLimiter(quota=2, window_s=10, clock=lambda: now[0])
    assert [limiter.hit("api").allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("resolvers").remaining == 1
    now[0] = 107.5
    verdict = limiter.hit("api")
    assert not verdict.allowed and verdict.reset_s == 3
    now[0] = 110.0  # a new window: counts start again
    verdict = limiter.hit("api")
    assert verdict.allowed and verdict.remaining == 1 and verdict.reset_s == 10
    assert RateLimiter(quota=None, window_s=10).hit("api") is None


def _outcomes(hub, count: int) -> list[str]:
    outcomes = []
    with httpx2.Client(base_url=hub.url, timeout=5) as client:
        for _ in range(count):
            try:
                response = client.get(OPEN)
            except httpx2.RemoteProtocolError:
                outcomes.append("truncate")
                continue
            if response.status_code >= 500:
                assert response.headers["x-replay-fault"] == "5xx"
                outcomes.append("5xx")
            elif response.status_code == 429:
                info = parse_ratelimit_headers(response.headers)
                assert (info.remaining, info.reset_in_seconds) == (0, 1)  # no quota: retry in 1 s
                assert response.headers["retry-after"] == "1"
                assert "ratelimit-policy" not in response.headers
                outcomes.append("429")
            else:
                assert response.status_code == 200 and response.json()["id"] == "acme/open"
                outcomes.append("ok")
    return outcomes


def test_faults_follow_the_rates_and_the_seed(start_hub):
    knobs = {"error_5xx_rate": 0.2, "error_429_rate": 0.1, "truncate_rate": 0.1, "seed": 7}
    store = synthetic_store()
    first = start_hub(store, **knobs)
    outcomes = _outcomes(first, 400)
    stats = first.stats()
    assert stats["model_info"] == 400
    for kind, rate in (("5xx", 0.2), ("429", 0.1), ("truncate", 0.1)):
        assert outcomes.count(kind) == stats["faults"][kind]
        assert abs(outcomes.count(kind) / 400 - rate) < 0.06, kind
    assert stats["faults"]["timeout"] == 0
    assert _outcomes(start_hub(store, **knobs), 100) == outcomes[:100]  # same seed, same faults
    assert _outcomes(start_hub(store, **{**knobs, "seed": 8}), 100) != outcomes[:100]


def test_injected_429_with_a_quota_reports_the_window(start_hub):
    hub = start_hub(synthetic_store(), error_429_rate=1.0, rate_limit=50, rate_window_s=120)
    response = httpx2.get(hub.url + OPEN)
    assert response.status_code == 429 and response.headers["x-replay-fault"] == "429"
    info = parse_ratelimit_headers(response.headers)
    assert info.remaining == 0 and info.limit == 50 and info.window_seconds == 120
    assert 110 <= info.reset_in_seconds <= 120
    assert response.headers["retry-after"] == str(info.reset_in_seconds)
    assert hub.stats()["faults"]["429"] == 1 and hub.stats()["rate_limited"] == 0


def test_official_client_raises_on_injected_5xx(start_hub):
    hub = start_hub(synthetic_store(), error_5xx_rate=1.0)
    with pytest.raises(HfHubHTTPError) as caught:
        HfApi(endpoint=hub.url, token=False).model_info("acme/open")
    assert caught.value.response.status_code in (500, 502, 503, 504)
    assert caught.value.request_id  # from X-Request-Id
    # Control endpoints are never faulted or counted.
    stats = httpx2.get(f"{hub.url}/_replay/stats").json()
    assert stats == hub.stats() and stats["faults"]["5xx"] == 1
    assert stats["other"] == 0


def test_truncated_body_is_a_client_side_error(start_hub):
    hub = start_hub(synthetic_store(), truncate_rate=1.0)
    with pytest.raises(httpx2.RemoteProtocolError):
        httpx2.get(hub.url + OPEN)
    with pytest.raises(httpx2.RemoteProtocolError):
        HfApi(endpoint=hub.url, token=False).model_info("acme/open")
    head = httpx2.head(hub.url + "/acme/open/resolve/main/README.md")
    assert head.status_code == 200  # HEAD has no body to cut
    assert hub.stats()["faults"]["truncate"] == 2


def test_timeout_stalls_the_answer(start_hub):
    hub = start_hub(synthetic_store(), timeout_rate=1.0, timeout_s=5)
    with pytest.raises(httpx2.ReadTimeout):
        httpx2.get(hub.url + OPEN, timeout=0.2)
    assert hub.stats()["faults"]["timeout"] == 1
    short = start_hub(synthetic_store(), timeout_rate=1.0, timeout_s=0.1)
    started = time.monotonic()
    assert httpx2.get(short.url + OPEN, timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.1


@pytest.mark.parametrize(
    ("knobs", "named"),
    [
        ({"error_5xx_rate": 1.5}, "error_5xx_rate"),
        ({"truncate_rate": -0.1}, "truncate_rate"),
        ({"error_5xx_rate": 0.6, "error_429_rate": 0.6}, "at most 1 in total"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"rate_window_s": 0}, "rate_window_s"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"timeout_s": float("nan")}, "timeout_s"),
        ({"seed": "x"}, "seed"),
    ],
)
def test_knobs_are_validated_naming_the_knob(knobs, named):
    with pytest.raises(ValueError, match=named):
        ReplayKnobs(**knobs)


def test_set_store_swaps_data_while_running(start_hub):
    hub = start_hub(synthetic_store())
    assert httpx2.get(hub.url + OPEN).json()["likes"] == 1
    # SYNTHETIC later snapshot: the same model with more likes, and one new model.
    later = ReplayStore.from_records(
        [synthetic_record("acme/open", likes=5), synthetic_record("acme/new")]
    )
    hub.set_store(later)
    assert httpx2.get(hub.url + OPEN).json()["likes"] == 5
    ids = [item["id"] for item in httpx2.get(hub.url + "/api/models").json()]
    assert ids == ["acme/open", "acme/new"]


def test_stats_count_kinds_and_reset(start_hub):
    hub = start_hub(synthetic_store())
    for path in (OPEN, "/api/models", "/acme/open/resolve/main/README.md", "/nowhere"):
        httpx2.get(hub.url + path)
    assert hub.stats() == {
        "models_list": 1, "model_info": 1, "resolve": 1, "org_overview": 0, "other": 1,
        "buckets": {"api": 2, "resolvers": 1, "pages": 1},
        "faults": {"5xx": 0, "429": 0, "timeout": 0, "truncate": 0}, "rate_limited": 0,
    }  # fmt: skip
    hub.reset_stats()
    stats = hub.stats()
    assert stats["models_list"] == stats["other"] == sum(stats["faults"].values()) == 0


def test_authorization_is_never_logged(start_hub, caplog):
    hub = start_hub(synthetic_store())
    secret = "hf_do_not_log_me_123"
    with caplog.at_level(logging.DEBUG, logger="pipeline.hub.replay"):
        response = httpx2.get(hub.url + OPEN, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert caplog.records  # request lines are logged at debug level...
    assert secret not in caplog.text  # ...but never the token
    assert secret not in repr(hub.stats())
