"""Snapshots of the bundled sample, for notebooks, demos and tests (offline, seconds).

- `sample_snapshot(store)`: the store's newest complete snapshot; when it has none, a
  listing-only crawl of the replay Hub over `data/hub-2024-07` (7,868 real records, about
  5 s) is made into it first.
- `synthetic_evolution(store)`: two states of the same recorded data, for diffs and
  incremental crawls. **Synthetic, and labelled as such**: the first state is the recorded
  data without some models and with the 6 real renames under their old ids (the ids the
  Hub redirected from); the second state deletes some models, gives 5% of the models a new
  commit sha (some of them also gain a licence in their card, as a card edit would), and
  raises the downloads and likes of a few. `Evolution` records exactly what was applied,
  so a diff of two crawls can be checked against it.
- `evolution_demo(folder)`: crawls both states (the second incrementally) into `folder`.

The store notebooks use is `$PTM_SNAPSHOTS`, else the repository's `snapshots/`.
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.hub.replay.store import ReplayStore
from pipeline.paths import HUB_SAMPLE, REPO_ROOT
from pipeline.snapshot.catalog import snapshot_catalog

SAMPLE_DATA = HUB_SAMPLE
STORE_ENV = "PTM_SNAPSHOTS"

# Fast, quiet, listing-only crawls of a local replay Hub (no rate limit to respect).
REPLAY_OVERRIDES = (
    "crawl.progress=false",
    "crawl.details=[]",
    "crawl.orgs=false",
    "crawl.api_quota=1000000",
    "crawl.resolvers_quota=1000000",
)


def default_store() -> Path:
    """`$PTM_SNAPSHOTS`, else the repository's `snapshots/` folder."""
    return Path(os.environ.get(STORE_ENV) or REPO_ROOT / "snapshots")


def crawl_replay(
    data: ReplayStore, snapshots: Path, *overrides: str, since: Path | None = None
) -> tuple[Path, dict[str, int]]:
    """Crawl a replay Hub serving `data` into the store `snapshots`; the new snapshot
    folder and the replay Hub's request counts. (`crawl` takes the store's lock.)"""
    from pipeline.cli.crawl import crawl
    from pipeline.config import load_config
    from pipeline.hub.replay.server import ReplayHub

    settings = [f"paths.snapshots={snapshots}", *REPLAY_OVERRIDES, *overrides]
    if since is not None:
        settings.append(f"crawl.since={since}")
    config = load_config(None, settings)
    _wait_for_a_new_snapshot_id(Path(snapshots))
    with ReplayHub(data) as hub:
        result = crawl(config, hub.url)
        stats = hub.stats()
    return result.folder, stats


def sample_snapshot(store: Path | None = None) -> Path:
    """The newest complete snapshot of `store` (default `default_store()`); crawls the
    bundled sample (listing only) into it first when it has none."""
    store = Path(store) if store is not None else default_store()
    catalog = snapshot_catalog(store)
    complete = catalog.loc[catalog["complete"], "path"]
    if not complete.empty:
        return Path(complete.iloc[-1])
    folder, _ = crawl_replay(ReplayStore.load(SAMPLE_DATA), store)
    return folder


@dataclass(frozen=True)
class Evolution:
    """Two states of recorded data and exactly what the synthetic evolution changed."""

    before: ReplayStore
    after: ReplayStore
    changed: frozenset[str]  # same id, new commit sha in `after`
    deleted: frozenset[str]  # in `before` only
    added: frozenset[str]  # in `after` only (real models left out of `before`)
    renamed: Mapping[str, str]  # old id (in `before`) -> new id (in `after`): real renames
    licensed: frozenset[str]  # among `changed`: a licence added to the card
    downloads: Mapping[str, int] = field(default_factory=dict)  # id -> increase
    likes: Mapping[str, int] = field(default_factory=dict)  # id -> increase


