"""`ReplayStore`: the recorded Hub data a replay Hub serves, loaded once and never changed.

A data directory holds:

- `models.jsonl.gz` (required): gzipped JSON lines, one envelope per model,
  `{"kind": "model_info"|"listing", "recorded_at", "requested_id", "source", "record"}`, where
  `record` is the Hub's raw JSON for the model. When `requested_id != record["id"]` the Hub
  answered a request for an old id with a renamed repo: the old id becomes a rename.
- `readmes/{author}__{name}.md` (optional): real README.md bytes, served byte-for-byte.
- `orgs.jsonl` (optional): one organization overview JSON per line, each with `name`.
- `names.jsonl.gz` (optional): unlisted model records, dataset records and renames with
  their evidence (`recorded`, `inferred`, `synthetic`), see `names.py`.
- `repos/models/{author}__{name}/...` and `repos/datasets/{author}__{name}/...` (optional):
  the files of a model or dataset repo, served by `/{id}/resolve/...` and
  `/datasets/{id}/resolve/...` (see `ReplayStore.with_repo_files`). A model folder whose id
  has no record gets a minimal SYNTHETIC record; the repo's commit is the record's `sha`, else
  `files_commit(files)`.

The envelopes' `recorded_at` dates give `ReplayStore.recorded_at` ("2024-07-09..2024-07-11"),
which the server announces in an `X-Replay-Recorded-At` header so that a snapshot of replayed
data can say when the data was recorded (the live Hub never sends it).

Replay placeholder commit: records recorded from a listing carry no `sha`, but a resolve answer
needs `X-Repo-Commit`. For those the replay uses `placeholder_commit(model_id)`, the sha1 of
`"replay-unrecorded:" + model_id`: deterministic, 40 hex digits, and never a real commit. API
answers never show it (they omit `sha` when it was not recorded).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pipeline.hub.protocol import safe_repo_path
from pipeline.hub.replay.listing import ListingPage, list_page
from pipeline.hub.replay.names import NAMES_FILE, ReplayNames

MODELS_FILE = "models.jsonl.gz"
READMES_DIR = "readmes"
ORGS_FILE = "orgs.jsonl"
KINDS = ("model_info", "listing")
PLACEHOLDER_PREFIX = b"replay-unrecorded:"
REPOS_DIR = "repos"
REPO_TYPES = ("model", "dataset")
FILES_PREFIX = b"replay-files:"


@dataclass(frozen=True)
class RepoFiles:
    """The files of one model or dataset repo at one commit (`path` -> bytes, posix paths)."""

    repo_type: str
    repo_id: str
    sha: str
    files: Mapping[str, bytes]


def files_commit(files: Mapping[str, bytes]) -> str:
    """A deterministic stand-in commit for a set of files: sha1 over sorted paths and contents."""
    digest = hashlib.sha1(FILES_PREFIX)
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0" + hashlib.sha1(files[path]).digest())
    return digest.hexdigest()


def placeholder_commit(model_id: str) -> str:
    """The replay's stand-in commit for a record without `sha` (see the module docstring)."""
    return hashlib.sha1(PLACEHOLDER_PREFIX + model_id.encode("utf-8")).hexdigest()


def readme_file_name(model_id: str) -> str:
    """The file name under `readmes/` holding a model's README: `author__name.md`."""
    return model_id.replace("/", "__") + ".md"


