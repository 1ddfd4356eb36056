"""`HubClient`: the only code that sends HTTP requests to a Hub.

It speaks the Hub's own API (docs/hub-api.md) through huggingface_hub's shared HTTP session
and its error funnel (`hf_raise_for_status`), and adds what the official client leaves out
for a crawler: a rate budget, retries with jittered backoff on 408/429/5xx, timeouts and
truncated bodies for *every* request (the official client does not retry the first listing
page or `model_info`), and per-endpoint request counts. It returns raw JSON; parsing lives
elsewhere. The token is put in the request headers and nowhere else.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx2
from huggingface_hub.utils import HfHubHTTPError, build_hf_headers, get_session, hf_raise_for_status

from pipeline import __version__
from pipeline.errors import (
    DisabledRepoError,
    EntryNotFoundError,
    GatedRepoError,
    HubError,
    HubRequestError,
    NotFoundError,
    NotRecordedError,
    RateLimitError,
    RepoNotFoundError,
    RevisionNotFoundError,
)
from pipeline.hub.boundedjson import JsonRefused, decode_json_array, loads_bounded
from pipeline.hub.protocol import (
    DISABLED_MESSAGE,
    ENTRY_NOT_FOUND,
    ERROR_CODE_HEADER,
    ERROR_MESSAGE_HEADER,
    GATED_REPO,
    NOT_RECORDED_HEADER,
    RECORDED_AT_HEADER,
    REPO_NOT_FOUND,
    REVISION_NOT_FOUND,
)
from pipeline.hub.ratelimit import RETRY_STATUSES, RateBudget, bucket_of, retry_delay
from pipeline.hub.retry import Retry, call_with_retries

log = logging.getLogger(__name__)

_TRANSIENT_EXCEPTIONS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 6
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    timeout_s: float = 30.0


@dataclass(frozen=True)
class ListingPage:
    """One page of `GET /api/models`: the URL asked, its raw items, and the next page's URL."""

    url: str
    items: list[Any]
    next_url: str | None
    # The body as received, for archiving and for handing to workers without re-encoding.
    raw: bytes = b""
    # When the data was recorded, if the server is a replay Hub that says so.
    recorded_at: str | None = None


def endpoint_kind(path: str) -> str:
    """A short name for the kind of endpoint a URL path hits, for request counts."""
    path = path.split("?", 1)[0]
    if "/resolve/" in path:
        return "resolve"
    if path.rstrip("/").endswith("/api/models"):
        return "models_list"
    if "/api/models/" in path:
        return "model_info"
    if "/api/datasets/" in path:
        return "dataset_info"
    if "/api/organizations/" in path:
        return "org_overview"
    return "other"


_ERROR_TYPES: dict[str, type[HubRequestError]] = {
    REPO_NOT_FOUND: RepoNotFoundError,
    REVISION_NOT_FOUND: RevisionNotFoundError,
    ENTRY_NOT_FOUND: EntryNotFoundError,
    GATED_REPO: GatedRepoError,
}


def error_type_of(response: httpx2.Response) -> type[HubRequestError]:
    """The typed error for a failed answer, from `X-Error-Code`, the message and the status
    (in huggingface_hub's order, docs/hub-api.md §6)."""
    headers = response.headers
    code = headers.get(ERROR_CODE_HEADER)
    if code == ENTRY_NOT_FOUND and headers.get(NOT_RECORDED_HEADER):
        return NotRecordedError
    if code in _ERROR_TYPES:
        return _ERROR_TYPES[code]
    if headers.get(ERROR_MESSAGE_HEADER) == DISABLED_MESSAGE:
        return DisabledRepoError
    if response.status_code == 404:
        return NotFoundError
    if response.status_code == 429:
        return RateLimitError
    return HubRequestError


