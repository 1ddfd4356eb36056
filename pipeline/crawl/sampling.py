"""Which models (or author namespaces) a per-model stage measures: all, or a stratified
sample that later crawls keep as a panel.

**Frame.** The listing, always a census: every listed model (for `orgs`: every author
namespace of the listing).

**Strata.** Models: task group x downloads decile within the task group (fewer popularity
strata, quantiles rather than deciles, in a group whose expected sample is under 20, so
that every stratum expects at least two units). The task
matters: on the bundled sample (7,868 models) stratifying by task as well as by decile cuts
the variance of a proportionally allocated sample's estimate of the share of models with a
model-index (Table I's performance table, Figure 7) to 0.23 of simple random sampling,
against 0.75 for deciles alone (card data: 0.77 against 0.91). A task is a group of its own
when it would get at least `MIN_TASK_SAMPLE` sampled models; the rarer tasks form `other`,
and models without a task are `none`. Namespaces (`orgs`): deciles of the summed downloads
of their models (a task does not describe an organization).

**Selection.** Each unit has a permanent random number u = sha256(seed, id) read as a
uniform number in [0, 1). A stratum h of N_h units gets n_h = max(2, round(rate * N_h))
units (at most N_h; `rate` = size / frame), proportional allocation; the sampled units are
those with u at or below the stratum's cutoff c_h, the n_h-th smallest u: a simple random
sample without replacement (order sampling with permanent random numbers, Ohlsson 1995),
so each row's inclusion probability is n_h / N_h.

**Panel.** An incremental crawl (`crawl.since`) with the same stage size and seed reuses
the base snapshot's cutoffs (its manifest's `sampling` record): a unit is sampled when its
u is at or below its stratum's cutoff. The same ids keep the same u, so every sampled model
still listed, and still in a stratum of the same cutoff, is measured again, and a new model
enters with probability c_h, its stratum's rate. Strata that are new get a fresh cutoff.
The realized n_h / N_h is the inclusion probability recorded (given n_h, the sample of a
stratum is still a simple random sample of it, the u being independent of everything).
Under proportional allocation every cutoff is close to the overall rate, so a model that
moves to another decile almost always stays in the panel.

A stage measured whole (`all`) records inclusion probability 1 and no stratum.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

ALL = "all"
N_DECILES = 10
MIN_PER_STRATUM = 2
MIN_TASK_SAMPLE = 20
"""A task is its own stratum group when the sample would give it at least this many models
(two per decile), else it joins `other`."""


def permanent_random_numbers(ids: pd.Series | list[str], seed: int) -> np.ndarray:
    """u in [0, 1) per id: the first 8 bytes of sha256(`seed:id`); the same for an id in
    every crawl with the same seed."""
    out = np.empty(len(ids), dtype=float)
    for i, unit in enumerate(ids):
        digest = hashlib.sha256(f"{seed}:{unit}".encode()).digest()
        out[i] = int.from_bytes(digest[:8], "big") / 2.0**64
    return out


def deciles(values: pd.Series, ids: pd.Series, k: int = N_DECILES) -> np.ndarray:
    """1..k per row: equal-sized ranks of `values` (missing lowest, ties broken by id)."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=int)
    key = pd.to_numeric(values, errors="coerce").astype("float64").fillna(-np.inf).to_numpy()
    order = np.lexsort((ids.astype(str).to_numpy(), key))
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)
    return rank * k // n + 1