class ReplayStore:
    """Recorded models (in stored order), renames, READMEs and org overviews.

    Build it with `ReplayStore.load(data_dir)` or `ReplayStore.from_records(...)`. Accessors
    return copies or read-only views, so a running server can share one store between threads.
    """

    def __init__(
        self,
        records: Iterable[dict[str, Any]],
        readmes: Mapping[str, bytes] | None = None,
        renames: Mapping[str, str] | None = None,
        orgs: Iterable[dict[str, Any]] | None = None,
        recorded_at: str | None = None,
        repo_files: Iterable[RepoFiles] | None = None,
        *,
        verbatim: Mapping[str, bytes] | None = None,
        names: ReplayNames | None = None,
    ) -> None:
        self.recorded_at = recorded_at
        self.names = names or ReplayNames()
        self._verbatim = dict(verbatim or {})
        self._models: tuple[dict[str, Any], ...] = tuple(records)
        self._by_id: dict[str, dict[str, Any]] = {}
        for index, record in enumerate(self._models):
            model_id = _record_id(record, f"record {index}")
            if model_id in self._by_id:
                raise ValueError(f"record {index}: duplicate model id {model_id!r}")
            self._by_id[model_id] = record
        self._readmes = dict(readmes or {})
        for model_id in self._readmes:
            if model_id not in self._by_id:
                raise ValueError(f"README given for unknown model id {model_id!r}")
        self._renames = dict(renames or {})
        for old, new in self._renames.items():
            if new not in self._by_id:
                raise ValueError(f"rename {old!r} -> {new!r}: no record has id {new!r}")
        self._orgs: dict[str, dict[str, Any]] = {}
        for index, org in enumerate(orgs or ()):
            name = org.get("name") if isinstance(org, dict) else None
            if not isinstance(name, str) or not name:
                raise ValueError(f"org {index}: expected a JSON object with a string 'name'")
            self._orgs[name] = org
        for model_id in self._verbatim:
            if model_id not in self._by_id:
                raise ValueError(f"verbatim body given for unknown model id {model_id!r}")
        self._repo_files: dict[tuple[str, str], RepoFiles] = {}
        for repo in repo_files or ():
            if repo.repo_type not in REPO_TYPES:
                raise ValueError(f"repo {repo.repo_id!r}: type must be one of {REPO_TYPES}")
            if repo.repo_type == "model" and repo.repo_id not in self._by_id:
                raise ValueError(f"files given for unknown model id {repo.repo_id!r}")
            for path in repo.files:
                safe_repo_path(path)
            self._repo_files[(repo.repo_type, repo.repo_id)] = repo
        datasets = [repo_id for kind, repo_id in self._repo_files if kind == "dataset"]
        self.names.check_targets(self._by_id, datasets)

    @classmethod
    def from_records(
        cls,
        records: list[dict[str, Any]],
        readmes: dict[str, bytes] | None = None,
        renames: dict[str, str] | None = None,
        orgs: list[dict[str, Any]] | None = None,
        verbatim: dict[str, bytes] | None = None,
    ) -> ReplayStore:
        """A store from in-memory records (tests); `readmes` maps model id to README bytes.

        `verbatim` maps a model id to the exact JSON bytes served for it, in listing pages
        and model_info answers, instead of its record: for tests of hostile or malformed
        records that `json.dumps` could not write (nesting thousands of levels deep, lone
        surrogates, integers of thousands of digits). The record still decides where the
        model appears (order, filters)."""
        return cls(records, readmes=readmes, renames=renames, orgs=orgs, verbatim=verbatim)

    @classmethod
    def load(cls, data_dir: Path) -> ReplayStore:
        """Read a data directory (see the module docstring).

        :raises FileNotFoundError: the directory or its `models.jsonl.gz` is missing.
        :raises ValueError: a line is malformed; the message names the file and line.
        """
        data_dir = Path(data_dir)
        models_path = data_dir / MODELS_FILE
        if not data_dir.is_dir():
            raise FileNotFoundError(f"replay data directory {data_dir} does not exist")
        if not models_path.is_file():
            raise FileNotFoundError(f"replay data file {models_path} does not exist")
        records, renames, dates = _read_envelopes(models_path)
        readmes = _read_readmes(data_dir / READMES_DIR, [_record_id(r, "") for r in records])
        orgs = _read_orgs(data_dir / ORGS_FILE)
        recorded_at = f"{min(dates)}..{max(dates)}" if len(dates) > 1 else next(iter(dates), None)
        names = ReplayNames.load(data_dir / NAMES_FILE)
        store = cls(
            records,
            readmes=readmes,
            renames=renames,
            orgs=orgs,
            recorded_at=recorded_at,
            names=names,
        )
        for repo_type, repo_id, folder in _repo_folders(data_dir / REPOS_DIR):
            store = store.with_repo_files(repo_id, folder, repo_type=repo_type)
        return store

    def with_repo_files(
        self,
        repo_id: str,
        files: Path | Mapping[str, bytes],
        repo_type: str = "model",
        sha: str | None = None,
    ) -> ReplayStore:
        """A copy that also serves the files of a model or dataset repo.

        `files` is a folder (every file under it, hidden ones skipped) or a mapping of posix
        path -> bytes. For a model, the record's `siblings` gain the files and its commit
        stays the record's `sha`; a model id without a record gets a minimal SYNTHETIC record
        with `sha` (default `files_commit(files)`). A dataset repo's commit is `sha`, default
        `files_commit(files)`.

        :raises ValueError: an unknown repo type, or a path that leaves the repo.
        """
        if repo_type not in REPO_TYPES:
            raise ValueError(f"repo type {repo_type!r}: must be one of {REPO_TYPES}")
        contents = _folder_files(Path(files)) if isinstance(files, str | Path) else dict(files)
        for path in contents:
            safe_repo_path(path)
        records = list(self._models)
        if repo_type == "model":
            record = self._by_id.get(repo_id)
            if record is None:
                record = _minimal_record(repo_id, sha or files_commit(contents))
                records.append(record)
            names = [s.get("rfilename") for s in record.get("siblings") or []]
            names += [path for path in sorted(contents) if path not in names]
            updated = {**record, "siblings": [{"rfilename": name} for name in names]}
            records = [updated if r is record else r for r in records]
            commit = record.get("sha") if isinstance(record.get("sha"), str) else None
            commit = commit or placeholder_commit(repo_id)
        else:
            commit = sha or files_commit(contents)
        repos = {
            **self._repo_files,
            (repo_type, repo_id): RepoFiles(repo_type, repo_id, commit, contents),
        }
        return self._copy(records=records, repo_files=repos.values())

    def _copy(self, **changes: Any) -> ReplayStore:
        """A new store with everything of this one except the given constructor arguments."""
        arguments: dict[str, Any] = {
            "records": self._models,
            "readmes": self._readmes,
            "renames": self._renames,
            "orgs": self._orgs.values(),
            "recorded_at": self.recorded_at,
            "repo_files": self._repo_files.values(),
            "verbatim": self._verbatim,
            "names": self.names,
        }
        return ReplayStore(**{**arguments, **changes})

    def repo(self, repo_type: str, repo_id: str) -> RepoFiles | None:
        """The served files of a model or dataset repo, or None."""
        return self._repo_files.get((repo_type, repo_id))

    def repo_file(self, repo_type: str, repo_id: str, path: str) -> bytes | None:
        """One served file's bytes, or None."""
        repo = self._repo_files.get((repo_type, repo_id))
        return None if repo is None else repo.files.get(path)

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> ReplayStore:
        """A copy where each model's record is updated with the given fields.

        For tests of gated / private / disabled behaviour, e.g.
        `store.with_overrides({"org/name": {"gated": "manual"}})`.

        :raises KeyError: an override names a model id the store does not have.
        """
        unknown = sorted(set(overrides) - set(self._by_id))
        if unknown:
            raise KeyError(f"overrides name unknown model ids: {unknown}")
        records = [{**r, **overrides.get(r["id"], {})} for r in self._models]
        return self._copy(records=records)

    def with_names(self, names: ReplayNames) -> ReplayStore:
        """A copy that also serves `names` (unlisted models, datasets, renames)."""
        return self._copy(names=names)

    def __len__(self) -> int:
        return len(self._models)

    @property
    def models(self) -> list[dict[str, Any]]:
        """All raw records, in stored order (a new list; do not mutate the records)."""
        return list(self._models)

    @property
    def renamed(self) -> Mapping[str, str]:
        """Old model id -> current model id (read-only)."""
        return MappingProxyType(self._renames)

    def listing_page(self, pairs: Sequence[tuple[str, str]], base_url: str) -> ListingPage:
        """The page a `GET /api/models?<pairs>` asks for (`listing.list_page`).

        :raises QueryError: the query is invalid.
        """
        return list_page(self._models, pairs, base_url)

    def get(self, model_id: str) -> dict[str, Any] | None:
        """The raw record with exactly this id, or None."""
        return self._by_id.get(model_id)

    def verbatim(self, model_id: Any) -> bytes | None:
        """The exact JSON bytes to serve for a model instead of its record, if any."""
        return self._verbatim.get(model_id) if isinstance(model_id, str) else None

    @property
    def has_verbatim(self) -> bool:
        return bool(self._verbatim)

    def readme(self, model_id: str) -> bytes | None:
        """The recorded README.md bytes of a model, or None when none was recorded."""
        return self._readmes.get(model_id)

    def org(self, name: str) -> dict[str, Any] | None:
        """The recorded organization overview, or None."""
        return self._orgs.get(name)

    def commit(self, model_id: str) -> str:
        """The model's recorded `sha`, else the replay placeholder commit."""
        record = self._by_id.get(model_id) or {}
        sha = record.get("sha")
        return sha if isinstance(sha, str) and sha else placeholder_commit(model_id)


