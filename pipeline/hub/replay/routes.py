"""Routing: one request (method, raw path, raw query, auth state) to one `Answer`. No I/O.

Endpoints (docs/hub-api.md §1, §2, §4, §5, §6, §11):

- `GET /api/models`: the listing (see `listing.py`);
- `GET /api/models/{repo_id}[/revision/{rev}]`: model_info (see `info.py`); `rev` is
  percent-decoded, so `refs%2Fpr%2F1` works; legacy ids without a namespace work too;
- `GET|HEAD /{repo_id}/resolve/{rev}/{path}`: raw files: the recorded README.md, and any file
  of a repo added with `ReplayStore.with_repo_files` (ETag = git blob sha1, `X-Repo-Commit`;
  plain 200, never `X-Xet-*`);
- `GET /api/{models|datasets}/{repo_id}/tree/{rev}[/{path}]`: the served files of a repo
  (one page, `type`/`oid`/`size`/`path`), which `snapshot_download` lists;
- `GET /api/datasets/{repo_id}[/revision/{rev}]` and `GET|HEAD /datasets/{repo_id}/resolve/
  {rev}/{path}`: dataset repos added with `with_repo_files(..., repo_type="dataset")`; any
  other dataset or space is `RepoNotFound`;
- `GET /api/organizations/{name}/overview`: recorded org overviews.

Error semantics: a missing or private repo is 401 anonymously and 404 with a token
(`RepoNotFound`); a disabled repo is 403 `Access to this resource is disabled.`; a gated repo's
files are 401 / 403 `GatedRepo` while its metadata stays 200; an unknown revision is 404
`RevisionNotFound`; a file that was not recorded is 404 `EntryNotFound` with `X-Repo-Commit`.
A renamed repo answers 307 with a relative `Location` to the new id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, unquote

from pipeline.hub.protocol import (
    DISABLED_MESSAGE,
    ENTRY_NOT_FOUND,
    GATED_REPO,
    INVALID_CREDENTIALS_MESSAGE,
    NOT_RECORDED_HEADER,
    RENAME_EVIDENCE_HEADER,
    REPO_NOT_FOUND,
    REVISION_NOT_FOUND,
)
from pipeline.hub.replay.info import known_revision, model_info_body, parse_info_query
from pipeline.hub.replay.scale import ScaledStore
from pipeline.hub.replay.store import ReplayStore
from pipeline.hub.replay.wire import (
    JSON_TYPE,
    TEXT_TYPE,
    Answer,
    QueryError,
    error_answer,
    git_blob_sha1,
    json_answer,
    redirect_answer,
    text_answer,
)

Auth = Literal["anonymous", "token", "invalid"]
Store = ReplayStore | ScaledStore
"""What a replay Hub serves: recorded data, or recorded data with SYNTHETIC copies."""
ENDPOINT_KINDS = ("models_list", "model_info", "resolve", "org_overview", "other")
PAGE_NOT_FOUND = "Sorry, we can't find the page you are looking for."
README = "README.md"


@dataclass(frozen=True)
class Request:
    """What routing needs from an HTTP request. The token itself is never kept, only `auth`."""

    method: str
    path: str
    query: str = ""
    auth: Auth = "anonymous"

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The query's key/value pairs, repeated keys kept in order."""
        return parse_qsl(self.query, keep_blank_values=True)

    def with_query(self, location: str) -> str:
        """`location` with this request's query string appended, if it has one."""
        return f"{location}?{self.query}" if self.query else location


@dataclass(frozen=True)
class ResolveTarget:
    """A parsed `/{repo_id}/resolve/{rev}/{path}` URL (raw and decoded parts)."""

    repo_id: str
    revision: str
    file_path: str
    raw_tail: str


def auth_of(authorization: str | None) -> Auth:
    """Classify an `Authorization` header value without keeping it."""
    if authorization is None:
        return "anonymous"
    scheme, _, token = authorization.strip().partition(" ")
    return "token" if scheme.lower() == "bearer" and token.strip() else "invalid"


def endpoint_kind(path: str) -> str:
    """The stats bucket of a raw path: one of `ENDPOINT_KINDS`."""
    segments = path.split("/")[1:]
    if path.rstrip("/") == "/api/models":
        return "models_list"
    if segments[:2] == ["api", "models"]:
        return "model_info"
    if segments[:2] == ["api", "organizations"] and segments[3:] == ["overview"]:
        return "org_overview"
    if "/resolve/" in path and not path.startswith("/api/"):
        return "resolve"
    return "other"


