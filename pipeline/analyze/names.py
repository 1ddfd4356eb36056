"""Names over time: the current id of each name the crawl resolved (`names` table), for
counting a renamed model or dataset under one id, and for matching the paper's 2022 ids.

A name counts under its `resolved_id` when the Hub redirected it (`how = redirect`) or
answered it as written under another spelling (`found`); names that did not resolve
(`not-found`, `error`, or never asked) are kept as written.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.analyze.source import Source

RESOLVED = ("redirect", "found")


@dataclass(frozen=True)
class NameMaps:
    """Old name -> current id, for models and for datasets (empty: nothing resolved)."""

    models: dict[str, str]
    datasets: dict[str, str]


def name_maps(source: Source) -> NameMaps:
    """The resolved names of the snapshot behind `source` (no population filter)."""
    maps: dict[str, dict[str, str]] = {"model": {}, "dataset": {}}
    if not source.measured("names"):
        return NameMaps({}, {})
    ids, source.ids = source.ids, None
    try:
        frame = source.read("names", ["name", "kind", "resolved_id", "how"])
    finally:
        source.ids = ids
    for row in frame.itertuples():
        if row.how in RESOLVED and isinstance(row.resolved_id, str) and row.resolved_id != row.name:
            maps.get(row.kind, {})[row.name] = row.resolved_id
    return NameMaps(maps["model"], maps["dataset"])


def current(values: pa.Array, renames: dict[str, str]) -> pa.Array:
    """`values` (strings) with every renamed name replaced by its current id."""
    if not renames or not len(values):
        return values
    old = pa.array(list(renames), pa.string())
    new = pa.array(list(renames.values()), pa.string())
    index = pc.index_in(values, value_set=old)
    return pc.if_else(pc.is_valid(index), pc.take(new, index), values)


@dataclass(frozen=True)
class PaperMatch:
    """How the paper's ids were found in a snapshot, and the population ids to analyse."""

    as_written: int
    via_rename: int
    not_found: int
    population: list[str]


def match_paper_ids(
    paper: list[str], snapshot_ids: set[str], renames: dict[str, str]
) -> PaperMatch:
    """Each paper id is found as written, via a rename to an id of the snapshot, or not."""
    written = [i for i in paper if i in snapshot_ids]
    renamed = [
        renames[i] for i in paper if i not in snapshot_ids and renames.get(i) in snapshot_ids
    ]
    population = sorted(set(written) | set(renamed))
    missing = len(paper) - len(written) - len(renamed)
    return PaperMatch(len(written), len(renamed), missing, population)