def _record_id(record: Any, where: str) -> str:
    model_id = record.get("id") if isinstance(record, dict) else None
    if not isinstance(model_id, str) or not model_id:
        raise ValueError(f"{where}: expected a JSON object with a string 'id'")
    return model_id


def _read_envelopes(path: Path) -> tuple[list[dict[str, Any]], dict[str, str], set[str]]:
    records: list[dict[str, Any]] = []
    renames: dict[str, str] = {}
    dates: set[str] = set()
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                where = f"{path}:{number}"
                if not line.strip():
                    continue
                try:
                    envelope = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{where}: not valid JSON ({error.msg})") from error
                record = _envelope_record(envelope, where)
                requested = envelope.get("requested_id", record["id"])
                if not isinstance(requested, str) or not requested:
                    raise ValueError(f"{where}: 'requested_id' must be a non-empty string")
                if requested != record["id"]:
                    renames[requested] = record["id"]
                records.append(record)
                if isinstance(envelope.get("recorded_at"), str):
                    dates.add(envelope["recorded_at"])
    except (OSError, EOFError) as error:
        raise ValueError(f"{path}: not a readable gzip file ({error})") from error
    return records, renames, dates


def _envelope_record(envelope: Any, where: str) -> dict[str, Any]:
    if not isinstance(envelope, dict):
        raise ValueError(f"{where}: expected a JSON object envelope")
    if envelope.get("kind") not in KINDS:
        raise ValueError(f"{where}: 'kind' must be one of {KINDS}, got {envelope.get('kind')!r}")
    record = envelope.get("record")
    _record_id(record, where)
    return record