def is_hub_request(path: str) -> bool:
    """Whether a path is an API or resolve request (those get auth checks and faults)."""
    return path.startswith("/api/") or "/resolve/" in path


def parse_resolve(path: str) -> ResolveTarget | None:
    """Split `/{ns}/{name}/resolve/{rev}/{path}` (or `/{name}/resolve/...`), else None."""
    segments = path.split("/")[1:]
    if len(segments) >= 5 and segments[2] == "resolve":
        id_parts, tail = segments[:2], segments[3:]
    elif len(segments) >= 4 and segments[1] == "resolve":
        id_parts, tail = segments[:1], segments[2:]
    else:
        return None
    file_path = unquote("/".join(tail[1:]))
    if not all(id_parts) or not tail[0] or not file_path:
        return None
    repo_id = "/".join(unquote(part) for part in id_parts)
    return ResolveTarget(repo_id, unquote(tail[0]), file_path, "/".join(tail))


def handle(request: Request, store: Store, base_url: str, require_token: bool = False) -> Answer:
    """Answer one request from the store. `base_url` is the server's absolute URL."""
    if is_hub_request(request.path) and (
        request.auth == "invalid" or (require_token and request.auth == "anonymous")
    ):
        return error_answer(401, INVALID_CREDENTIALS_MESSAGE)
    if request.method not in ("GET", "HEAD"):
        return json_answer(405, {"error": f"Method {request.method} is not allowed here"})
    segments = request.path.split("/")[1:]
    try:
        if request.path.rstrip("/") == "/api/models":
            return _listing(request, store, base_url)
        tree = _parse_tree(segments)
        if tree is not None:
            return _tree(request, store, *tree)
        if segments[:2] == ["api", "models"]:
            return _model_info(request, store, segments[2:])
        if segments[:2] == ["api", "datasets"] and len(segments) > 2:
            return _dataset_info(request, store, segments[2:])
        if segments[:2] == ["api", "spaces"] and len(segments) > 2:
            return repo_not_found(request.auth)
        if endpoint_kind(request.path) == "org_overview":
            return _org_overview(store, unquote(segments[2]))
    except QueryError as error:
        return error_answer(400, str(error))
    if segments[:1] == ["datasets"]:
        dataset_target = parse_resolve("/" + "/".join(segments[1:]))
        if dataset_target is not None:
            return _resolve_dataset(request, store, dataset_target)
    if segments[:1] == ["spaces"] and parse_resolve("/" + "/".join(segments[1:])):
        return repo_not_found(request.auth)
    target = parse_resolve(request.path)
    if target is not None:
        return _resolve(request, store, target, base_url)
    return json_answer(404, {"error": PAGE_NOT_FOUND})


def repo_not_found(auth: Auth) -> Answer:
    """Missing or private repo: 401 anonymously, 404 with a token (§6)."""
    if auth == "token":
        return error_answer(404, "Repository not found", REPO_NOT_FOUND)
    return error_answer(401, "Invalid username or password.", REPO_NOT_FOUND)


def not_recorded(message: str, commit: str) -> Answer:
    """404 `EntryNotFound` for a file the replay data does not hold, marked as such."""
    headers = {"X-Repo-Commit": commit, NOT_RECORDED_HEADER: "1"}
    return error_answer(404, message, ENTRY_NOT_FOUND, headers)


def revision_not_found(revision: str) -> Answer:
    """404 `RevisionNotFound` naming the revision."""
    return error_answer(404, f"Invalid rev id: {revision}", REVISION_NOT_FOUND)


def gated(repo_id: str, auth: Auth, base_url: str) -> Answer:
    """A gated repo's file: 401 anonymously, 403 with a token that is not approved (§6)."""
    if auth == "token":
        message = (
            f"Access to model {repo_id} is restricted and you are not in the authorized list. "
            f"Visit {base_url}/{repo_id} to ask for access."
        )
        return error_answer(403, message, GATED_REPO)
    message = (
        f"Access to model {repo_id} is restricted. You must have access to it and be "
        "authenticated to access it. Please log in."
    )
    return error_answer(401, message, GATED_REPO)


def _visible(record: dict[str, Any] | None) -> bool:
    return record is not None and record.get("private") is not True


def _listing(request: Request, store: Store, base_url: str) -> Answer:
    page = store.listing_page(request.pairs, base_url)
    headers = {"Link": f'<{page.next_url}>; rel="next"'} if page.next_url else {}
    if not store.has_verbatim:
        return json_answer(200, page.items, headers)
    items = [store.verbatim(item.get("id")) or json_answer(200, item).body for item in page.items]
    return Answer(200, {"Content-Type": JSON_TYPE, **headers}, b"[" + b",".join(items) + b"]")


