"""Figure 1 of the paper: monthly downloads of the 100 most-downloaded packages of NPM,
PyPI and the Hugging Face Hub (log scale), redrawn from the paper's published data
(`data/icse23/transformed_packages.csv.gz`), with the Hub's top 100 of a snapshot beside it.

A snapshot's `downloads` counts the last 30 days, the same unit as the paper's monthly
downloads. The snapshot series is the 100 most-downloaded models of the analysed population
(for the bundled sample, models whose id starts with 0-4 or q: not the Hub's top 100).

Tables: `figure1.csv` (one row per series and rank: `series`, `source`, `date`, `rank`,
`monthly_downloads`) and `figure1_summary.csv` (per series: `packages`, `total`, `median`,
`max`, `min` of the top 100, and the paper's value of the total where it has one).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analyze.population import DATA_DIR

TOP = 100
PAPER_DATA = DATA_DIR / "transformed_packages.csv.gz"
PAPER_DATE = "2022-08"
ECOSYSTEMS = {
    "npm": "NPM (paper, 2022)",
    "pypi": "PyPI (paper, 2022)",
    "huggingface": "Hugging Face Hub (paper, 2022-08)",
}
COLUMNS = ("series", "source", "date", "rank", "monthly_downloads")


def read_paper_packages(path: Path = PAPER_DATA) -> pd.DataFrame:
    """The artifact's per-package monthly downloads: `ecosystem`, `monthly_downloads`.

    One NPM value is written with thousands separators ("141,424,941"): read as a number."""
    frame = pd.read_csv(
        path, header=None, usecols=[0, 1], names=["monthly_downloads", "ecosystem"], thousands=","
    )
    frame["monthly_downloads"] = pd.to_numeric(frame["monthly_downloads"], errors="coerce")
    return frame.dropna()


def figure1_table(
    packages: pd.DataFrame,
    snapshot_downloads: pd.Series | None = None,
    snapshot_date: str | None = None,
) -> pd.DataFrame:
    """Top `TOP` monthly downloads per ecosystem from the paper's data, plus the snapshot's
    models (`snapshot_downloads`, one value per model; missing values dropped)."""
    parts = []
    for ecosystem, label in ECOSYSTEMS.items():
        values = packages.loc[packages["ecosystem"] == ecosystem, "monthly_downloads"]
        parts.append(_top(values, label, "paper (ICSE'23 artifact)", PAPER_DATE))
    if snapshot_downloads is not None:
        values = pd.to_numeric(pd.Series(snapshot_downloads), errors="coerce").dropna()
        label = f"Hugging Face Hub (snapshot {snapshot_date or 'of unknown date'})"
        parts.append(_top(values, label, "this snapshot", snapshot_date or ""))
    return pd.concat(parts, ignore_index=True)[list(COLUMNS)]


def figure1_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per series: packages, total, median, max and min of the top downloads."""
    grouped = table.groupby(["series", "source", "date"], sort=False)["monthly_downloads"]
    summary = grouped.agg(packages="size", total="sum", median="median", max="max", min="min")
    return summary.reset_index()


def _top(values: pd.Series, series: str, source: str, date: str) -> pd.DataFrame:
    top = np.sort(values.to_numpy(dtype="float64"))[::-1][:TOP]
    return pd.DataFrame(
        {
            "series": series,
            "source": source,
            "date": date,
            "rank": np.arange(1, len(top) + 1),
            "monthly_downloads": top.astype("int64"),
        }
    )
