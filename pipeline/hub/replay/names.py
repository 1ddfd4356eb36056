"""Names the replay Hub answers beyond its listed models: unlisted model records, dataset
records, and renames (models and datasets) with the evidence for each.

A data directory may hold `names.jsonl.gz`: gzipped JSON lines, each one of

- `{"kind": "model", "recorded_at", "source", "record"}`: a model served at
  `/api/models/{id}` but **not listed** (a rename target outside the sample's listing);
- `{"kind": "dataset", "recorded_at", "source", "record"}`: a dataset record served at
  `/api/datasets/{id}`;
- `{"kind": "rename", "repo_type": "model"|"dataset", "old", "new", "evidence", "rule"}`: the
  old id answers `307` to the new one.

`evidence` says where a rename comes from, and the replay Hub announces it in the
`X-Replay-Rename-Evidence` header of the 307 (the live Hub never sends it):

- `recorded`: the Hub itself answered the old id with the new record (the recorded model
  renames of `models.jsonl.gz` are of this kind);
- `inferred`: derived by a written rule from recorded listings (`infer.py`), **not**
  observed: the Hub may answer otherwise;
- `synthetic`: made up for a test (chains, loops).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

NAMES_FILE = "names.jsonl.gz"
EVIDENCE = ("recorded", "inferred", "synthetic")
REPO_TYPES = ("model", "dataset")


@dataclass(frozen=True)
class Rename:
    """One rename: `old` answers 307 to `new` (see the module docstring for `evidence`)."""

    repo_type: str
    old: str
    new: str
    evidence: str
    rule: str | None = None

    def __post_init__(self) -> None:
        if self.repo_type not in REPO_TYPES:
            raise ValueError(f"rename {self.old!r}: repo_type must be one of {REPO_TYPES}")
        if self.evidence not in EVIDENCE:
            raise ValueError(f"rename {self.old!r}: evidence must be one of {EVIDENCE}")
        if not self.old or not self.new or self.old == self.new:
            raise ValueError(f"rename {self.old!r} -> {self.new!r}: ids must differ and be set")


class ReplayNames:
    """Unlisted model records, dataset records and renames (read-only once built)."""

    def __init__(
        self,
        models: Iterable[dict[str, Any]] = (),
        datasets: Iterable[dict[str, Any]] = (),
        renames: Iterable[Rename] = (),
    ) -> None:
        self._models = {_id(r, "model"): r for r in models}
        self._datasets = {_id(r, "dataset"): r for r in datasets}
        self._renames: dict[tuple[str, str], Rename] = {}
        for rename in renames:
            key = (rename.repo_type, rename.old)
            if key in self._renames:
                raise ValueError(f"{rename.repo_type} {rename.old!r} renamed twice")
            self._renames[key] = rename

    def model(self, model_id: str) -> dict[str, Any] | None:
        """An unlisted model record, or None."""
        return self._models.get(model_id)

    def dataset(self, dataset_id: str) -> dict[str, Any] | None:
        """A dataset record, or None."""
        return self._datasets.get(dataset_id)

    def rename(self, repo_type: str, old: str) -> Rename | None:
        """The rename of `old`, or None."""
        return self._renames.get((repo_type, old))

    @property
    def renames(self) -> list[Rename]:
        return list(self._renames.values())

    @property
    def models(self) -> list[dict[str, Any]]:
        return list(self._models.values())

    @property
    def datasets(self) -> list[dict[str, Any]]:
        return list(self._datasets.values())

    def with_renames(self, renames: Iterable[Rename]) -> ReplayNames:
        """A copy with more renames (tests: chains, loops)."""
        return ReplayNames(self.models, self.datasets, [*self.renames, *renames])

    def check_targets(self, listed: Iterable[str], dataset_repos: Iterable[str] = ()) -> None:
        """Every rename points to a record or to another rename; only synthetic ones may loop.

        :raises ValueError: naming the rename.
        """
        known = {"model": set(listed) | set(self._models), "dataset": set(self._datasets)}
        known["dataset"] |= set(dataset_repos)
        for rename in self._renames.values():
            seen = [rename.old]
            current: Rename | None = rename
            while current is not None and current.new not in known[current.repo_type]:
                if current.new in seen:
                    if rename.evidence != "synthetic":
                        raise ValueError(f"rename {rename.old!r}: loop {' -> '.join(seen)}")
                    break
                seen.append(current.new)
                current = self._renames.get((current.repo_type, current.new))
            if current is None:
                raise ValueError(f"rename {rename.old!r} -> {rename.new!r}: no record at the end")

    @classmethod
    def load(cls, path: Path) -> ReplayNames:
        """Read `names.jsonl.gz` (missing file: empty). :raises ValueError: a bad line."""
        if not Path(path).is_file():
            return cls()
        models, datasets, renames = [], [], []
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    kind = entry["kind"]
                    if kind == "rename":
                        renames.append(Rename(**{k: v for k, v in entry.items() if k != "kind"}))
                    elif kind in ("model", "dataset"):
                        (models if kind == "model" else datasets).append(entry["record"])
                    else:
                        raise ValueError(f"unknown kind {kind!r}")
                except (ValueError, KeyError, TypeError) as error:
                    raise ValueError(f"{path}:{number}: {error}") from error
        return cls(models, datasets, renames)


def names_lines(
    models: Iterable[dict[str, Any]],
    datasets: Iterable[dict[str, Any]],
    renames: Iterable[Rename],
) -> list[str]:
    """The lines of a `names.jsonl.gz` (records are envelopes already), sorted, deterministic."""
    lines = [json.dumps(m, sort_keys=True, ensure_ascii=False) for m in models]
    lines += [json.dumps(d, sort_keys=True, ensure_ascii=False) for d in datasets]
    lines += [
        json.dumps({"kind": "rename", **asdict(r)}, sort_keys=True, ensure_ascii=False)
        for r in sorted(renames, key=lambda r: (r.repo_type, r.old))
    ]
    return lines


def write_names(path: Path, lines: list[str]) -> None:
    """Write `lines` gzipped without a timestamp in the header (identical bytes on rerun)."""
    data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out,
    ):
        out.write(data)


def _id(record: Any, what: str) -> str:
    value = record.get("id") if isinstance(record, dict) else None
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} record without a string 'id'")
    return value
