"""A local download-count API over real HTTP (127.0.0.1, `http.server`), serving the
SYNTHETIC fixtures of `fixtures/` (hand-written in the documented shapes; see its README).

Each path has a queue of answers: the first ones are served once each (e.g. a 429 then a
500), the last one for every later request. A path may instead map to a function of the path
(a fake registry answering any list of names). Unknown paths are answered 404.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def synthetic(name: str) -> bytes:
    """The bytes of a SYNTHETIC fixture (`fixtures/synthetic_<name>.json`)."""
    return (FIXTURES / f"synthetic_{name}.json").read_bytes()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


Route = list[Reply] | Callable[[str], Reply]


@dataclass
class RegistryServer:
    base: str
    routes: dict[str, Route]
    log: list[tuple[str, dict[str, str]]]  # (path, headers) of every request, in order

    def paths(self) -> list[str]:
        return [path for path, _ in self.log]


@pytest.fixture
def registry_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RegistryServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # never via a proxy
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    routes: dict[str, Route] = {}
    log: list[tuple[str, dict[str, str]]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                log.append((self.path, dict(self.headers)))
                route = routes.get(self.path)
                if route is None:
                    route = next(
                        (
                            r
                            for p, r in routes.items()
                            if p.endswith("*") and self.path.startswith(p[:-1])
                        ),
                        None,
                    )
                if callable(route):
                    reply = route(self.path)
                elif route:
                    reply = route.pop(0) if len(route) > 1 else route[0]
                else:
                    reply = Reply(404, b"<html>Not Found</html>", content_type="text/html")
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield RegistryServer(f"http://{host}:{port}", routes, log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def fake_npm_registry(counts: dict[str, int], bulk_max: int = 128) -> Callable[[str], Reply]:
    """A fake `/downloads/point/last-month/<names>` following the documented rules: bulk
    answers keyed by name (`null` when unknown), a single name in the single shape, 400 for a
    scoped name in a bulk query or more than `bulk_max` names. Bodies are SYNTHETIC."""
    prefix = "/downloads/point/last-month/"

    def point(name: str) -> dict:
        return {
            "downloads": counts[name],
            "start": "2025-01-01",
            "end": "2025-01-30",
            "package": name,
        }

    def answer(path: str) -> Reply:
        names = [n for n in path[len(prefix) :].split(",") if n]
        if len(names) > 1 and any(n.startswith("@") for n in names):
            return Reply(400, synthetic("npm_scoped_in_bulk_error"))
        if len(names) > bulk_max:
            return Reply(400, json.dumps({"error": "too many packages (synthetic)"}).encode())
        if len(names) == 1:
            name = names[0]
            if name not in counts:
                return Reply(404, json.dumps({"error": f"package {name} not found"}).encode())
            return Reply(200, json.dumps(point(name)).encode())
        body = {n: point(n) if n in counts else None for n in names}
        return Reply(200, json.dumps(body).encode())

    return answer
