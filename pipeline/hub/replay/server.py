"""`ReplayHub`: a Hub-compatible HTTP server on the loopback interface, over a `ReplayStore`.

Point `HF_ENDPOINT` (or `HfApi(endpoint=hub.url)`) at `hub.url` and the official client,
or our crawler, talks to recorded Hub data over real HTTP. `ReplayKnobs` adds the Hub's
misbehaviour on purpose: latency, fixed-window rate limits with the Hub's headers, and seeded
random 5xx, 429, slow answers (timeouts) and truncated bodies. Faults only hit `/api/...` and
resolve requests; `/_replay/stats` (GET) reports request and fault counts and is not counted.

Standard library only (`http.server.ThreadingHTTPServer`, daemon threads). The Authorization
header is classified (none / bearer / invalid) and never logged or stored.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from pipeline.hub.protocol import RECORDED_AT_HEADER
from pipeline.hub.replay.limits import (
    BUCKETS,
    FAULT_KINDS,
    Fault,
    FaultPicker,
    RateLimiter,
    rate_bucket,
    ratelimit_headers,
)
from pipeline.hub.replay.routes import (
    ENDPOINT_KINDS,
    Request,
    Store,
    auth_of,
    endpoint_kind,
    handle,
    is_hub_request,
)
from pipeline.hub.replay.wire import Answer, error_answer, json_answer

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_replay/"
RATES = ("error_5xx_rate", "error_429_rate", "timeout_rate", "truncate_rate")


@dataclass(frozen=True)
class ReplayKnobs:
    """How the replay Hub misbehaves. All off by default.

    Attributes:
        latency_ms: delay added to every Hub request.
        rate_limit: requests allowed per window per bucket (`api`/`resolvers`/`pages`); None = off.
        rate_window_s: length of the fixed rate-limit window.
        error_5xx_rate, error_429_rate, timeout_rate, truncate_rate: probability per request
            of an injected 5xx, a 429, a `timeout_s` stall before answering, or a body cut in
            half under a full Content-Length. They sum to <= 1. An injected 429 carries
            `RateLimit: ...;r=0;t=N`, `Retry-After: N` and, when `rate_limit` is set,
            `RateLimit-Policy`; N is the current window's reset when `rate_limit` is set,
            else 1 second.
        seed: seed of the fault RNG (same seed, same faults for a sequential client).
        require_token: answer 401 to Hub requests without `Authorization: Bearer <token>`.
    """

    latency_ms: float = 0
    rate_limit: int | None = None
    rate_window_s: float = 300
    error_5xx_rate: float = 0
    error_429_rate: float = 0
    timeout_rate: float = 0
    timeout_s: float = 30
    truncate_rate: float = 0
    seed: int = 0
    require_token: bool = False

    def __post_init__(self) -> None:
        _check(self.latency_ms, "latency_ms", ">= 0", lambda v: _finite(v) and v >= 0)
        _check(
            self.rate_limit,
            "rate_limit",
            "None or an int >= 1",
            lambda v: v is None or (_is_int(v) and v >= 1),
        )
        _check(self.rate_window_s, "rate_window_s", "> 0", lambda v: _finite(v) and v > 0)
        _check(self.timeout_s, "timeout_s", ">= 0", lambda v: _finite(v) and v >= 0)
        for name in RATES:
            _check(getattr(self, name), name, "in [0, 1]", lambda v: _finite(v) and 0 <= v <= 1)
        total = sum(getattr(self, name) for name in RATES)
        _check(total, " + ".join(RATES), "at most 1 in total", lambda v: v <= 1 + 1e-9)
        _check(self.seed, "seed", "an int", _is_int)

    def fault_rates(self) -> dict[str, float]:
        """The fault probabilities keyed by fault kind."""
        return dict(zip(FAULT_KINDS, (getattr(self, name) for name in RATES), strict=True))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check(value: Any, knob: str, expected: str, valid: Callable[[Any], bool]) -> None:
    if not valid(value):
        raise ValueError(f"replay knob {knob} must be {expected}, got {value!r}")


def ensure_loopback(host: str) -> str:
    """`host` if it is a loopback address (or `localhost`); a ValueError naming it otherwise."""
    if host == "localhost":
        return host
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"host {host!r} is not a loopback address; the replay Hub only serves on "
            "127.0.0.1, ::1 or localhost"
        )
    return host


class _Stats:
    """Thread-safe request and fault counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests = dict.fromkeys(ENDPOINT_KINDS, 0)
            self._buckets = dict.fromkeys(BUCKETS, 0)
            self._faults = dict.fromkeys(FAULT_KINDS, 0)
            self._rate_limited = 0

    def request(self, kind: str, bucket: str) -> None:
        with self._lock:
            self._requests[kind] += 1
            self._buckets[bucket] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def rate_limited(self) -> None:
        with self._lock:
            self._rate_limited += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self._requests,
                "buckets": dict(self._buckets),
                "faults": dict(self._faults),
                "rate_limited": self._rate_limited,
            }


