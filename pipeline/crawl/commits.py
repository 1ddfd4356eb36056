"""Signed commits of Hub repos, read from the git commit objects themselves.

The Hub API has no signature field, so each repo is fetched as a bare, tree-less partial
clone (`--filter=tree:0`: commit objects only, no trees, no file contents, no LFS) and every
commit's raw headers are scanned for `gpgsig` / `gpgsig-sha256`. Git writes that header for
GPG, SSH and X.509 signatures alike; signatures are detected, never verified.

Safety: model ids are validated before any git call; git runs with a scrubbed environment
(no inherited `GIT_*`, no user/system config, no credential helpers or prompts, hooks off,
only the URL's own protocol allowed); the token travels in `GIT_CONFIG_*` environment
variables (never argv, URLs, files or messages); each clone lives in a private temp dir
that is removed afterwards. Nothing fetched is ever executed or checked out.

Sampling: `stratified_sample` draws equal numbers of repos from equal-sized popularity
strata (download-rank deciles), so the pooled share of repos with signed commits is a
self-weighting estimate and `pipeline.stats.wilson_interval` gives its 95% CI.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from pipeline.crawl.pages import error_row
from pipeline.errors import PipelineError

STAGE = "commits"
FILTER = "tree:0"
"""Partial-clone filter: commits only. `blob:none` would still fetch every tree."""

SIGNATURE_HEADERS = (b"gpgsig", b"gpgsig-sha256")
"""Commit headers holding a signature (SHA-1 and SHA-256 object format)."""

SIGNATURE_KINDS = (
    (b"BEGIN PGP SIGNATURE", "gpg"),
    (b"BEGIN SSH SIGNATURE", "ssh"),
    (b"BEGIN SIGNED MESSAGE", "x509"),
)

SCHEMES = ("https", "http", "file")
"""URL schemes a repo may be fetched over; `file` exists for local repos and tests."""

MODEL_ID = re.compile(r"\w[\w.-]*(/\w[\w.-]*)?", re.ASCII)
"""Hub repo id (`name` or `namespace/name`); each part starts with a letter, digit or `_`."""

# Every git call: no hooks, no credential helpers or askpass, no protocol unless re-allowed
# per call (so a tree-less clone can never lazily fetch more), no redirects after the first
# request, no background gc.
HARDENING = (
    *("-c", "core.hooksPath=/dev/null"),
    *("-c", "credential.helper="),
    *("-c", "core.askPass="),
    *("-c", "protocol.allow=never"),
    *("-c", "http.followRedirects=initial"),
    *("-c", "gc.auto=0"),
    *("-c", "maintenance.auto=false"),
)


class GitFetchError(PipelineError):
    """A repo's commits could not be read. `code`: invalid-id, invalid-url, not-found, auth,
    timeout, filter-ignored, git-error or unreadable (anything else that went wrong). The
    message names the URL and never the token."""

    def __init__(
        self, message: str, *, code: str, url: str | None = None, http_status: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.url = url
        self.http_status = http_status


@dataclass(frozen=True)
class CommitHeader:
    """One commit: its id, committer date (UTC) and signature kind (None when unsigned)."""

    sha: str
    committed_at: datetime | None
    signature: str | None  # gpg, ssh, x509, other

    @property
    def signed(self) -> bool:
        return self.signature is not None


@dataclass(frozen=True)
class CommitSummary:
    """What the `commits` table keeps of one repo; dates are committer dates in UTC."""

    n_commits: int
    n_signed: int
    first_commit_at: datetime | None
    last_commit_at: datetime | None

    @classmethod
    def of(cls, headers: Sequence[CommitHeader]) -> CommitSummary:
        dates = [h.committed_at for h in headers if h.committed_at is not None]
        return cls(
            n_commits=len(headers),
            n_signed=sum(h.signed for h in headers),
            first_commit_at=min(dates, default=None),
            last_commit_at=max(dates, default=None),
        )


# -- ids and URLs -------------------------------------------------------------------------


def validate_model_id(model_id: str) -> str:
    """`model_id` unchanged if it is a plain Hub id; `GitFetchError(code="invalid-id")` if not."""
    if not isinstance(model_id, str) or not MODEL_ID.fullmatch(model_id) or ".." in model_id:
        raise GitFetchError(f"not a Hub model id: {model_id!r}", code="invalid-id")
    return model_id


def git_url(endpoint: str, model_id: str) -> str:
    """The git URL of a model repo: `{endpoint}/{model_id}` (the Hub serves git there)."""
    return f"{_check_url(endpoint).rstrip('/')}/{validate_model_id(model_id)}"


def _check_url(url: str) -> str:
    """`url` if git may fetch it: http(s) or file, no credentials, query or fragment."""
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in SCHEMES or url.startswith("-"):
        raise GitFetchError(f"not an http(s) or file URL: {url!r}", code="invalid-url")
    if "@" in parts.netloc:
        shown = parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()
        raise GitFetchError(f"URL must not carry credentials: {shown}", code="invalid-url")
    if parts.query or parts.fragment or any(c in url for c in "\n\r\0"):
        message = f"URL has a query, fragment or control character: {url!r}"
        raise GitFetchError(message, code="invalid-url")
    if parts.scheme != "file" and not parts.hostname:
        raise GitFetchError(f"URL has no host: {url!r}", code="invalid-url")
    return url


# -- parsing (pure) -----------------------------------------------------------------------


def parse_commit_headers(raw: bytes) -> list[CommitHeader]:
    """Parse `git cat-file --batch` output holding commit objects.

    Only top-level headers count: a `gpgsig` inside a `mergetag` or the message does not.
    A committer line without a readable date gives `committed_at=None`; a truncated batch,
    a missing object or a non-commit raises `ValueError` naming the object.
    """
    headers: list[CommitHeader] = []
    pos = 0
    while pos < len(raw):
        end = raw.find(b"\n", pos)
        if end < 0:
            raise ValueError(f"truncated batch header at byte {pos}: {raw[pos : pos + 80]!r}")
        fields = raw[pos:end].split()
        if len(fields) != 3:
            raise ValueError(f"bad batch header at byte {pos}: {raw[pos:end][:80]!r}")
        sha, kind, size_text = (f.decode("ascii", "replace") for f in fields)
        if kind != "commit" or not size_text.isdigit():
            raise ValueError(f"object {sha} is {kind} {size_text}, not a commit")
        body_start, size = end + 1, int(size_text)
        if len(raw) < body_start + size + 1:
            raise ValueError(f"object {sha}: batch ends before its {size} bytes")
        headers.append(_parse_commit(sha, raw[body_start : body_start + size]))
        pos = body_start + size + 1  # the object is followed by one newline
    return headers


def _parse_commit(sha: str, body: bytes) -> CommitHeader:
    committed_at: datetime | None = None
    signature: str | None = None
    for line in body.split(b"\n\n", 1)[0].split(b"\n"):
        name, _, value = line.partition(b" ")  # continuation lines start with " ": name b""
        if name == b"committer":
            committed_at = _git_date(value)
        elif name in SIGNATURE_HEADERS and signature is None:
            signature = _signature_kind(value)
    return CommitHeader(sha=sha, committed_at=committed_at, signature=signature)


def _git_date(ident: bytes) -> datetime | None:
    """UTC time of a `Name <email> 1700000000 +0200` identity; None if unreadable."""
    parts = ident.rsplit(b">", 1)[-1].split()
    try:
        return datetime.fromtimestamp(int(parts[0]), tz=UTC)
    except (IndexError, ValueError, OverflowError, OSError):
        return None


def _signature_kind(first_line: bytes) -> str:
    """gpg, ssh, x509 (gpgsm) or other, from the armor line that opens the signature."""
    for marker, kind in SIGNATURE_KINDS:
        if marker in first_line:
            return kind
    return "other"


# -- git (I/O) ----------------------------------------------------------------------------


def partial_clone(
    repo_url: str,
    dest: Path,
    *,
    timeout_s: float = 120,
    token: str | None = None,
    all_branches: bool = True,
) -> None:
    """Bare clone of `repo_url` into `dest` holding commit objects only (no trees, no blobs).

    All branches by default, the remote's default branch (`main` on the Hub) otherwise;
    no tags. Raises `GitFetchError` (not-found, auth, timeout, filter-ignored, git-error),
    also when the server ignored the filter and sent file contents.
    """
    scheme = urlsplit(_check_url(repo_url)).scheme
    shown = _scrub(repo_url, token)
    if shown != repo_url:
        message = f"refusing to clone {shown}: the URL holds the token (pass it as token= only)"
        raise GitFetchError(message, code="invalid-url", url=shown)
    args = [*HARDENING, "-c", f"protocol.{scheme}.allow=always", "clone", "--bare", "--quiet"]
    args += ["--no-tags", f"--filter={FILTER}", "--template="]
    args += [] if all_branches else ["--single-branch"]
    try:
        done = _run_git(
            [*args, "--", repo_url, str(dest)], env=_git_env(token), timeout_s=timeout_s
        )
    except subprocess.TimeoutExpired:
        message = f"git clone of {shown} timed out after {timeout_s:g} s"
        raise GitFetchError(message, code="timeout", url=shown) from None
    stderr = _scrub(done.stderr.decode("utf-8", "replace"), token)
    if done.returncode != 0:
        code, status = _classify(stderr, scheme)
        message = f"git clone of {shown} failed ({code}): {_last_message(stderr)}"
        raise GitFetchError(message, code=code, url=shown, http_status=status)
    if "filtering not recognized" in stderr:
        message = f"git clone of {shown}: the server ignored --filter={FILTER} (no partial clone)"
        raise GitFetchError(message, code="filter-ignored", url=shown)


def read_commit_headers(git_dir: Path, *, timeout_s: float = 60) -> list[CommitHeader]:
    """Headers of every commit reachable from a branch of the (partial) clone `git_dir`."""
    base = [*HARDENING, f"--git-dir={git_dir}"]  # protocol.allow=never: no lazy fetches
    env = _git_env(None)
    try:
        listed = _run_git([*base, "rev-list", "--branches"], env=env, timeout_s=timeout_s)
        _check_done(listed, "rev-list", git_dir)
        if not listed.stdout.strip():
            return []  # an empty repository
        batch = _run_git(
            [*base, "cat-file", "--batch"], env=env, timeout_s=timeout_s, stdin=listed.stdout
        )
        _check_done(batch, "cat-file", git_dir)
    except subprocess.TimeoutExpired:
        raise GitFetchError(f"reading commits in {git_dir} timed out", code="timeout") from None
    return parse_commit_headers(batch.stdout)


def signature_counts(
    repo_url: str,
    *,
    workdir: Path | None = None,
    timeout_s: float = 120,
    token: str | None = None,
    all_branches: bool = True,
) -> CommitSummary:
    """Commits and signed commits of one repo, via a partial clone in a private temp dir
    (under `workdir` if given) that is removed afterwards. Raises `GitFetchError`."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ptm-commits-", dir=workdir) as tmp:
        dest = Path(tmp) / "repo.git"
        partial_clone(repo_url, dest, timeout_s=timeout_s, token=token, all_branches=all_branches)
        remaining = max(timeout_s - (time.monotonic() - started), 1.0)
        try:
            headers = read_commit_headers(dest, timeout_s=remaining)
        except GitFetchError as error:
            raise GitFetchError(f"{repo_url}: {error}", code=error.code, url=repo_url) from None
        except ValueError as error:
            raise GitFetchError(f"{repo_url}: {error}", code="git-error", url=repo_url) from None
    return CommitSummary.of(headers)