def n_popularity_strata(expected_sample: float) -> int:
    """Popularity strata of a group: deciles, fewer when the group's expected sample
    cannot give each at least `MIN_PER_STRATUM` units (so the floor never inflates it)."""
    return int(min(N_DECILES, max(1, expected_sample // MIN_PER_STRATUM)))


def model_strata(models: pd.DataFrame, rate: float) -> np.ndarray:
    """`task|downloads:DD/10` per model (`id`, `downloads`, `pipeline_tag`); see above."""
    task = models["pipeline_tag"].astype(object).where(models["pipeline_tag"].notna(), "none")
    task = task.astype(str)
    counts = task.map(task.value_counts())
    group = task.where((counts * rate >= MIN_TASK_SAMPLE) | (task == "none"), "other")
    labels = np.empty(len(models), dtype=object)
    for name, index in group.groupby(group).groups.items():
        rows = models.loc[index]
        k = n_popularity_strata(rate * len(rows))
        decile = deciles(rows["downloads"], rows["id"], k)
        labels[models.index.get_indexer(index)] = [
            f"{name}|downloads:{d:02d}/{k:02d}" for d in decile
        ]
    return labels


def namespace_frame(models: pd.DataFrame, size: int | None = None) -> pd.DataFrame:
    """One row per author namespace (`id`: the name), stratified by summed downloads
    (deciles; fewer strata for a sample of under 20)."""
    authors = models.dropna(subset=["author"])
    downloads = pd.to_numeric(authors["downloads"], errors="coerce").fillna(0)
    summed = downloads.groupby(authors["author"]).sum().sort_index()
    frame = pd.DataFrame({"id": summed.index.astype(str), "downloads": summed.to_numpy()})
    k = N_DECILES if size is None else n_popularity_strata(min(size, len(frame)))
    decile = deciles(frame["downloads"], frame["id"], k)
    frame["stratum"] = [f"downloads:{d:02d}/{k:02d}" for d in decile]
    return frame


@dataclass(frozen=True)
class Selection:
    """The units a stage measures: per id its stratum (None in a census), inclusion
    probability and stratum size; `record` goes into the manifest's `sampling`."""

    units: pd.DataFrame  # id, stratum, inclusion_probability, stratum_size (in frame order)
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return list(self.units["id"])

    def columns(self) -> dict[str, tuple[str | None, float, int | None]]:
        """id -> (sample_stratum, inclusion_probability, stratum_size)."""
        u = self.units
        return {
            i: (None if pd.isna(s) else s, float(p), None if pd.isna(n) else int(n))
            for i, s, p, n in zip(
                u["id"], u["stratum"], u["inclusion_probability"], u["stratum_size"], strict=True
            )
        }


def census(ids: list[str]) -> Selection:
    """Every unit, probability 1."""
    units = pd.DataFrame(
        {
            "id": list(ids),
            "stratum": [None] * len(ids),
            "inclusion_probability": 1.0,
            "stratum_size": [None] * len(ids),
        }
    )
    return Selection(units, {"design": "census", "units": len(ids)})


def draw(
    frame: pd.DataFrame,
    size: int,
    seed: int,
    *,
    base: Mapping[str, Any] | None = None,
) -> Selection:
    """A stratified sample of `size` from `frame` (`id`, `stratum`), module docstring;
    `base`: the previous snapshot's record of this stage, whose cutoffs are kept (panel)."""
    n_frame = len(frame)
    rate = min(1.0, size / n_frame) if n_frame else 1.0
    panel = _panel_cutoffs(base, size, seed)
    u = permanent_random_numbers(frame["id"].tolist(), seed)
    work = pd.DataFrame({"id": frame["id"].to_numpy(), "stratum": frame["stratum"], "u": u})
    strata: dict[str, dict[str, Any]] = {}
    chosen = np.zeros(n_frame, dtype=bool)
    for label, index in work.groupby("stratum", sort=True).groups.items():
        positions = work.index.get_indexer(index)
        values = u[positions]
        n_big = len(positions)
        cutoff = panel.get(label)
        if cutoff is None:
            n_h = min(n_big, max(MIN_PER_STRATUM, round(rate * n_big)))
            cutoff = float(np.sort(values)[n_h - 1])
        picked = values <= cutoff
        chosen[positions[picked]] = True
        strata[str(label)] = {"N": n_big, "n": int(picked.sum()), "cutoff": cutoff}
    units = work.loc[chosen, ["id", "stratum"]].reset_index(drop=True)
    units["stratum_size"] = units["stratum"].map(lambda s: strata[s]["N"])
    units["inclusion_probability"] = units["stratum"].map(lambda s: strata[s]["n"] / strata[s]["N"])
    record = {
        "design": "stratified",
        "size": int(size),
        "seed": int(seed),
        "rate": rate,
        "frame": n_frame,
        "units": int(chosen.sum()),
        "panel": bool(panel),
        "strata": strata,
    }
    return Selection(units[["id", "stratum", "inclusion_probability", "stratum_size"]], record)


def _panel_cutoffs(base: Mapping[str, Any] | None, size: int, seed: int) -> dict[str, float]:
    """The base snapshot's cutoffs when it sampled this stage with the same size and seed."""
    if not base or base.get("design") != "stratified":
        return {}
    if base.get("size") != size or base.get("seed") != seed:
        return {}
    return {label: float(s["cutoff"]) for label, s in (base.get("strata") or {}).items()}


def select(
    stage: str,
    models: pd.DataFrame,
    size: int | str,
    seed: int,
    base: Mapping[str, Any] | None = None,
) -> Selection:
    """The units of `stage` (`cards`, `security`, `commits`: models; `orgs`: namespaces)
    from the listing `models` (`id`, `author`, `downloads`, `pipeline_tag`)."""
    if stage == "orgs":
        frame = namespace_frame(models, None if size == ALL else int(size))
    else:
        frame = pd.DataFrame({"id": models["id"].astype(str).to_numpy()})
    if size == ALL or (isinstance(size, int) and size >= len(frame)):
        return census(frame["id"].tolist())
    if stage != "orgs":
        rate = int(size) / len(frame)
        frame["stratum"] = model_strata(models.reset_index(drop=True), rate)
    return draw(frame, int(size), seed, base=base)


TABLE_KEYS = {"cards": "model_id", "security": "model_id", "commits": "model_id", "orgs": "name"}


def stage_sizes(crawl: Any) -> dict[str, tuple[int | str, int]]:
    """(size, seed) of every per-model or per-namespace stage the crawl runs
    (`crawl` is the configuration's `CrawlSettings`)."""
    sizes: dict[str, tuple[int | str, int]] = {}
    for stage in ("cards", "security"):
        if stage in crawl.details:
            sizes[stage] = (crawl[f"{stage}_sample"], crawl.sample_seed)
    if crawl.orgs:
        sizes["orgs"] = (crawl.orgs_sample, crawl.sample_seed)
    if crawl.commits == "all":
        sizes["commits"] = (ALL, crawl.commits_seed)
    elif crawl.commits == "sample":
        size = crawl.commits_sample
        if size == ALL:
            size = crawl.commits_per_stratum * N_DECILES
        sizes["commits"] = (size, crawl.commits_seed)
    return sizes


def plan(
    crawl: Any, models: pd.DataFrame, base: Mapping[str, Any] | None = None
) -> dict[str, Selection]:
    """Per stage, its `Selection` from the listing `models`; `base`: the previous
    snapshot's manifest `sampling` record (panel)."""
    base = base or {}
    return {
        stage: select(stage, models, size, seed, base.get(stage))
        for stage, (size, seed) in stage_sizes(crawl).items()
    }


def keep(selection: Selection, items: list[Any]) -> list[Any]:
    """The items (ids, or tuples starting with an id) the selection measures, in order."""
    chosen = set(selection.units["id"])
    return [i for i in items if (i[0] if isinstance(i, tuple) else i) in chosen]


def annotate(table: Any, selection: Selection, key: str) -> Any:
    """`table` (pyarrow) with its design columns set from `selection`, row by row."""
    import pyarrow as pa

    columns = selection.columns()
    keys = table.column(key).to_pylist()
    values = [columns.get(k, (None, None, None)) for k in keys]
    for position, name, kind in (
        (0, "sample_stratum", pa.string()),
        (1, "inclusion_probability", pa.float64()),
        (2, "stratum_size", pa.int64()),
    ):
        if name not in table.schema.names:
            continue
        index = table.schema.get_field_index(name)
        array = pa.array([v[position] for v in values], type=kind)
        table = table.set_column(index, table.schema.field(index), array)
    return table