def _model_info(request: Request, store: Store, rest: list[str]) -> Answer:
    if len(rest) >= 4 and rest[2] == "revision":
        id_parts, raw_tail = rest[:2], "/".join(rest[2:])
    elif len(rest) >= 3 and rest[1] == "revision":
        id_parts, raw_tail = rest[:1], "/".join(rest[1:])
    elif len(rest) in (1, 2) and all(rest):
        id_parts, raw_tail = rest, ""
    else:
        return json_answer(404, {"error": PAGE_NOT_FOUND})
    repo_id = "/".join(unquote(part) for part in id_parts)
    revision = unquote(raw_tail.partition("/")[2]) if raw_tail else None
    query = parse_info_query(request.pairs)
    record = store.get(repo_id) or store.names.model(repo_id)
    if record is None:
        moved = _renamed(store, "model", repo_id)
        if moved is not None:
            new_id, evidence = moved
            suffix = f"/{raw_tail}" if raw_tail else ""
            location = request.with_query(f"/api/models/{quote(new_id, safe='/')}{suffix}")
            return _with_evidence(redirect_answer(location), evidence)
    if record is None or not _visible(record):
        return repo_not_found(request.auth)
    if record.get("disabled") is True:
        return error_answer(403, DISABLED_MESSAGE)
    if revision is not None and not known_revision(record, revision, store.commit(repo_id)):
        return revision_not_found(revision)
    verbatim = store.verbatim(repo_id)
    if verbatim is not None:
        return Answer(200, {"Content-Type": JSON_TYPE}, verbatim)
    return json_answer(200, model_info_body(record, query))


def _renamed(store: Store, repo_type: str, repo_id: str) -> tuple[str, str] | None:
    """(new id, evidence) when `repo_id` was renamed: recorded model renames first."""
    if repo_type == "model" and repo_id in store.renamed:
        return store.renamed[repo_id], "recorded"
    rename = store.names.rename(repo_type, repo_id)
    return None if rename is None else (rename.new, rename.evidence)


def _with_evidence(answer: Answer, evidence: str) -> Answer:
    return Answer(answer.status, {**answer.headers, RENAME_EVIDENCE_HEADER: evidence}, answer.body)


def _resolve(request: Request, store: Store, target: ResolveTarget, base_url: str) -> Answer:
    record = store.get(target.repo_id)
    if record is None and target.repo_id in store.renamed:
        new_id = quote(store.renamed[target.repo_id], safe="/")
        return redirect_answer(request.with_query(f"/{new_id}/resolve/{target.raw_tail}"))
    if record is None or not _visible(record):
        return repo_not_found(request.auth)
    if record.get("disabled") is True:
        return error_answer(403, DISABLED_MESSAGE)
    commit = store.commit(target.repo_id)
    if not known_revision(record, target.revision, commit):
        return revision_not_found(target.revision)
    if record.get("gated"):
        return gated(target.repo_id, request.auth, base_url)
    content = store.readme(target.repo_id) if target.file_path == README else None
    if content is None:
        content = store.repo_file("model", target.repo_id, target.file_path)
        if content is not None:
            return file_answer(content, commit)
    if content is None:
        message = f"{target.file_path} was not recorded for this model in the replay data"
        return not_recorded(message, commit)
    headers = {
        "Content-Type": TEXT_TYPE,
        "ETag": f'"{git_blob_sha1(content)}"',
        "X-Repo-Commit": commit,
    }
    return text_answer(200, content, headers)


def _org_overview(store: Store, name: str) -> Answer:
    org = store.org(name)
    if org is None:
        return error_answer(404, "Organization not found")
    return json_answer(200, org)


def file_answer(content: bytes, commit: str) -> Answer:
    """A served repo file: plain 200 with the git blob ETag and `X-Repo-Commit`."""
    headers = {
        "Content-Type": "application/octet-stream",
        "ETag": f'"{git_blob_sha1(content)}"',
        "X-Repo-Commit": commit,
    }
    return Answer(200, headers, content)


def _repo_and_tail(rest: list[str], keyword: str) -> tuple[str, list[str]] | None:
    """Split `[ns, name, keyword, ...]` or `[name, keyword, ...]` into (repo id, tail)."""
    if len(rest) >= 4 and rest[2] == keyword and all(rest[:2]):
        return "/".join(unquote(part) for part in rest[:2]), rest[3:]
    if len(rest) >= 3 and rest[1] == keyword and rest[0]:
        return unquote(rest[0]), rest[2:]
    return None


