"""How a store's snapshots evolve: one row per complete snapshot, and a figure.

`evolution_table(root)` reads the `models` columns it needs from every complete snapshot of
a store (incomplete ones are skipped: their counts would be partial) and gives, per
snapshot: when it was crawled, which data it holds (`data_recorded_at` for a replay), its
population (models, errors, coverage), the sums and medians of `downloads` (the Hub's
last-30-days count), `downloads_all_time` (when the Hub sent it) and `likes`, and the share
of models with each factor of `pipeline.evolution.factors` (`share_<factor>`).

`plot_evolution(table)` draws it (three panels sharing the crawl date) on a bare
`matplotlib.figure.Figure` (no pyplot, no backend switch, so notebooks keep theirs);
`ptm evolution` writes `evolution.csv` and `evolution.png`/`.pdf`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from pipeline.evolution.factors import FACTOR_COLUMNS, FACTORS, factor_shares, model_factors
from pipeline.snapshot.catalog import snapshot_catalog
from pipeline.snapshot.loader import Snapshot, load_snapshot

TIMELINE_COLUMNS = ["id", "downloads", "downloads_all_time", "likes", *FACTOR_COLUMNS]
BASE_COLUMNS = [
    "snapshot_id",
    "started_at",
    "data_recorded_at",
    "endpoint",
    "since",
    "models",
    "errors",
    "coverage",
    "downloads_total",
    "downloads_median",
    "downloads_all_time_total",
    "likes_total",
    "likes_median",
]


def snapshot_measures(snapshot: Snapshot) -> dict[str, Any]:
    """One row of `evolution_table` for a loaded snapshot (with `TIMELINE_COLUMNS`). Pure."""
    models = snapshot.tables["models"]
    if hasattr(models, "compute"):
        models = models.compute()
    manifest = snapshot.manifest
    errors = snapshot.rows("errors") or 0
    since = manifest.get("since")
    row: dict[str, Any] = {
        "snapshot_id": snapshot.id,
        "started_at": manifest.get("started_at"),
        "data_recorded_at": manifest.get("data_recorded_at"),
        "endpoint": manifest.get("endpoint"),
        "since": Path(since).name if since else None,
        "models": len(models),
        "errors": errors,
        "coverage": len(models) / (len(models) + errors) if len(models) + errors else None,
    }
    for measure in ("downloads", "downloads_all_time", "likes"):
        if measure in models.columns:
            values = pd.to_numeric(models[measure], errors="coerce")
        else:
            values = pd.Series(dtype=float)
        known = bool(values.notna().any())
        row[f"{measure}_total"] = values.sum() if known else None
        if measure != "downloads_all_time":
            row[f"{measure}_median"] = values.median() if known else None
    shares = factor_shares(model_factors(models))
    for factor in FACTORS:
        row[f"share_{factor}"] = shares.get(factor)
    return row


def evolution_table(root: Path) -> pd.DataFrame:
    """One row per complete snapshot of the store `root`, oldest first (module docstring)."""
    catalog = snapshot_catalog(Path(root))
    rows = []
    for path in catalog.loc[catalog["complete"], "path"]:
        snapshot = load_snapshot(path, ["models"], columns={"models": TIMELINE_COLUMNS})
        rows.append(snapshot_measures(snapshot))
    columns = [*BASE_COLUMNS, *[f"share_{f}" for f in FACTORS]]
    table = pd.DataFrame(rows, columns=columns)
    table["started_at"] = pd.to_datetime(table["started_at"], utc=True, format="ISO8601")
    return table


def plot_evolution(table: pd.DataFrame, title: str = "") -> Figure:
    """Three panels over the crawl date: models (and errors), downloads and likes totals,
    and the share of models with each factor. Works from one snapshot on (points)."""
    if table.empty:
        raise ValueError("no complete snapshot to plot (the evolution table is empty)")
    x = pd.to_datetime(table["started_at"], utc=True)
    figure = Figure(figsize=(9, 9.5), layout="constrained")
    axes = figure.subplots(3, 1, sharex=True)
    style = {"marker": "o", "linewidth": 1.5}

    axes[0].plot(x, table["models"], label="models", **style)
    if table["errors"].fillna(0).gt(0).any():
        axes[0].plot(x, table["errors"], label="errors", color="#d62728", **style)
    axes[0].set_ylabel("models")
    axes[0].legend(loc="best", fontsize=8)

    axes[1].plot(x, table["downloads_total"], label="downloads (last 30 days), total", **style)
    axes[1].set_ylabel("downloads")
    likes = axes[1].twinx()
    likes.plot(x, table["likes_total"], label="likes, total", color="#ff7f0e", **style)
    likes.set_ylabel("likes")
    handles = axes[1].get_lines() + likes.get_lines()
    axes[1].legend(handles, [h.get_label() for h in handles], loc="best", fontsize=8)

    for factor in FACTORS:
        column = f"share_{factor}"
        if column in table and table[column].notna().any():
            axes[2].plot(x, 100 * table[column], label=factor, **style)
    axes[2].yaxis.set_major_formatter(PercentFormatter(decimals=0))
    axes[2].set_ylabel("models with the attribute")
    axes[2].set_ylim(0, 100)
    axes[2].legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    axes[2].set_xlabel("crawl start (UTC)")
    locator = AutoDateLocator()
    axes[2].xaxis.set_major_locator(locator)
    axes[2].xaxis.set_major_formatter(ConciseDateFormatter(locator))
    thousands = FuncFormatter(lambda value, _: f"{value:,.0f}")
    for ax in (axes[0], axes[1], likes):
        ax.yaxis.set_major_formatter(thousands)
    for ax in axes:
        ax.grid(alpha=0.3)
    figure.suptitle(title or f"Evolution over {len(table)} snapshot(s)")
    return figure
