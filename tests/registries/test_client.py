"""`RegistryClient`, `fetch_npm` and `fetch_pypi` over real HTTP against the local server of
`conftest.py`, which serves SYNTHETIC fixtures (documented shapes, made-up counts)."""

from __future__ import annotations

import json
import random
import socket

import pytest

from pipeline.registries.downloads import (
    USER_AGENT,
    FetchPolicy,
    RegistryClient,
    RegistryError,
    RegistryUnreachable,
    fetch_npm,
    fetch_pypi,
)
from tests.registries.conftest import Reply, fake_npm_registry, synthetic

POINT = "/downloads/point/last-month/"
QUICK = FetchPolicy(timeout_s=5, max_retries=3, backoff_base_s=0.01, min_interval_s=0)


def quick_client(sleeps: list[float] | None = None, **policy: float) -> RegistryClient:
    """A client whose sleeps are recorded instead of slept (when `sleeps` is given)."""
    settings = {**QUICK.__dict__, **policy}
    sleep = sleeps.append if sleeps is not None else (lambda s: None)
    return RegistryClient(FetchPolicy(**settings), sleep=sleep, rng=random.Random(0))


def test_npm_bulk_and_scoped(registry_server) -> None:
    # SYNTHETIC fixtures: the bulk answer, a scoped package's single answer, a 404
    registry_server.routes.update(
        {
            POINT + "debug,chalk,tslib,synthetic-unknown-package": [
                Reply(200, synthetic("npm_point_bulk"))
            ],
            POINT + "@slack/client": [Reply(200, synthetic("npm_point_single_scoped"))],
            POINT + "@synthetic/missing": [Reply(404, synthetic("npm_point_not_found"))],
        }
    )
    names = [
        "debug",
        "@slack/client",
        "chalk",
        "tslib",
        "synthetic-unknown-package",
        "@synthetic/missing",
    ]
    progressed: list[int] = []
    rows = fetch_npm(quick_client(), names, registry_server.base, progressed.append)
    counts = {row.package: row.downloads_last_month for row in rows}
    assert counts == {
        "debug": 1234567890,
        "chalk": 987654321,
        "tslib": 555000111,
        "synthetic-unknown-package": None,
        "@slack/client": 4242424,
        "@synthetic/missing": None,
    }
    assert registry_server.paths() == [
        POINT + "debug,chalk,tslib,synthetic-unknown-package",
        POINT + "@slack/client",
        POINT + "@synthetic/missing",
    ]
    assert sum(progressed) == len(names)
    by_name = {row.package: row for row in rows}
    assert by_name["chalk"].source_url == registry_server.base + registry_server.paths()[0]
    assert by_name["@slack/client"].source_url.endswith("/last-month/@slack/client")
    assert all(row.ecosystem == "npm" and row.fetched_at.endswith("Z") for row in rows)
    assert all(headers["User-Agent"] == USER_AGENT for _, headers in registry_server.log)
    assert "ptm-pipeline" in USER_AGENT


def test_npm_many_names_follow_the_documented_rules(registry_server) -> None:
    """The fake registry answers 400 to a scoped name in bulk or to more than 128 names."""
    counts = {f"pkg-{i}": 1000 + i for i in range(130)} | {"@scope/a": 7}
    registry_server.routes[POINT + "*"] = fake_npm_registry(counts)
    names = [*counts, "@scope/unknown", "unknown-pkg"]
    rows = fetch_npm(quick_client(), names, registry_server.base)
    got = {row.package: row.downloads_last_month for row in rows}
    assert got == counts | {"@scope/unknown": None, "unknown-pkg": None}
    sizes = sorted(len(p[len(POINT) :].split(",")) for p in registry_server.paths())
    assert sizes == [1, 1, 3, 128]  # 131 unscoped in two bulk requests, 2 scoped alone


def test_npm_single_name_request_uses_the_single_shape(registry_server) -> None:
    registry_server.routes[POINT + "*"] = fake_npm_registry({"only": 5})
    rows = fetch_npm(quick_client(), ["only"], registry_server.base)
    assert [(r.package, r.downloads_last_month) for r in rows] == [("only", 5)]