def _read_readmes(folder: Path, model_ids: list[str]) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    by_file = {readme_file_name(model_id): model_id for model_id in model_ids}
    readmes: dict[str, bytes] = {}
    for path in sorted(folder.glob("*.md")):
        model_id = by_file.get(path.name)
        if model_id is None:
            raise ValueError(f"{path}: no model in {MODELS_FILE} matches this README file")
        readmes[model_id] = path.read_bytes()
    return readmes


def _read_orgs(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    orgs: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                org = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error.msg})") from error
            if not isinstance(org, dict) or not isinstance(org.get("name"), str):
                raise ValueError(f"{path}:{number}: expected a JSON object with a string 'name'")
            orgs.append(org)
    return orgs


def _minimal_record(repo_id: str, sha: str) -> dict[str, Any]:
    """A SYNTHETIC model record for a repo that is served only from files."""
    return {
        "_id": hashlib.sha1(repo_id.encode("utf-8")).hexdigest()[:24],
        "id": repo_id,
        "modelId": repo_id,
        "author": repo_id.split("/", 1)[0] if "/" in repo_id else None,
        "sha": sha,
        "private": False,
        "disabled": False,
        "gated": False,
        "tags": [],
        "siblings": [],
    }


def _folder_files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        raise FileNotFoundError(f"repo folder {folder} does not exist")
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            files[relative.as_posix()] = path.read_bytes()
    return files


def _repo_folders(root: Path) -> list[tuple[str, str, Path]]:
    """(repo type, repo id, folder) for each `repos/{models,datasets}/{author}__{name}`."""
    found = []
    for repo_type in REPO_TYPES:
        base = root / f"{repo_type}s"
        if base.is_dir():
            for folder in sorted(p for p in base.iterdir() if p.is_dir()):
                found.append((repo_type, folder.name.replace("__", "/", 1), folder))
    return found