class HubClient:
    """Raw JSON from one Hub endpoint, within a rate budget, with retries.

    Thread-safe; one instance is meant to be shared by the threads of a process.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        token: str | bool | None = None,
        policy: RetryPolicy | None = None,
        budget: RateBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._token = token
        self.policy = policy or RetryPolicy()
        self.budget = budget or RateBudget({"api": 1000, "resolvers": 5000, "pages": 200}, 300.0)
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        self._last_answer: dict[int, float] = {}

    def _headers(self) -> dict[str, str]:
        return build_hf_headers(
            token=self._token, library_name="ptm-pipeline", library_version=__version__
        )

    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.endpoint}/{path_or_url.lstrip('/')}"

    def get(
        self,
        path_or_url: str,
        params: Sequence[tuple[str, str]] | None = None,
        *,
        follow_redirects: bool = True,
    ) -> httpx2.Response:
        """GET with budget, retries and the error funnel; returns a 2xx response, body read
        (or, with `follow_redirects=False`, a 3xx one: each hop is then the caller's request,
        booked in the budget; with it, the session's redirects are not booked)."""
        url = self._url(path_or_url)
        kind, bucket = endpoint_kind(url), bucket_of(url)

        def attempt_once(attempt: int) -> httpx2.Response | Retry:
            # A request's time, for the budget's requests in flight (Little's law), is what
            # it holds a thread: since this thread's previous answer (the caller's work on
            # it: parsing, writing rows), booking it (a round trip to a shared budget) and
            # the answer; not the wait for a free slot in the window.
            booked = time.monotonic()
            thread = threading.get_ident()
            started = min(self._last_answer.get(thread, booked), booked)
            waited = self.budget.acquire(bucket)
            with self._lock:
                self.requests[kind] += 1
            try:
                response = get_session().get(
                    url,
                    # httpx drops the query of `url` when given params, even an empty list.
                    params=list(params) if params else None,
                    headers=self._headers(),
                    timeout=self.policy.timeout_s,
                    follow_redirects=follow_redirects,
                )
                response.read()
            except httpx2.TooManyRedirects as error:
                raise HubRequestError(
                    url, f"too many redirects (a loop?): {error}", attempts=attempt
                ) from None
            except httpx2.ConnectError as error:
                if attempt == 1 and not self.requests_succeeded():
                    raise HubError(
                        f"cannot reach the Hub at {self.endpoint}: {error}. "
                        "Check hub.endpoint in the configuration or HF_ENDPOINT."
                    ) from error
                return Retry(f"connection failed: {error}")
            except _TRANSIENT_EXCEPTIONS as error:
                return Retry(f"{type(error).__name__}: {error}")
            answered = time.monotonic()
            self._last_answer[thread] = answered
            self.budget.observe_latency(bucket, answered - started - (waited or 0.0))
            self.budget.observe(response.headers)
            if response.status_code in RETRY_STATUSES:
                status = response.status_code
                return Retry(f"HTTP {status}", status, dict(response.headers))
            if not (response.is_redirect and not follow_redirects):
                self._raise_for_status(response, url, attempt)
            with self._lock:
                self.requests["_ok"] += 1
            return response

        def wait(retry: int, last: Retry) -> None:
            delay = retry_delay(
                retry,
                last.headers,
                base_s=self.policy.backoff_base_s,
                cap_s=self.policy.backoff_cap_s,
                rng=self._rng,
            )
            with self._lock:
                self.retries[kind] += 1
            log.debug("retry %d of %s in %.2fs: %s", retry, url, delay, last.problem)
            self._sleep(delay)

        outcome, attempts = call_with_retries(attempt_once, self.policy.max_retries, wait)
        if isinstance(outcome, Retry):
            error_type = RateLimitError if outcome.status == 429 else HubRequestError
            raise error_type(
                url, f"gave up: {outcome.problem}", status=outcome.status, attempts=attempts
            )
        return outcome

    def requests_succeeded(self) -> bool:
        with self._lock:
            return self.requests["_ok"] > 0

    @staticmethod
    def _raise_for_status(response: httpx2.Response, url: str, attempt: int) -> None:
        """The error funnel: huggingface_hub's `hf_raise_for_status`, then one typed error."""
        try:
            hf_raise_for_status(response)
        except HfHubHTTPError as error:
            raise error_type_of(response)(
                url,
                f"{type(error).__name__}: {error.server_message or response.reason_phrase}",
                status=response.status_code,
                error_code=response.headers.get(ERROR_CODE_HEADER),
                attempts=attempt,
            ) from error

    def get_json(
        self,
        path_or_url: str,
        params: Sequence[tuple[str, str]] | None = None,
        decode: Callable[[bytes], Any] = loads_bounded,
    ) -> tuple[Any, httpx2.Response]:
        """GET and decode JSON within limits (`boundedjson`); a body that is not JSON (e.g.
        truncated) is retried like a 5xx, one that nests too deep fails at once."""
        url = self._url(path_or_url)
        problem = ""
        for _ in range(self.policy.max_retries + 1):
            response = self.get(url, params)
            try:
                return decode(response.content), response
            except JsonRefused as error:
                raise HubRequestError(
                    url, f"response body refused: {error}", status=response.status_code
                ) from None
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                problem = f"response body is not valid JSON: {error}"
                with self._lock:
                    self.retries[endpoint_kind(url)] += 1
                log.debug("%s: %s", url, problem)
        raise HubRequestError(url, problem, attempts=self.policy.max_retries + 1)

    def list_models_pages(
        self, params: Sequence[tuple[str, str]], start_url: str | None = None
    ) -> Iterator[ListingPage]:
        """Follow `GET /api/models` pages through the absolute `Link: rel="next"` URLs.

        `start_url` resumes at a page URL recorded by an earlier run (it already carries
        the query and the cursor); otherwise the first page is asked with `params`.
        """
        url = start_url or self._url("/api/models")
        query: Sequence[tuple[str, str]] | None = None if start_url else params
        followed: set[str] = set()
        while url:
            if url in followed:
                raise HubRequestError(
                    url, "the listing's Link header points to a page already read"
                )
            followed.add(url)
            # Item by item when the page cannot be decoded whole: one hostile item must not
            # cost the page (its `UndecodableItem` becomes an error row when parsed).
            items, response = self.get_json(url, query, decode=decode_json_array)
            next_url = response.links.get("next", {}).get("url")
            yield ListingPage(
                url=str(response.request.url),
                items=items,
                next_url=next_url,
                raw=response.content,
                recorded_at=response.headers.get(RECORDED_AT_HEADER),
            )
            url, query = next_url, None

    def request_counts(self) -> dict[str, int]:
        with self._lock:
            return {k: v for k, v in self.requests.items() if not k.startswith("_")}
