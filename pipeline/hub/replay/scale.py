"""`ScaledStore`: a SYNTHETIC larger Hub made of a recorded store plus copies of its models.

For scale benchmarks (benchmarks/scale.py): the recorded listing (hundreds of thousands of
real models) is served `copies + 1` times, copy `c >= 1` under new namespaces, so that a crawl
sees a Hub of millions of models. Nothing of a copy is real but the recorded record it was
made from: its id, `modelId`, `_id` and `author` are rewritten, every other field is the
original's, as recorded (base-model and dataset references included, as written).

Copy ids: `author/name` becomes `scale-copy-{c}--author/name`; a legacy id without a namespace
(`name`) becomes `scale-copy-{c}/name`. Org overviews, READMEs, repo files and commits of a
copy are those of its original (the namespace rewritten where it appears).

Nothing is materialized: a record of a copy is made when it is served, so the store costs the
recorded store's memory whatever the number of copies. The listing keeps the Hub's cursor
pagination (absolute `Link: rel="next"` URLs, opaque cursors) and answers exactly what a
`ReplayStore` holding every copy in stored order (originals, then copy 1, copy 2, ...) would
answer: for the unfiltered listing, in stored order or sorted by a field the copies share,
pages are computed from the recorded store's order; any other query (filters, `sort=id`)
filters a lazy view of every copy, which is correct but slow at this size.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from pipeline.hub.replay.listing import (
    ListingPage,
    ListingQuery,
    list_page,
    next_page_url,
    parse_listing_query,
    project_item,
)
from pipeline.hub.replay.names import ReplayNames
from pipeline.hub.replay.store import ReplayStore, RepoFiles, placeholder_commit

COPY_PREFIX = "scale-copy-"
COPY_NAMESPACE = re.compile(r"scale-copy-([1-9][0-9]*)(?:--(.+))?\Z")


def copy_id(model_id: str, copy: int) -> str:
    """The id of copy `copy` (>= 1) of `model_id`; copy 0 is the original."""
    if copy == 0:
        return model_id
    namespace, slash, name = model_id.partition("/")
    if not slash:
        return f"{COPY_PREFIX}{copy}/{model_id}"
    return f"{COPY_PREFIX}{copy}--{namespace}/{name}"


def copy_namespace(namespace: str, copy: int) -> str:
    """The namespace of copy `copy` of the models of `namespace`."""
    return namespace if copy == 0 else f"{COPY_PREFIX}{copy}--{namespace}"


def split_copy(name: str) -> tuple[str, int] | None:
    """(original id or namespace, copy number) of a copy's id or namespace; None otherwise."""
    namespace, slash, rest = name.partition("/")
    match = COPY_NAMESPACE.match(namespace)
    if match is None:
        return None
    copy, original_namespace = int(match.group(1)), match.group(2)
    if original_namespace is None:  # `scale-copy-c/name`: a legacy id, or nothing
        return (rest, copy) if slash and rest and "/" not in rest else None
    return (f"{original_namespace}/{rest}" if slash else original_namespace), copy


def copy_record(record: dict[str, Any], copy: int) -> dict[str, Any]:
    """Copy `copy` of a recorded record: new `id`, `modelId`, `_id`, `author`; the rest as is."""
    if copy == 0:
        return record
    new_id = copy_id(record["id"], copy)
    changed: dict[str, Any] = {"id": new_id}
    if "modelId" in record:
        changed["modelId"] = new_id
    if "_id" in record:
        changed["_id"] = hashlib.sha1(new_id.encode("utf-8")).hexdigest()[:24]
    if isinstance(record.get("author"), str):
        changed["author"] = new_id.split("/", 1)[0]
    return {**record, **changed}


