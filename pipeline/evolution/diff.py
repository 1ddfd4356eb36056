"""`diff_snapshots(a, b)`: what changed on the Hub between two snapshots. Pure.

Compares the `models` tables of two snapshots (A, the older, and B) and reports:

- **added** / **deleted**: ids only in B / only in A, after renames are paired off;
- **renamed**: a model of A that lives on under another id in B (rules below);
- **sha changed**: same id (or a renamed pair), both shas known, different commit;
  **sha unknown**: same id but a sha is missing on one side, so a change is invisible
  (listing records recorded without `sha`);
- **growth**: per model present in both, `downloads` (the Hub's count of the last 30 days,
  so its "growth" is a change of the monthly rate, not a cumulative count),
  `downloads_all_time` when the Hub sent it, and `likes`; totals and medians of each
  snapshot, and the top growers;
- **coverage**: the share of models with each factor of `pipeline.evolution.factors` in A
  and B, and how many models present in both gained or lost it.

**How renames are detected.** The Hub keeps a repo's internal object id (`_id`) across a
rename and answers the old id with a redirect, but the `models` table does not keep `_id`
(the crawler consumes it), and an offline diff cannot ask the Hub for redirects. What a
snapshot does keep survives a rename: the git history (so the `sha` of the last commit) and
`created_at`. A model deleted from A is paired with a model added in B by the first rule
that matches, each rule one-to-one (a key shared by several deleted or several added models
pairs nothing):

1. `hub_id`: the same Hub `_id`, when both rows carry one in `extra_json` (future-proof:
   today's crawler drops it);
2. `sha+created_at`: the same commit sha and the same creation time (both known). Two
   repos share a commit only when one was duplicated from the other, and a duplicate gets
   its own creation time;
3. `created_at+name`: the same creation time and the same repo name after the namespace,
   compared case-insensitively (`qblocks/mistral_7b_norobots` ->
   `monsterapi/mistral_7b_norobots`, `bert-base-uncased` -> `google-bert/bert-base-uncased`),
   for a rename followed by a new commit.

A rename whose repo name, sha and creation time all differ is reported as a deletion plus
an addition. On the bundled sample's 6 real renames (old ids from the Hub's redirects) rule 2
pairs all 6 (`tests/evolution/test_diff.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.evolution.factors import (
    FACTOR_COLUMNS,
    FACTOR_DESCRIPTIONS,
    FACTORS,
    model_factors,
)

# The models columns a diff reads (pass them to `load_snapshot(..., columns=...)`).
DIFF_COLUMNS: list[str] = [
    "id",
    "sha",
    "created_at",
    "downloads",
    "downloads_all_time",
    "likes",
    "extra_json",
    *FACTOR_COLUMNS,
]
RENAME_RULES = ("hub_id", "sha+created_at", "created_at+name")
MODEL_COLUMNS = ["id", "sha", "created_at", "downloads", "likes"]
DEFAULT_TOP = 20


@dataclass
class DiffResult:
    """What changed from snapshot `a` to snapshot `b` (see the module docstring)."""

    a: str
    b: str
    models_a: int
    models_b: int
    added: pd.DataFrame
    deleted: pd.DataFrame
    renamed: pd.DataFrame
    sha_changed: pd.DataFrame
    sha_unknown: pd.DataFrame
    growth: pd.DataFrame
    totals: pd.DataFrame
    coverage: pd.DataFrame
    top: int = DEFAULT_TOP
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Models in A and B and the size of each change set."""
        return {
            "models_a": self.models_a,
            "models_b": self.models_b,
            "added": len(self.added),
            "deleted": len(self.deleted),
            "renamed": len(self.renamed),
            "sha_changed": len(self.sha_changed),
            "sha_unknown": len(self.sha_unknown),
            "in_both": len(self.growth),
        }

    def top_growers(self, by: str = "downloads", n: int | None = None) -> pd.DataFrame:
        """Models present in both with the largest increase of `by` (`downloads`, `likes`,
        `downloads_all_time`), largest first; models whose value is unknown are left out."""
        delta = f"{by}_delta"
        if delta not in self.growth.columns:
            raise KeyError(f"no growth column {delta!r} (have: {list(self.growth.columns)})")
        known = self.growth[self.growth[delta].notna()]
        order = known.sort_values([delta, "id"], ascending=[False, True], kind="stable")
        columns = ["id", "previous_id", f"{by}_a", f"{by}_b", delta]
        return order.head(n or self.top)[columns].reset_index(drop=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Named result tables, as `ptm diff --results` writes them (CSV)."""
        counts = pd.DataFrame(
            [{"measure": k, "value": v} for k, v in self.counts.items()], dtype=object
        )
        return {
            "diff_counts": counts,
            "diff_totals": self.totals,
            "diff_added": self.added,
            "diff_deleted": self.deleted,
            "diff_renamed": self.renamed,
            "diff_sha_changed": self.sha_changed,
            "diff_top_downloads": self.top_growers("downloads"),
            "diff_top_likes": self.top_growers("likes"),
            "diff_coverage": self.coverage,
        }

    def summary(self) -> str:
        """A few readable lines: change counts, totals, coverage changes, top growers."""
        c = self.counts
        lines = [
            f"{self.a} -> {self.b}",
            f"models: {c['models_a']:,} -> {c['models_b']:,} ({c['models_b'] - c['models_a']:+,})",
            f"added {c['added']:,}, deleted {c['deleted']:,}, renamed {c['renamed']:,}, "
            f"sha changed {c['sha_changed']:,} of {c['in_both']:,} in both"
            + (f" ({c['sha_unknown']:,} without a sha on one side)" if c["sha_unknown"] else ""),
        ]
        for _, row in self.totals.iterrows():
            if row["measure"] == "models":
                continue
            lines.append(
                f"{row['measure']}: {_number(row['a'])} -> {_number(row['b'])} "
                f"({_signed(row['change'])})"
            )
        changed = self.coverage[(self.coverage["gained"] > 0) | (self.coverage["lost"] > 0)]
        for _, row in changed.iterrows():
            lines.append(
                f"coverage {row['factor']}: {row['share_a']:.2%} -> {row['share_b']:.2%} "
                f"(+{row['gained']:,} / -{row['lost']:,} models)"
            )
        top = self.top_growers("downloads", 3)
        top = top[top["downloads_delta"] > 0]
        if not top.empty:
            growers = ", ".join(
                f"{i} ({d:+,})" for i, d in zip(top["id"], top["downloads_delta"], strict=True)
            )
            lines.append(f"top downloads growth: {growers}")
        lines.extend(self.notes)
        return "\n".join(lines)


def diff_snapshots(
    a: Any, b: Any, *, top: int = DEFAULT_TOP, labels: tuple[str, str] | None = None
) -> DiffResult:
    """Compare two snapshots (A older, B newer).

    `a` and `b` are `Snapshot`s (`pipeline.snapshot.loader.load_snapshot`, with at least
    the `DIFF_COLUMNS` of `models`; Dask tables are computed) or `models` DataFrames; labels
    default to the snapshot ids, else "A" and "B"."""
    label_a, models_a = _models_of(a, "A")
    label_b, models_b = _models_of(b, "B")
    if labels is not None:
        label_a, label_b = labels
    for name, frame in (("A", models_a), ("B", models_b)):
        if "id" not in frame.columns:
            raise ValueError(f"models table of {name} has no 'id' column")
        if frame["id"].duplicated().any():
            dup = frame.loc[frame["id"].duplicated(), "id"].iloc[0]
            raise ValueError(f"models table of {name} has duplicate id {dup!r}")
    models_a = _with_columns(models_a)
    models_b = _with_columns(models_b)
    ids_a, ids_b = set(models_a["id"]), set(models_b["id"])
    gone = models_a[~models_a["id"].isin(ids_b)]
    new = models_b[~models_b["id"].isin(ids_a)]
    renamed = match_renames(gone, new)
    added = new[~new["id"].isin(set(renamed["new_id"]))]
    deleted = gone[~gone["id"].isin(set(renamed["old_id"]))]

    # Pair every model of B with its row in A: same id, or the old id of a rename.
    previous = dict(zip(renamed["new_id"], renamed["old_id"], strict=True))
    a_key = models_a.set_index("id")
    matched_b = models_b[models_b["id"].isin(ids_a) | models_b["id"].isin(set(previous))]
    old_ids = matched_b["id"].map(lambda i: previous.get(i, i))
    rows_a = a_key.loc[old_ids.to_numpy()].reset_index(drop=True)
    rows_b = matched_b.reset_index(drop=True)
    pairs = pd.DataFrame(
        {
            "id": rows_b["id"].to_numpy(dtype=object),
            "previous_id": np.where(
                old_ids.to_numpy(dtype=object) != rows_b["id"].to_numpy(dtype=object),
                old_ids.to_numpy(dtype=object),
                None,
            ),
            "sha_a": rows_a["sha"].to_numpy(dtype=object),
            "sha_b": rows_b["sha"].to_numpy(dtype=object),
        }
    )
    sha_known = pairs["sha_a"].notna() & pairs["sha_b"].notna()
    sha_changed = pairs[sha_known & (pairs["sha_a"] != pairs["sha_b"])]
    sha_unknown = pairs[~sha_known]
    growth = pairs[["id", "previous_id"]].copy()
    for measure in ("downloads", "downloads_all_time", "likes"):
        before = pd.to_numeric(rows_a[measure], errors="coerce").astype("Int64")
        after = pd.to_numeric(rows_b[measure], errors="coerce").astype("Int64")
        growth[f"{measure}_a"] = before.to_numpy()
        growth[f"{measure}_b"] = after.to_numpy()
        growth[f"{measure}_delta"] = (after - before).to_numpy()

    renamed_out = renamed.merge(
        pairs[["id", "sha_a", "sha_b"]].rename(columns={"id": "new_id"}), on="new_id", how="left"
    )[["old_id", "new_id", "sha_a", "sha_b", "rule"]]
    return DiffResult(
        a=label_a,
        b=label_b,
        models_a=len(models_a),
        models_b=len(models_b),
        added=_model_rows(added),
        deleted=_model_rows(deleted),
        renamed=renamed_out.sort_values("old_id").reset_index(drop=True),
        sha_changed=sha_changed.sort_values("id").reset_index(drop=True),
        sha_unknown=sha_unknown.sort_values("id").reset_index(drop=True),
        growth=growth.reset_index(drop=True),
        totals=_totals(models_a, models_b),
        coverage=_coverage(models_a, models_b, previous),
        top=top,
    )


def match_renames(gone: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Pair models only in A (`gone`) with models only in B (`new`) by the rename rules of
    the module docstring; columns `old_id`, `new_id`, `rule`."""
    pairs: list[tuple[str, str, str]] = []
    if gone.empty or new.empty:
        return pd.DataFrame(pairs, columns=["old_id", "new_id", "rule"], dtype=object)
    left = _rename_keys(gone)
    right = _rename_keys(new)
    for rule in RENAME_RULES:
        left = left[~left["id"].isin({p[0] for p in pairs})]
        right = right[~right["id"].isin({p[1] for p in pairs})]
        key_l = left[rule].dropna()
        key_r = right[rule].dropna()
        unique_l = key_l[~key_l.duplicated(keep=False)]
        unique_r = key_r[~key_r.duplicated(keep=False)]
        by_key = dict(zip(unique_r.to_numpy(), right.loc[unique_r.index, "id"], strict=True))
        for index, key in unique_l.items():
            if key in by_key:
                pairs.append((left.at[index, "id"], by_key[key], rule))
    return pd.DataFrame(pairs, columns=["old_id", "new_id", "rule"], dtype=object)


def _rename_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model, its key under each rename rule (None where the rule cannot apply)."""
    created = pd.to_datetime(frame["created_at"], utc=True, errors="coerce")
    created_text = [None if pd.isna(t) else t.isoformat() for t in created]
    shas = [s if isinstance(s, str) and s else None for s in frame["sha"]]
    names = [i.rsplit("/", 1)[-1].lower() for i in frame["id"]]
    out = pd.DataFrame({"id": frame["id"].to_numpy(dtype=object)}, index=frame.index)
    out["hub_id"] = [_hub_id(e) for e in frame["extra_json"]]
    out["sha+created_at"] = [
        f"{s}|{c}" if s and c else None for s, c in zip(shas, created_text, strict=True)
    ]
    out["created_at+name"] = [
        f"{c}|{n}" if c else None for c, n in zip(created_text, names, strict=True)
    ]
    return out.astype(object)


def _hub_id(extra: object) -> str | None:
    if not isinstance(extra, str) or '"_id"' not in extra:
        return None
    try:
        value = json.loads(extra).get("_id")
    except (json.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def _models_of(snapshot: Any, default: str) -> tuple[str, pd.DataFrame]:
    if isinstance(snapshot, pd.DataFrame):
        return default, snapshot
    tables = getattr(snapshot, "tables", None)
    if not isinstance(tables, dict) or "models" not in tables:
        raise TypeError(
            f"expected a Snapshot with a loaded models table or a DataFrame, got {snapshot!r}"
        )
    models = tables["models"]
    if hasattr(models, "compute"):
        models = models.compute()
    return str(getattr(snapshot, "id", default)), models


def _with_columns(models: pd.DataFrame) -> pd.DataFrame:
    out = models.reset_index(drop=True).copy()
    for column in ("sha", "created_at", "downloads", "downloads_all_time", "likes", "extra_json"):
        if column not in out.columns:
            out[column] = None
    out["id"] = out["id"].astype(object)
    return out


def _model_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[MODEL_COLUMNS].sort_values("id").reset_index(drop=True)


def _totals(models_a: pd.DataFrame, models_b: pd.DataFrame) -> pd.DataFrame:
    rows = [{"measure": "models", "a": len(models_a), "b": len(models_b)}]
    for measure in ("downloads", "downloads_all_time", "likes"):
        a = pd.to_numeric(models_a[measure], errors="coerce")
        b = pd.to_numeric(models_b[measure], errors="coerce")
        if a.notna().sum() == 0 and b.notna().sum() == 0:
            continue  # the Hub sent no such count (e.g. downloads_all_time in old records)
        rows.append({"measure": f"{measure}_total", "a": a.sum(), "b": b.sum()})
        rows.append({"measure": f"{measure}_median", "a": a.median(), "b": b.median()})
    table = pd.DataFrame(rows)
    table["change"] = table["b"] - table["a"]
    return table


def _coverage(
    models_a: pd.DataFrame, models_b: pd.DataFrame, previous: dict[str, str]
) -> pd.DataFrame:
    factors_a = model_factors(models_a).set_index("id")
    factors_b = model_factors(models_b)
    factors_b["id"] = factors_b["id"].map(lambda i: previous.get(i, i))  # A's id for renames
    factors_b = factors_b.set_index("id")
    both = factors_b.index.intersection(factors_a.index)
    rows = []
    for factor in FACTORS:
        if factor not in factors_a.columns or factor not in factors_b.columns:
            continue
        before = factors_a.loc[both, factor].to_numpy(dtype=bool)
        after = factors_b.loc[both, factor].to_numpy(dtype=bool)
        share_a = float(factors_a[factor].mean()) if len(factors_a) else np.nan
        share_b = float(factors_b[factor].mean()) if len(factors_b) else np.nan
        rows.append(
            {
                "factor": factor,
                "description": FACTOR_DESCRIPTIONS[factor],
                "share_a": share_a,
                "share_b": share_b,
                "change": share_b - share_a,
                "gained": int((~before & after).sum()),
                "lost": int((before & ~after).sum()),
            }
        )
    return pd.DataFrame(
        rows, columns=["factor", "description", "share_a", "share_b", "change", "gained", "lost"]
    )


def _number(value: float) -> str:
    if pd.isna(value):
        return "?"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _signed(value: float) -> str:
    if pd.isna(value):
        return "?"
    return f"{value:+,.0f}" if float(value).is_integer() else f"{value:+,.1f}"