def synthetic_evolution(
    store: ReplayStore,
    *,
    changed_share: float = 0.05,
    deleted: int = 40,
    added: int = 30,
    grown: int = 20,
    licensed: int = 10,
    seed: int = 0,
) -> Evolution:
    """Two states of `store`'s records (see the module docstring); deterministic per seed."""
    rng = random.Random(seed)
    records = store.models
    renames = {old: new for old, new in store.renamed.items() if store.get(new) is not None}
    renamed_new = set(renames.values())
    ids = sorted(r["id"] for r in records if r["id"] not in renamed_new)
    with_sha = sorted(r["id"] for r in records if r.get("sha") and r["id"] not in renamed_new)
    n_changed = round(changed_share * len(records))
    changed = set(rng.sample(with_sha, min(n_changed, len(with_sha))))
    rest = [i for i in ids if i not in changed]
    picked = rng.sample(rest, min(deleted + added, len(rest)))
    gone, new = set(picked[:deleted]), set(picked[deleted:])
    stable = [i for i in ids if i not in changed | gone | new]
    growth = rng.sample(stable, min(grown, len(stable)))
    downloads = {i: 1000 * (k + 1) for k, i in enumerate(growth)}
    likes = {i: k + 1 for k, i in enumerate(growth)}
    # Cards that exist and have no licence yet, so that only the licence factor changes.
    unlicensed = [
        i
        for i in sorted(changed)
        if (store.get(i) or {}).get("cardData") and _licence(store.get(i) or {}) is None
    ]
    gains = set(unlicensed[:licensed])

    old_of = {new_id: old for old, new_id in renames.items()}
    before = []
    for record in records:
        if record["id"] in new:
            continue
        if record["id"] in old_of:
            old = old_of[record["id"]]
            record = {**record, "id": old, "modelId": old, "author": old.split("/", 1)[0]}
        before.append(record)
    after = []
    for record in records:
        model_id = record["id"]
        if model_id in gone:
            continue
        if model_id in changed:
            sha = hashlib.sha1(f"synthetic-commit:{model_id}".encode()).hexdigest()
            record = {**record, "sha": sha}
            if model_id in gains:
                card = record.get("cardData") if isinstance(record.get("cardData"), dict) else {}
                record["cardData"] = {**card, "license": "apache-2.0"}
        if model_id in downloads:
            record = {
                **record,
                "downloads": (record.get("downloads") or 0) + downloads[model_id],
                "likes": (record.get("likes") or 0) + likes[model_id],
            }
        after.append(record)

    def readmes(kept: list[dict[str, Any]]) -> dict[str, bytes]:
        return {r["id"]: store.readme(r["id"]) for r in kept if store.readme(r["id"])}

    recorded = store.recorded_at
    return Evolution(
        before=ReplayStore(before, readmes=readmes(before), recorded_at=recorded),
        after=ReplayStore(after, readmes=readmes(after), renames=renames, recorded_at=recorded),
        changed=frozenset(changed),
        deleted=frozenset(gone),
        added=frozenset(new),
        renamed=dict(renames),
        licensed=frozenset(gains),
        downloads=downloads,
        likes=likes,
    )


def evolution_demo(
    folder: Path, store: ReplayStore | None = None, **evolution: Any
) -> tuple[Path, Path, Evolution]:
    """Crawl the two states of `synthetic_evolution` (default: of the bundled sample) into
    the store `folder`, the second incrementally; the two snapshot folders and the record."""
    store = store if store is not None else ReplayStore.load(SAMPLE_DATA)
    states = synthetic_evolution(store, **evolution)
    first, _ = crawl_replay(states.before, Path(folder))
    second, _ = crawl_replay(states.after, Path(folder), since=first)
    return first, second, states


def _wait_for_a_new_snapshot_id(snapshots: Path) -> None:
    """Snapshot ids have one-second resolution: never start two crawls in the same second."""
    from datetime import UTC, datetime

    from pipeline.snapshot.writer import new_snapshot_id

    while (snapshots / new_snapshot_id(datetime.now(UTC))).exists():
        time.sleep(0.05)


def _licence(record: dict[str, Any]) -> str | None:
    card = record.get("cardData") if isinstance(record.get("cardData"), dict) else {}
    if card.get("license"):
        return str(card["license"])
    tags = record.get("tags") or []
    return next((t for t in tags if isinstance(t, str) and t.startswith("license:")), None)
