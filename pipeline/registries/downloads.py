"""Monthly download counts of NPM and PyPI packages from the registries' public APIs: the
fresh NPM and PyPI series of Figure 1 (issue 4).

The APIs and their answers, as documented (checked when this was written):

* NPM, point values, `GET {npm_base}/downloads/point/last-month/{package}`: the downloads of
  the last 30 available days, `{"downloads": 31623, "start": "2014-01-01", "end":
  "2014-01-31", "package": "jquery"}`; a scoped package keeps its slash
  (`/downloads/point/last-month/@slack/client`). Bulk queries put a comma-separated list in
  place of the package, at most 128 packages a request, and do not support scoped packages.
  Source: https://github.com/npm/registry/blob/main/docs/download-counts.md ("Point values",
  "Bulk Queries", "Limits").
  The bulk answer is an object keyed by package name whose values are point objects, and a
  one-name request gets the single shape (npm's maintainers in
  https://github.com/npm/registry-issue-archive/issues/104); a package without data is `null`
  (query-registry's response schema, `z.record(z.string(), z.union([z.null(),
  PackageDownloads]))`, https://app.unpkg.com/query-registry@4.2.0/files/dist/get-bulk-package-downloads.js);
  a scoped name in a bulk request is answered 400 `{"error": "scoped packages are not
  currently supported in bulk lookups"}` (https://github.com/npm/download-counts/issues/37).
* PyPI, through PyPI Stats, `GET {pypi_base}/api/packages/{package}/recent`:
  `{"data": {"last_day": 1, "last_month": 2, "last_week": 3}, "package": "package_name",
  "type": "recent_downloads"}`; counts exclude known mirrors and are updated once a day;
  rate limiting is per IP and clients are asked to cache and not to crawl every package.
  Source: https://pypistats.org/api/. An unknown package is answered 404 (the server's view,
  https://github.com/crflynn/pypistats.org, `pypistats/views/api.py`); the official client
  lower-cases the name (https://github.com/hugovk/pypistats, `src/pypistats/__init__.py`).

Parsing (`parse_npm_point`, `parse_pypistats_recent`, `npm_requests`) is pure; `RegistryClient`
does the HTTP: timeouts, retries on the Hub client's schedule (`pipeline.hub.ratelimit`: the
same retryable statuses and `retry_delay`, honouring an integer `Retry-After`), a User-Agent
naming the project, and a minimum interval between two
requests to one host. Base URLs are parameters, so tests point them at a local server.

The package lists are the paper's (`paper_npm_packages`, `paper_pypi_packages`): the artifact
names 133 NPM packages (`npm_list.csv`, not copied into `data/icse23/`; read from there when
present, else from `../shared/data/icse23-artifact/`, else the top 20 of
`top20npm_downloads.csv`), but only 20 PyPI packages (`top20pypi_downloads.csv`): the names of
its PyPI top 100 are not published (`transformed_packages.csv` has counts without names).
"""

from __future__ import annotations

import csv
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd
import requests

from pipeline import __version__
from pipeline.analyze.figure1 import REGISTRY_COLUMNS, REGISTRY_DOWNLOADS
from pipeline.analyze.population import DATA_DIR
from pipeline.atomic import write_text_atomic
from pipeline.errors import PipelineError
from pipeline.hub.client import RetryPolicy
from pipeline.hub.ratelimit import RETRY_STATUSES, retry_delay
from pipeline.hub.retry import Retry, call_with_retries
from pipeline.paths import ICSE23_ARTIFACT

log = logging.getLogger(__name__)

NPM_BASE = "https://api.npmjs.org"
PYPI_BASE = "https://pypistats.org"
NPM_BULK_MAX = 128
USER_AGENT = (
    f"ptm-pipeline/{__version__} (research tool reproducing Jiang et al., ICSE 2023, Figure 1; "
    f"a few requests a run) python-requests/{requests.__version__}"
)
ARTIFACT_DIR = ICSE23_ARTIFACT


class RegistryError(PipelineError):
    """A download-count API failed for good; the message is one line naming the URL."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url


class RegistryUnreachable(RegistryError):
    """The API's host could not be reached (offline, DNS, refused, timed out)."""