def _check_done(done: subprocess.CompletedProcess[bytes], what: str, git_dir: Path) -> None:
    if done.returncode != 0:
        detail = _last_message(done.stderr.decode("utf-8", "replace"))
        raise GitFetchError(f"git {what} in {git_dir} failed: {detail}", code="git-error")


def _git_env(token: str | None) -> dict[str, str]:
    """Environment for git: no inherited `GIT_*`/askpass, no user or system config, English
    messages, no prompts, LFS never smudged; the token only as a `GIT_CONFIG_*` header."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "SSH_ASKPASS"}
    env |= {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_LFS_SKIP_SMUDGE": "1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "LC_ALL": "C",
    }
    if token:
        if any(c in token for c in "\r\n\0"):
            raise GitFetchError("token contains a line break or NUL", code="auth")
        env |= {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.extraHeader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Bearer {token}",
        }
    return env


def _run_git(
    args: list[str], *, env: dict[str, str], timeout_s: float, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run `git *args`; on timeout kill git and its helpers (own process group) and re-raise."""
    with subprocess.Popen(
        ["git", *args],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(stdin, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


_HTTP_STATUS = re.compile(r"returned error: (\d{3})")


def _classify(stderr: str, scheme: str) -> tuple[str, int | None]:
    """(code, HTTP status) of a failed clone from git's (English) stderr.

    git names the status only for unusual answers; its 401 and 404 messages are mapped back
    (the Hub answers 401 for missing and for private repos alike).
    """
    found = _HTTP_STATUS.search(stderr)
    status = int(found.group(1)) if found else None
    text = stderr.lower()
    web = scheme in ("http", "https")
    if status in (401, 403) or "could not read username" in text or "authentication" in text:
        return "auth", status or (401 if web else None)
    if status == 404 or "not found" in text or "does not appear to be a git repo" in text:
        return "not-found", status or (404 if web else None)
    return "git-error", status


def _scrub(text: str, token: str | None) -> str:
    """`text` without the token or any bearer header value."""
    text = re.sub(r"(?i)(authorization:\s*bearer\s+)\S+", r"\1***", text)
    return text.replace(token, "***") if token else text


def _last_message(stderr: str, limit: int = 300) -> str:
    """git's first `fatal:`/`error:` line (else its last line), one line, at most `limit`."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    picked = next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), None)
    message = picked or (lines[-1] if lines else "no message from git")
    return message[:limit]


# -- sampling and estimation (pure) -------------------------------------------------------


def stratified_sample(
    models: pd.DataFrame,
    per_stratum: int,
    seed: int,
    *,
    column: str = "downloads",
    n_strata: int = 10,
    id_column: str = "id",
) -> pd.DataFrame:
    """A deterministic sample of `models` rows: `per_stratum` from each popularity stratum.

    Strata are equal-sized ranks of `column` (ties broken by id; missing values rank
    lowest), labelled `"downloads:01/10"` (least) to `"downloads:10/10"` (most) in the
    added `sample_stratum` column. Equal strata and equal draws make the sample
    self-weighting. The result depends only on the set of rows and `seed`, not their order.
    """
    for name in (id_column, column):
        if name not in models.columns:
            raise KeyError(f"stratified_sample: models has no {name!r} column")
    if per_stratum < 1 or n_strata < 1:
        raise ValueError(f"per_stratum and n_strata must be >= 1, got {per_stratum}, {n_strata}")
    duplicated = models[id_column][models[id_column].duplicated()]
    if not duplicated.empty:
        raise ValueError(f"stratified_sample: duplicate ids, e.g. {duplicated.iloc[0]!r}")
    try:
        key = pd.to_numeric(models[column]).astype("float64").fillna(-np.inf)
    except (TypeError, ValueError) as error:
        raise ValueError(f"stratified_sample: column {column!r} is not numeric: {error}") from None
    ranked = models.assign(_key=key).sort_values(["_key", id_column], kind="mergesort")
    stratum = np.arange(len(ranked)) * n_strata // max(len(ranked), 1)
    rng = np.random.default_rng(seed)
    picked = []
    for s in range(n_strata):
        members = np.flatnonzero(stratum == s)
        chosen = np.sort(rng.permutation(members)[:per_stratum])
        part = ranked.iloc[chosen].drop(columns="_key")
        picked.append(part.assign(sample_stratum=f"{column}:{s + 1:02d}/{n_strata:02d}"))
    return pd.concat(picked, ignore_index=True)


# -- table rows ---------------------------------------------------------------------------


def commits_rows(
    model_ids: Iterable[str],
    endpoint: str,
    provenance: dict[str, Any],
    *,
    strata: Mapping[str, str] | None = None,
    token: str | None = None,
    timeout_s: float = 120,
    max_workers: int = 4,
    workdir: Path | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`commits` rows and `errors` rows (stage "commits") for `model_ids`, in input order.

    Invalid ids are refused before any git call; a repo that fails becomes an error row and
    never stops the others. `strata` maps model id to its `sample_stratum` label.
    """
    _check_url(endpoint)  # a bad endpoint is the caller's error, not one per repo
    strata = strata or {}
    ids = list(dict.fromkeys(model_ids))
    urls: dict[str, str] = {}
    failures: dict[str, GitFetchError] = {}
    for model_id in ids:
        try:
            urls[model_id] = git_url(endpoint, model_id)
        except GitFetchError as error:
            failures[model_id] = error

    def count(model_id: str) -> CommitSummary | GitFetchError:
        try:
            return signature_counts(
                urls[model_id], workdir=workdir, timeout_s=timeout_s, token=token
            )
        except GitFetchError as error:
            return error
        except Exception as error:  # whatever one repo holds, it costs that repo only
            message = f"{urls[model_id]}: {type(error).__name__}: {error}"
            return GitFetchError(message[:500], code="unreadable", url=urls[model_id])

    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        results = dict(zip(urls, pool.map(count, urls), strict=True))

    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for model_id in ids:
        result = failures.get(model_id) or results[model_id]
        if isinstance(result, GitFetchError):
            errors.append(
                error_row(
                    provenance,
                    STAGE,
                    _scrub(str(result), token),
                    model_id=model_id,
                    url=result.url,
                    http_status=result.http_status,
                    error_code=result.code,
                    attempts=0 if result.code in ("invalid-id", "invalid-url") else 1,
                )
            )
            continue
        rows.append(
            {
                **provenance,
                "model_id": model_id,
                "n_commits": result.n_commits,
                "n_signed": result.n_signed,
                "first_commit_at": result.first_commit_at,
                "last_commit_at": result.last_commit_at,
                "sample_stratum": strata.get(model_id),
            }
        )
    return rows, errors