class ReplayHub:
    """A replay Hub server; use as a context manager, or call `start()` and `stop()`."""

    def __init__(
        self,
        store: Store,
        knobs: ReplayKnobs = ReplayKnobs(),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._store = store
        self.knobs = knobs
        self.host = ensure_loopback(host)
        self.port = port
        self._stats = _Stats()
        self._limiter = RateLimiter(knobs.rate_limit, knobs.rate_window_s)
        self._faults = FaultPicker(knobs.fault_rates(), knobs.seed)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base_url = ""

    def __enter__(self) -> ReplayHub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> ReplayHub:
        """Bind and serve in a daemon thread. :raises OSError: the address cannot be bound."""
        if self._server is not None:
            raise RuntimeError(f"replay Hub already serving at {self.url}")
        server_class = _Server6 if ":" in self.host else _Server
        self._stopping.clear()
        self._server = server_class((self.host, self.port), _Handler)
        self._server.hub = self
        self.port = self._server.server_address[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._base_url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"replay-hub-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wake any request sleeping on latency or a timeout fault."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:51234` (set HF_ENDPOINT to it)."""
        if self._server is None:
            raise RuntimeError("replay Hub is not running: call start() first")
        return self._base_url

    @property
    def store(self) -> Store:
        """The store currently served."""
        return self._store

    def set_store(self, store: Store) -> None:
        """Serve another store from the next request on (e.g. a later snapshot)."""
        self._store = store

    def stats(self) -> dict[str, Any]:
        """Counts: `{<endpoint kind>: n, ..., "buckets": {<bucket>: n}, "faults": {<fault
        kind>: n}, "rate_limited": n}`.

        Endpoint kinds are `models_list`, `model_info`, `resolve`, `org_overview` and `other`;
        buckets are the Hub's rate-limit buckets `api`, `resolvers` and `pages` (`limits.py`);
        fault kinds are `5xx`, `429`, `timeout` and `truncate`; `rate_limited` counts the 429s
        of the rate limit (not the injected ones).
        """
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        """Zero every counter (the rate-limit windows are kept)."""
        self._stats.reset()

    def control(self, method: str, path: str) -> Answer:
        """Answer a `/_replay/...` request (not counted, never faulted)."""
        if method in ("GET", "HEAD") and path == CONTROL_PREFIX + "stats":
            return json_answer(200, self.stats())
        return json_answer(404, {"error": f"unknown replay control endpoint {path}"})

    def answer(
        self, method: str, path: str, query: str, authorization: str | None
    ) -> tuple[Answer, bool]:
        """Answer one Hub request with knobs applied; also says whether to truncate the body."""
        bucket = rate_bucket(path)
        self._stats.request(endpoint_kind(path), bucket)
        if self.knobs.latency_ms:
            self._stopping.wait(self.knobs.latency_ms / 1000)
        verdict = self._limiter.hit(bucket)
        limit_headers = verdict.headers() if verdict else {}
        fault = self._faults.draw() if is_hub_request(path) else None
        if verdict is not None and not verdict.allowed:
            self._stats.rate_limited()
            return self._rate_limited(verdict.reset_s, bucket, limit_headers), False
        if fault is not None and fault.kind in ("5xx", "429"):
            self._stats.fault(fault.kind)
            return self._injected(fault, bucket, limit_headers), False
        if fault is not None and fault.kind == "timeout":
            self._stats.fault("timeout")
            self._stopping.wait(self.knobs.timeout_s)
        request = Request(method, path, query, auth_of(authorization))
        try:
            result = handle(request, self._store, self._base_url, self.knobs.require_token)
        except Exception:
            logger.exception("replay Hub failed on %s %s", method, path)
            result = error_answer(500, "replay Hub internal error")
        truncate = fault is not None and fault.kind == "truncate"
        truncate = truncate and method != "HEAD" and len(result.body) > 1
        if truncate:
            self._stats.fault("truncate")
        return _with_headers(result, limit_headers), truncate

    def _rate_limited(self, reset_s: int, bucket: str, headers: dict[str, str]) -> Answer:
        message = (
            f"Rate limit reached: more than {self.knobs.rate_limit} requests to the "
            f"'{bucket}' bucket in a {self.knobs.rate_window_s:g}s window; retry in {reset_s}s"
        )
        return error_answer(429, message, headers={**headers, "Retry-After": str(reset_s)})

    def _injected(self, fault: Fault, bucket: str, headers: dict[str, str]) -> Answer:
        fault_header = {"X-Replay-Fault": fault.kind}
        if fault.kind == "5xx":
            message = f"Injected server error {fault.status} (replay fault)"
            return error_answer(fault.status, message, headers={**headers, **fault_header})
        knobs = self.knobs
        # Without a quota there is no window to wait for: say "retry in a second", so clients
        # that honour `t` (huggingface_hub waits t+1 s) do not stall for a whole window.
        reset_s = self._limiter.reset_in() if knobs.rate_limit is not None else 1
        exhausted = ratelimit_headers(bucket, 0, reset_s, knobs.rate_limit, knobs.rate_window_s)
        headers = {**headers, **exhausted, "Retry-After": str(reset_s), **fault_header}
        return error_answer(429, "Injected rate limit (replay fault)", headers=headers)


def _with_headers(answer: Answer, headers: dict[str, str]) -> Answer:
    if not headers:
        return answer
    return Answer(answer.status, {**answer.headers, **headers}, answer.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A crawler keeps dozens of requests in flight (quota x latency); socketserver's
    # default backlog of 5 made the kernel refuse connections that the Hub would accept.
    request_queue_size = 128
    block_on_close = False
    hub: ReplayHub

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, truncation tests) are normal; log anything else."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError | socket.timeout):
            return
        logger.exception("replay Hub connection error from %s", client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    """HTTP plumbing only: parse the request line, ask the hub, write the answer."""

    protocol_version = "HTTP/1.1"
    server_version = "replay-hub"
    timeout = 60
    disable_nagle_algorithm = True  # headers and body go in separate writes; avoid 40 ms stalls
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Request lines go to the debug log; headers (Authorization) are never logged."""
        logger.debug("%s " + format, self.client_address[0], *args)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(length)
        split = urlsplit(self.path)
        path = split.path or "/"
        hub = self.server.hub
        if path.startswith(CONTROL_PREFIX):
            self._send(hub.control(self.command, path), truncate=False)
            return
        answer, truncate = hub.answer(
            self.command, path, split.query, self.headers.get("Authorization")
        )
        self._send(answer, truncate)

    def _send(self, answer: Answer, truncate: bool) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("X-Request-Id", f"Root=1-{uuid.uuid4().hex}")
        recorded_at = self.server.hub.store.recorded_at
        if recorded_at:
            self.send_header(RECORDED_AT_HEADER, recorded_at)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if truncate:
            self.wfile.write(answer.body[: len(answer.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(answer.body)
