"""Renames INFERRED from recorded listings by a written rule (never observed: labelled so).

The Hub began recording creation dates on 2022-03-02: every repo created before shows the
placeholder `createdAt` (docs/hub-api.md §1; models `2022-03-02T23:29:04.000Z`, datasets
`2022-03-02T23:29:22.000Z` in the recorded listings). In 2023-24 the Hub moved its legacy
un-namespaced repos (`bert-base-uncased`, `squad`) under a namespace, keeping the name.

Rule, for a legacy name `N` (no `/`) that no recorded record has as its id:

1. `unique`: exactly one record `ns/N` has the placeholder date: `N -> ns/N`;
2. `canonical-namespace`: several do, and exactly one of them lies in a namespace that
   step 1 gave at least two legacy names (e.g. `google-bert`, `openai-community`): that one.

Otherwise no rename is inferred. The `datasets` library's packaged builders (`imagefolder`,
`json`, ... `pipeline.builders`) are never renamed: they are not Hub datasets. User and
organization renames (`cl-tohoku/` -> `tohoku-nlp/`) are not inferred: a namespaced name
found under one other namespace only is as often a copy as a move. Known weakness: a user
dataset of the same legacy name and age can be taken for the move (`coco` -> `merve/coco`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from pipeline.builders import is_builder
from pipeline.hub.replay.names import Rename

MODEL_PLACEHOLDER = "2022-03-02T23:29:04.000Z"
DATASET_PLACEHOLDER = "2022-03-02T23:29:22.000Z"
UNIQUE, CANONICAL = "unique", "canonical-namespace"


def infer_legacy_renames(
    names: Iterable[str], records: Iterable[dict[str, Any]], placeholder: str, repo_type: str
) -> list[Rename]:
    """Inferred renames of the legacy `names` from `records` (see the module docstring)."""
    records = list(records)
    present = {r.get("id") for r in records}
    by_name: dict[str, list[str]] = defaultdict(list)
    for record in records:
        record_id = record.get("id")
        dated = record.get("createdAt") == placeholder
        if isinstance(record_id, str) and "/" in record_id and dated:
            by_name[record_id.split("/", 1)[1]].append(record_id)
    legacy = sorted(
        {n for n in names if n and "/" not in n and n not in present and not is_builder(n)}
    )
    unique = {n: by_name[n][0] for n in legacy if len(by_name[n]) == 1}
    namespaces = Counter(target.split("/", 1)[0] for target in unique.values())
    canonical = {ns for ns, count in namespaces.items() if count >= 2}
    renames = [
        Rename(repo_type, n, target, "inferred", f"{UNIQUE}:{placeholder}")
        for n, target in unique.items()
    ]
    for name in legacy:
        if name in unique or len(by_name[name]) < 2:
            continue
        in_canonical = [t for t in by_name[name] if t.split("/", 1)[0] in canonical]
        if len(in_canonical) == 1:
            rule = f"{CANONICAL}:{placeholder}"
            renames.append(Rename(repo_type, name, in_canonical[0], "inferred", rule))
    return sorted(renames, key=lambda r: r.old)