@dataclass(frozen=True)
class _Order:
    """The full listing order as runs of the recorded order, each repeated once per copy.

    `indices` are recorded positions (visible records only); run `g` covers
    `indices[starts[g]:starts[g + 1]]`, and in the full listing it appears once per copy
    (copy 0 first) before run `g + 1`: what a stable sort over originals-then-copies gives
    when the copies share the sort key."""

    indices: tuple[int, ...]
    starts: tuple[int, ...]  # run starts in `indices`, plus len(indices) at the end
    copies: int  # copies + 1: how often each run repeats

    def __len__(self) -> int:
        return len(self.indices) * self.copies

    def at(self, position: int) -> tuple[int, int]:
        """(copy, recorded position) of the listing's `position`-th item."""
        run = bisect.bisect_right(self.starts, position // self.copies) - 1
        size = self.starts[run + 1] - self.starts[run]
        offset = position - self.starts[run] * self.copies
        return offset // size, self.indices[self.starts[run] + offset % size]


class _CopiedRecords(Sequence[dict[str, Any]]):
    """Every record of a scaled store in stored order (originals, copy 1, ...), made lazily."""

    def __init__(self, records: Sequence[dict[str, Any]], copies: int) -> None:
        self._records = records
        self._copies = copies

    def __len__(self) -> int:
        return len(self._records) * (self._copies + 1)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        copy, position = divmod(index, len(self._records))
        return copy_record(self._records[position], copy)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for copy in range(self._copies + 1):
            for record in self._records:
                yield copy_record(record, copy)


class ScaledStore:
    """A `ReplayStore` served `copies + 1` times (see the module docstring). SYNTHETIC.

    Read-only, like the store it wraps; safe to share between the server's threads.
    """

    def __init__(self, base: ReplayStore, copies: int) -> None:
        if not isinstance(copies, int) or isinstance(copies, bool) or copies < 0:
            raise ValueError(f"copies must be an int >= 0, got {copies!r}")
        if base.has_verbatim:
            raise ValueError("a store with verbatim bodies cannot be scaled")
        taken = [r["id"] for r in base.models if split_copy(r["id"]) is not None]
        if taken:
            raise ValueError(f"recorded ids already look like copies: {taken[:3]}")
        self.base = base
        self.copies = copies
        self._records = tuple(base.models)
        self._orders: dict[tuple[str | None, bool], _Order] = {}
        self._lock = threading.Lock()

    # What routes and the server read, as `ReplayStore` offers it.

    @property
    def recorded_at(self) -> str | None:
        return self.base.recorded_at

    @property
    def names(self) -> ReplayNames:
        return self.base.names

    @property
    def has_verbatim(self) -> bool:
        return False

    @property
    def renamed(self) -> Mapping[str, str]:
        return self.base.renamed

    def __len__(self) -> int:
        return len(self._records) * (self.copies + 1)

    @property
    def models(self) -> Sequence[dict[str, Any]]:
        """Every record in stored order, made when read (do not mutate)."""
        return _CopiedRecords(self._records, self.copies)

    def _original(self, name: str) -> tuple[str, int]:
        found = split_copy(name)
        if found is None or found[1] > self.copies:
            return name, 0
        return found

    def get(self, model_id: str) -> dict[str, Any] | None:
        original, copy = self._original(model_id)
        if copy == 0:
            return self.base.get(model_id)
        record = self.base.get(original)
        return None if record is None else copy_record(record, copy)

    def verbatim(self, model_id: Any) -> bytes | None:
        return None

    def readme(self, model_id: str) -> bytes | None:
        return self.base.readme(self._original(model_id)[0])

    def org(self, name: str) -> dict[str, Any] | None:
        original, copy = self._original(name)
        org = self.base.org(original)
        return org if org is None or copy == 0 else {**org, "name": name}

    def repo(self, repo_type: str, repo_id: str) -> RepoFiles | None:
        original, copy = self._original(repo_id) if repo_type == "model" else (repo_id, 0)
        repo = self.base.repo(repo_type, original)
        if repo is None or copy == 0:
            return repo
        return RepoFiles(repo_type, repo_id, self.commit(repo_id), repo.files)

    def repo_file(self, repo_type: str, repo_id: str, path: str) -> bytes | None:
        repo = self.repo(repo_type, repo_id)
        return None if repo is None else repo.files.get(path)

    def commit(self, model_id: str) -> str:
        record = self.get(model_id) or {}
        sha = record.get("sha")
        return sha if isinstance(sha, str) and sha else placeholder_commit(model_id)

    # The listing.

    def listing_page(self, pairs: Sequence[tuple[str, str]], base_url: str) -> ListingPage:
        """The page a `GET /api/models?<pairs>` asks for (see the module docstring).

        :raises QueryError: the query is invalid.
        """
        query = parse_listing_query(pairs)
        if not _unfiltered(query):
            return list_page(self.models, pairs, base_url)
        order = self._order(query.sort, query.descending)
        end = min(query.offset + query.limit, len(order))
        items = []
        for position in range(query.offset, end):
            copy, index = order.at(position)
            items.append(project_item(copy_record(self._records[index], copy), query))
        next_url = next_page_url(base_url, pairs, end) if end < len(order) else None
        return ListingPage(items, next_url)

    def _order(self, sort: str | None, descending: bool) -> _Order:
        key = (sort, descending)
        with self._lock:
            if key not in self._orders:
                self._orders[key] = self._build_order(sort, descending)
            return self._orders[key]

    def _build_order(self, sort: str | None, descending: bool) -> _Order:
        visible = [i for i, r in enumerate(self._records) if r.get("private") is not True]
        if sort is None:
            return _Order(tuple(visible), (0, len(visible)), self.copies + 1)
        present = [i for i in visible if self._records[i].get(sort) is not None]
        missing = [i for i in visible if self._records[i].get(sort) is None]
        present.sort(key=lambda i: self._records[i][sort], reverse=descending)
        records = self._records
        starts = [0] if present else []
        starts += [
            position
            for position in range(1, len(present))
            if records[present[position]][sort] != records[present[position - 1]][sort]
        ]
        if missing:
            starts.append(len(present))  # the records without the field: one run, last
        ordered = present + missing
        return _Order(tuple(ordered), (*starts, len(ordered)), self.copies + 1)


def _unfiltered(query: ListingQuery) -> bool:
    """Whether the fast listing path answers this query: no filter, and a sort key that
    copies share with their original (`id` is not one)."""
    return (
        not query.search
        and not query.authors
        and not query.filters
        and query.pipeline_tag is None
        and query.gated is None
        and query.sort != "id"
    )
