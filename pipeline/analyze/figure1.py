"""Figure 1 of the paper: monthly downloads of the 100 most-downloaded packages of NPM,
PyPI and the Hugging Face Hub (log scale), redrawn from the paper's published data
(`data/icse23/transformed_packages.csv.gz`), with the Hub's top 100 of a snapshot beside it.

A snapshot's `downloads` counts the last 30 days, the same unit as the paper's monthly
downloads. The snapshot series is the 100 most-downloaded models of the analysed population
(for the bundled sample, models whose id starts with 0-4 or q: not the Hub's top 100).

Fresh NPM and PyPI counts: when `ptm fetch-downloads` has written `registry_downloads.csv`
(`ecosystem`, `package`, `downloads_last_month`, `fetched_at`, `source_url`; see
`pipeline.registries`), `figure1_table(..., fetched=...)` adds the series "NPM (fetched
<date>)" and "PyPI (fetched <date>)" (source "fetched from <host>", date the UTC day of the
latest count): the top `TOP` of the packages fetched, by default the paper's package lists
(NPM: the 133 its artifact names, or its top 20 without `npm_list.csv`; PyPI: only its top 20
have names), not today's registry top 100.
Reading that file is the only I/O here; fetching is a separate command.

Tables: `figure1.csv` (one row per series and rank: `series`, `source`, `date`, `rank`,
`monthly_downloads`) and `figure1_summary.csv` (per series: `packages`, `total`, `median`,
`max`, `min` of the top 100, and the paper's value of the total where it has one).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

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
REGISTRY_DOWNLOADS = "registry_downloads.csv"
REGISTRY_COLUMNS = ("ecosystem", "package", "downloads_last_month", "fetched_at", "source_url")
FETCHED = {"npm": "NPM", "pypi": "PyPI"}
FETCHED_SOURCE = "fetched from"


def read_paper_packages(path: Path = PAPER_DATA) -> pd.DataFrame:
    """The artifact's per-package monthly downloads: `ecosystem`, `monthly_downloads`.

    One NPM value is written with thousands separators ("141,424,941"): read as a number."""
    frame = pd.read_csv(
        path, header=None, usecols=[0, 1], names=["monthly_downloads", "ecosystem"], thousands=","
    )
    frame["monthly_downloads"] = pd.to_numeric(frame["monthly_downloads"], errors="coerce")
    return frame.dropna()


def read_registry_downloads(results: Path) -> pd.DataFrame | None:
    """`<results>/registry_downloads.csv` as written by `ptm fetch-downloads`, or None when
    the folder has none. ValueError naming the file when it lacks a column."""
    path = Path(results) / REGISTRY_DOWNLOADS
    if not path.is_file():
        return None
    frame = pd.read_csv(path, dtype={"ecosystem": str, "package": str})
    missing = [c for c in REGISTRY_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: no column(s) {missing}")
    return frame


def figure1_table(
    packages: pd.DataFrame,
    snapshot_downloads: pd.Series | None = None,
    snapshot_date: str | None = None,
    fetched: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Top `TOP` monthly downloads per ecosystem from the paper's data, plus the snapshot's
    models (`snapshot_downloads`, one value per model; missing values dropped), plus the
    fetched NPM/PyPI series when `fetched` (a `registry_downloads.csv` table) is given."""
    parts = []
    for ecosystem, label in ECOSYSTEMS.items():
        values = packages.loc[packages["ecosystem"] == ecosystem, "monthly_downloads"]
        parts.append(_top(values, label, "paper (ICSE'23 artifact)", PAPER_DATE))
    if snapshot_downloads is not None:
        values = pd.to_numeric(pd.Series(snapshot_downloads), errors="coerce").dropna()
        label = f"Hugging Face Hub (snapshot {snapshot_date or 'of unknown date'})"
        parts.append(_top(values, label, "this snapshot", snapshot_date or ""))
    if fetched is not None:
        parts += fetched_series(fetched)
    return pd.concat(parts, ignore_index=True)[list(COLUMNS)]


def fetched_series(fetched: pd.DataFrame) -> list[pd.DataFrame]:
    """One top-`TOP` series per fetched ecosystem (NPM, then PyPI): "NPM (fetched
    2025-01-31)", source "fetched from api.npmjs.org". Packages without a count are dropped;
    an ecosystem with no count at all gives no series."""
    parts = []
    for ecosystem, name in FETCHED.items():
        rows = fetched[fetched["ecosystem"].astype(str) == ecosystem]
        values = pd.to_numeric(rows["downloads_last_month"], errors="coerce")
        rows, values = rows[values.notna()], values.dropna()
        if values.empty:
            continue
        stamps = pd.to_datetime(rows["fetched_at"], utc=True, errors="coerce").dropna()
        date = stamps.max().strftime("%Y-%m-%d") if len(stamps) else "unknown date"
        hosts = sorted({urlsplit(str(u)).netloc for u in rows["source_url"]} - {""})
        source = f"{FETCHED_SOURCE} {', '.join(hosts) or 'unknown host'}"
        parts.append(_top(values, f"{name} (fetched {date})", source, date))
    return parts


def with_fetched_series(table: pd.DataFrame, fetched: pd.DataFrame) -> pd.DataFrame:
    """An existing Figure 1 table with its fetched series (if any) replaced by those of
    `fetched`: for a fetch made after the analysis. The other rows are kept as they are."""
    kept = table[~table["source"].astype(str).str.startswith(FETCHED_SOURCE)]
    parts = [kept[list(COLUMNS)], *fetched_series(fetched)]
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