# --- pure parsing -----------------------------------------------------------------------


def _count(value: Any) -> int | None:
    """A download count, or None when the value is not a non-negative whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def parse_npm_point(payload: Any) -> dict[str, int | None]:
    """Counts by package name from an NPM `/downloads/point/...` answer, in any of its shapes:
    single (`{"downloads": n, "package": name, ...}`), bulk (`{name: point | null, ...}`,
    null or a point without a count giving None) or error (`{"error": "..."}`, giving {}).
    ValueError when the answer is none of these."""
    if not isinstance(payload, dict):
        raise ValueError(f"npm answer is a JSON {type(payload).__name__}, not an object")
    if isinstance(payload.get("error"), str):
        return {}
    if "downloads" in payload and not isinstance(payload["downloads"], dict | None):
        name = payload.get("package")
        if not isinstance(name, str):
            raise ValueError("npm point answer has no package name")
        return {name: _count(payload["downloads"])}
    return {
        str(name): _count(point.get("downloads")) if isinstance(point, dict) else None
        for name, point in payload.items()
    }


def parse_pypistats_recent(payload: Any) -> int | None:
    """`data.last_month` of a PyPI Stats `/api/packages/<name>/recent` answer; None when the
    answer has no such count. ValueError when the answer is not a JSON object."""
    if not isinstance(payload, dict):
        raise ValueError(f"pypistats answer is a JSON {type(payload).__name__}, not an object")
    data = payload.get("data")
    return _count(data.get("last_month")) if isinstance(data, dict) else None


def is_scoped(name: str) -> bool:
    return name.startswith("@")


def npm_requests(
    names: Sequence[str], base: str = NPM_BASE, bulk_max: int = NPM_BULK_MAX
) -> list[tuple[str, list[str]]]:
    """(URL, names answered) for every request needed: unscoped names in bulk requests of at
    most `bulk_max`, each scoped name alone (bulk queries do not support them)."""
    base = base.rstrip("/")
    unscoped = [n for n in dict.fromkeys(names) if not is_scoped(n)]
    scoped = [n for n in dict.fromkeys(names) if is_scoped(n)]
    out = []
    for start in range(0, len(unscoped), bulk_max):
        chunk = unscoped[start : start + bulk_max]
        path = ",".join(quote(n, safe="") for n in chunk)
        out.append((f"{base}/downloads/point/last-month/{path}", chunk))
    for name in scoped:
        out.append((f"{base}/downloads/point/last-month/{quote(name, safe='@/')}", [name]))
    return out


def pypi_normalize(name: str) -> str:
    """PEP 503 normal form: lower case, runs of `-_.` as one `-`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pypistats_url(name: str, base: str = PYPI_BASE) -> str:
    return f"{base.rstrip('/')}/api/packages/{quote(pypi_normalize(name), safe='')}/recent"


# --- HTTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchPolicy(RetryPolicy):
    """The Hub client's retry policy with the registries' defaults, plus spacing.
    `connect_retries` is small: an unreachable host is usually offline, and saying so
    quickly is more useful than a minute of backoff."""

    timeout_s: float = 20.0
    max_retries: int = 4
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 30.0
    connect_retries: int = 1
    min_interval_s: float = 0.5


@dataclass(frozen=True)
class Answer:
    url: str
    status: int
    payload: Any  # parsed JSON, or None when the body was not JSON (404s only)
    received_at: datetime