def _parse_tree(segments: list[str]) -> tuple[str, str, str, str] | None:
    """(repo type, repo id, revision, path prefix) of `/api/{models|datasets}/{id}/tree/...`."""
    if segments[:1] != ["api"] or len(segments) < 2 or segments[1] not in ("models", "datasets"):
        return None
    parsed = _repo_and_tail(segments[2:], "tree")
    if parsed is None or not parsed[1] or not parsed[1][0]:
        return None
    repo_id, tail = parsed
    prefix = unquote("/".join(tail[1:])).strip("/")
    return segments[1][:-1], repo_id, unquote(tail[0]), prefix


def _tree(
    request: Request, store: Store, repo_type: str, repo_id: str, revision: str, prefix: str
) -> Answer:
    repo = store.repo(repo_type, repo_id)
    if repo_type == "model":
        record = store.get(repo_id)
        if record is None or not _visible(record):
            return repo_not_found(request.auth)
        if record.get("disabled") is True:
            return error_answer(403, DISABLED_MESSAGE)
        commit = store.commit(repo_id)
        if not known_revision(record, revision, commit):
            return revision_not_found(revision)
        files = dict(repo.files) if repo is not None else {}
        readme = store.readme(repo_id)
        if readme is not None:
            files.setdefault(README, readme)
    else:
        if repo is None:
            return repo_not_found(request.auth)
        if revision not in ("main", "HEAD", repo.sha):
            return revision_not_found(revision)
        files = dict(repo.files)
    entries = [
        {"type": "file", "oid": git_blob_sha1(content), "size": len(content), "path": path}
        for path, content in sorted(files.items())
        if not prefix or path.startswith(prefix + "/")
    ]
    return json_answer(200, entries)


def dataset_info_body(repo_id: str, sha: str, paths: list[str]) -> dict[str, Any]:
    """A minimal dataset_info JSON for a served dataset repo (SYNTHETIC metadata)."""
    return {
        "_id": git_blob_sha1(repo_id.encode("utf-8"))[:24],
        "id": repo_id,
        "author": repo_id.split("/", 1)[0] if "/" in repo_id else None,
        "sha": sha,
        "private": False,
        "disabled": False,
        "gated": False,
        "tags": [],
        "siblings": [{"rfilename": path} for path in paths],
    }


def _dataset_info(request: Request, store: Store, rest: list[str]) -> Answer:
    parsed = _repo_and_tail(rest, "revision")
    if parsed is not None:
        repo_id, tail = parsed[0], parsed[1]
        revision = unquote("/".join(tail)) if tail else None
    elif len(rest) in (1, 2) and all(rest):
        repo_id, revision = "/".join(unquote(part) for part in rest), None
    else:
        return json_answer(404, {"error": PAGE_NOT_FOUND})
    repo = store.repo("dataset", repo_id)
    if repo is None:
        return _dataset_record(request, store, repo_id, raw_suffix(rest))
    if revision is not None and revision not in ("main", "HEAD", repo.sha):
        return revision_not_found(revision)
    return json_answer(200, dataset_info_body(repo_id, repo.sha, sorted(repo.files)))


def raw_suffix(rest: list[str]) -> str:
    """`/revision/...` of a dataset_info path's segments, as received, or ""."""
    for index, segment in enumerate(rest[:3]):
        if segment == "revision":
            return "/" + "/".join(rest[index:])
    return ""


def _dataset_record(request: Request, store: Store, repo_id: str, suffix: str) -> Answer:
    """A recorded dataset (its listing record), a 307 for a renamed one, or RepoNotFound."""
    record = store.names.dataset(repo_id)
    if record is not None and _visible(record):
        if record.get("disabled") is True:
            return error_answer(403, DISABLED_MESSAGE)
        return json_answer(200, record)
    moved = _renamed(store, "dataset", repo_id) if record is None else None
    if moved is None:
        return repo_not_found(request.auth)
    location = request.with_query(f"/api/datasets/{quote(moved[0], safe='/')}{suffix}")
    return _with_evidence(redirect_answer(location), moved[1])


def _resolve_dataset(request: Request, store: Store, target: ResolveTarget) -> Answer:
    repo = store.repo("dataset", target.repo_id)
    if repo is None:
        return repo_not_found(request.auth)
    if target.revision not in ("main", "HEAD", repo.sha):
        return revision_not_found(target.revision)
    content = repo.files.get(target.file_path)
    if content is None:
        message = f"{target.file_path} was not recorded for this dataset in the replay data"
        return not_recorded(message, repo.sha)
    return file_answer(content, repo.sha)