def test_pypistats(registry_server) -> None:
    # SYNTHETIC fixtures for two packages; an unknown package gets the server's HTML 404
    registry_server.routes.update(
        {
            "/api/packages/boto3/recent": [Reply(200, synthetic("pypistats_recent_boto3"))],
            "/api/packages/requests/recent": [Reply(200, synthetic("pypistats_recent_requests"))],
        }
    )
    rows = fetch_pypi(quick_client(), ["boto3", "Requests", "no-such-pkg"], registry_server.base)
    assert [(r.ecosystem, r.package, r.downloads_last_month) for r in rows] == [
        ("pypi", "boto3", 333222111),
        ("pypi", "Requests", 222111000),
        ("pypi", "no-such-pkg", None),
    ]
    assert rows[1].source_url == registry_server.base + "/api/packages/requests/recent"


def test_retries_on_429_then_500(registry_server) -> None:
    path = "/api/packages/boto3/recent"
    registry_server.routes[path] = [
        Reply(429, b'{"message": "slow down"}', headers={"Retry-After": "2"}),
        Reply(500, b"oops", content_type="text/plain"),
        Reply(200, synthetic("pypistats_recent_boto3")),  # SYNTHETIC fixture
    ]
    sleeps: list[float] = []
    client = quick_client(sleeps)
    rows = fetch_pypi(client, ["boto3"], registry_server.base)
    assert rows[0].downloads_last_month == 333222111
    assert registry_server.paths() == [path] * 3
    assert client.retries == 2 and client.requests == 3
    assert sleeps[0] == 2.0  # Retry-After honoured
    assert 0.01 <= sleeps[1] <= 0.02  # then jittered exponential backoff (2nd attempt)


def test_retries_exhausted_is_one_line_naming_the_url(registry_server) -> None:
    path = POINT + "debug,chalk"
    registry_server.routes[path] = [Reply(503, b"unavailable", content_type="text/plain")]
    with pytest.raises(RegistryError) as caught:
        fetch_npm(quick_client(max_retries=2), ["debug", "chalk"], registry_server.base)
    message = str(caught.value)
    assert message == f"{registry_server.base}{path}: HTTP 503 after 3 attempt(s)"
    assert len(registry_server.log) == 3


def test_client_errors_are_not_retried(registry_server) -> None:
    path = POINT + "@a/b,c"  # never sent by fetch_npm; the documented 400
    registry_server.routes[path] = [Reply(400, synthetic("npm_scoped_in_bulk_error"))]
    client = quick_client()
    with pytest.raises(RegistryError, match="HTTP 400 after 1 attempt"):
        client.get_json(registry_server.base + path)
    assert len(registry_server.log) == 1


def test_a_200_that_is_not_json_is_an_error(registry_server) -> None:
    registry_server.routes["/api/packages/x/recent"] = [
        Reply(200, b"<html>maintenance</html>", content_type="text/html")
    ]
    with pytest.raises(RegistryError, match="not JSON"):
        fetch_pypi(quick_client(), ["x"], registry_server.base)


def test_an_unexpected_shape_is_an_error_naming_the_url(registry_server) -> None:
    registry_server.routes["/api/packages/x/recent"] = [Reply(200, json.dumps([1]).encode())]
    with pytest.raises(RegistryError, match=r"/api/packages/x/recent: unexpected answer"):
        fetch_pypi(quick_client(), ["x"], registry_server.base)


def test_requests_to_one_host_are_spaced(registry_server) -> None:
    for name in ("boto3", "requests"):
        registry_server.routes[f"/api/packages/{name}/recent"] = [
            Reply(200, synthetic(f"pypistats_recent_{name}"))  # SYNTHETIC fixtures
        ]
    sleeps: list[float] = []
    fetch_pypi(quick_client(sleeps, min_interval_s=30), ["boto3", "requests"], registry_server.base)
    assert len(sleeps) == 1 and 29 < sleeps[0] <= 30  # before the second request only


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_base_is_one_line_naming_the_url(monkeypatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    base = f"http://127.0.0.1:{free_port()}"
    sleeps: list[float] = []
    with pytest.raises(RegistryUnreachable) as caught:
        fetch_pypi(quick_client(sleeps), ["boto3"], base)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{base}/api/packages/boto3/recent: cannot reach")
    assert "Connection refused" in message and "after 2 attempt(s)" in message
    assert len(sleeps) == 1  # one quick retry, not the full backoff