class RegistryClient:
    """GET JSON from the download-count APIs, politely. Statuses other than 200 and 404
    raise `RegistryError` (after retries for 408/429/5xx); a host that cannot be reached
    raises `RegistryUnreachable`."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self.session = session or requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self._sleep, self._clock, self._now = sleep, clock, now
        self._rng = rng or random.Random()
        self._last: dict[str, float] = {}
        self.requests = 0
        self.retries = 0

    def get_json(self, url: str) -> Answer:
        policy = self.policy
        connect_failures = 0

        def attempt_once(attempt: int) -> requests.Response | Retry:
            nonlocal connect_failures
            self._space(url)
            self.requests += 1
            try:
                response = self.session.get(url, timeout=policy.timeout_s)
            except (requests.ConnectionError, requests.Timeout) as error:
                refused = not isinstance(error, requests.ReadTimeout)
                connect_failures += refused
                limit = policy.connect_retries if refused else policy.max_retries
                if (connect_failures if refused else attempt) > limit:
                    raise RegistryUnreachable(
                        url,
                        f"cannot reach the download-count API ({_reason(error)}) after "
                        f"{attempt} attempt(s); offline? it needs internet access",
                    ) from error
                return Retry(_reason(error))
            except requests.RequestException as error:
                raise RegistryError(url, f"request failed: {_reason(error)}") from error
            if response.status_code in RETRY_STATUSES:
                log.info("%s: HTTP %d, attempt %d", url, response.status_code, attempt)
                retry_after = response.headers.get("Retry-After")
                headers = {"Retry-After": retry_after} if retry_after is not None else None
                return Retry(
                    f"HTTP {response.status_code}", response.status_code, headers, response
                )
            return response

        def wait(retry: int, last: Retry) -> None:
            self._backoff(retry, (last.headers or {}).get("Retry-After"))

        outcome, attempts = call_with_retries(attempt_once, policy.max_retries, wait)
        if isinstance(outcome, Retry) and outcome.response is None:
            raise RegistryUnreachable(
                url,
                f"cannot reach the download-count API ({outcome.problem}) after {attempts} "
                "attempt(s); offline? it needs internet access",
            )
        response = outcome.response if isinstance(outcome, Retry) else outcome
        return self._answer(url, response, attempts)

    def _answer(self, url: str, response: requests.Response, attempts: int) -> Answer:
        status = response.status_code
        if status not in (200, 404):
            raise RegistryError(url, f"HTTP {status} after {attempts} attempt(s)")
        try:
            payload = response.json()
        except ValueError as error:
            if status == 404:
                payload = None
            else:
                raise RegistryError(
                    url, "answered HTTP 200 with a body that is not JSON"
                ) from error
        return Answer(url, status, payload, self._now())

    def _space(self, url: str) -> None:
        host = urlsplit(url).netloc
        last = self._last.get(host)
        if last is not None:
            wait = self.policy.min_interval_s - (self._clock() - last)
            if wait > 0:
                self._sleep(wait)
        self._last[host] = self._clock()

    def _backoff(self, attempt: int, retry_after: str | None) -> None:
        """Sleep as the Hub client does (`retry_delay`), an announced wait without jitter."""
        self.retries += 1
        delay = retry_delay(
            attempt,
            {"Retry-After": retry_after} if retry_after is not None else None,
            base_s=self.policy.backoff_base_s,
            cap_s=self.policy.backoff_cap_s,
            rng=self._rng,
            announced_jitter_s=0.0,
        )
        self._sleep(delay)


def _reason(error: BaseException) -> str:
    """A short one-line cause: "[Errno 111] Connection refused", "ReadTimeout", ..."""
    text = str(error)
    match = re.search(r"\[Errno -?\d+\] [^'\"()\]]+", text)
    if match:
        return match.group(0).strip()
    for marker in ("NameResolutionError", "Failed to resolve", "timed out"):
        if marker in text:
            return f"{type(error).__name__}: {marker}"
    return type(error).__name__


# --- fetching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    ecosystem: str
    package: str
    downloads_last_month: int | None
    fetched_at: str
    source_url: str


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fetch_npm(
    client: RegistryClient,
    names: Sequence[str],
    base: str = NPM_BASE,
    progress: Callable[[int], object] | None = None,
) -> list[Count]:
    """Last-month downloads of NPM packages (bulk for unscoped names, one by one for scoped
    ones); None for a package the API has no count for."""
    rows = []
    for url, chunk in npm_requests(names, base):
        answer = client.get_json(url)
        counts = {} if answer.status == 404 else _parsed(url, parse_npm_point, answer.payload)
        if len(chunk) == 1 and len(counts) == 1 and chunk[0] not in counts:
            counts = {chunk[0]: next(iter(counts.values()))}  # single shape, name spelt apart
        stamp = _stamp(answer.received_at)
        rows += [Count("npm", n, counts.get(n), stamp, url) for n in chunk]
        if progress:
            progress(len(chunk))
    return rows


def fetch_pypi(
    client: RegistryClient,
    names: Sequence[str],
    base: str = PYPI_BASE,
    progress: Callable[[int], object] | None = None,
) -> list[Count]:
    """Last-month downloads of PyPI packages from PyPI Stats, one request each; None for a
    package it does not know (404)."""
    rows = []
    for name in dict.fromkeys(names):
        url = pypistats_url(name, base)
        answer = client.get_json(url)
        value = (
            None if answer.status == 404 else _parsed(url, parse_pypistats_recent, answer.payload)
        )
        rows.append(Count("pypi", name, value, _stamp(answer.received_at), url))
        if progress:
            progress(1)
    return rows


def _parsed(url: str, parse: Callable[[Any], Any], payload: Any) -> Any:
    try:
        return parse(payload)
    except ValueError as error:
        raise RegistryError(url, f"unexpected answer: {error}") from error


def counts_frame(rows: Iterable[Count]) -> pd.DataFrame:
    """The tidy table of `registry_downloads.csv`: one row per package."""
    frame = pd.DataFrame([row.__dict__ for row in rows], columns=list(REGISTRY_COLUMNS))
    frame["downloads_last_month"] = frame["downloads_last_month"].astype("Int64")
    return frame


def write_registry_downloads(frame: pd.DataFrame, results: Path) -> Path:
    """Write `<results>/registry_downloads.csv` atomically (temp file, fsync, rename)."""
    target = Path(results) / REGISTRY_DOWNLOADS
    write_text_atomic(target, frame[list(REGISTRY_COLUMNS)].to_csv(index=False))
    return target


# --- the paper's package lists ------------------------------------------------------------


@dataclass(frozen=True)
class PackageList:
    ecosystem: str
    names: tuple[str, ...]
    source: str  # where the names come from, for the command's summary


def read_npm_list(path: Path) -> list[str]:
    """The NPM names of the artifact's `npm_list.csv` (no header; name in column 20, monthly
    downloads in column 22), most downloaded first, duplicates dropped."""
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if len(row) > 21 and row[19].strip() and row[20].strip() == "npm":
                downloads = pd.to_numeric(row[21].replace(",", ""), errors="coerce")
                rows.append((row[19].strip(), 0 if pd.isna(downloads) else float(downloads)))
    rows.sort(key=lambda r: -r[1])  # stable: ties keep the file's order
    return list(dict.fromkeys(name for name, _ in rows))


def read_top20(path: Path, column: str) -> list[str]:
    return list(dict.fromkeys(pd.read_csv(path)[column].astype(str).str.strip()))


def read_name_file(path: Path) -> list[str]:
    """One package name a line; blank lines and `#` comments ignored."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    names = (line.split("#", 1)[0].strip() for line in lines)
    return list(dict.fromkeys(n for n in names if n))


def paper_npm_packages(
    data_dir: Path = DATA_DIR, artifact_dir: Path | None = ARTIFACT_DIR
) -> PackageList:
    """The paper's NPM packages: `npm_list.csv` (133 names) from `data_dir`, else from the
    shared artifact folder, else only the top 20 (`top20npm_downloads.csv`)."""
    top20 = read_top20(Path(data_dir) / "top20npm_downloads.csv", "model")
    for folder in (data_dir, artifact_dir):
        path = Path(folder) / "npm_list.csv" if folder is not None else None
        if path is not None and path.is_file():
            names = list(dict.fromkeys([*read_npm_list(path), *top20]))
            return PackageList("npm", tuple(names), f"{path} ({len(names)} names)")
    source = f"{Path(data_dir) / 'top20npm_downloads.csv'} (top 20 only: npm_list.csv not found)"
    return PackageList("npm", tuple(top20), source)


def paper_pypi_packages(data_dir: Path = DATA_DIR) -> PackageList:
    """The paper's PyPI packages with names: only its top 20 (`top20pypi_downloads.csv`)."""
    path = Path(data_dir) / "top20pypi_downloads.csv"
    names = read_top20(path, "repo")
    return PackageList("pypi", tuple(names), f"{path} (top 20 only: the artifact names no more)")
