"""Figure 1 with fetched NPM/PyPI series (`registry_downloads.csv`, made up here): the
series beside the paper's, unchanged output without them, and the plot's styling."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from pipeline.analyze.figure1 import (
    REGISTRY_DOWNLOADS,
    figure1_summary,
    figure1_table,
    read_paper_packages,
    read_registry_downloads,
    with_fetched_series,
)
from pipeline.plot.figure1 import COLORS, plot_figure1, series_colors


def fetched_frame() -> pd.DataFrame:
    """A SYNTHETIC registry_downloads table: 120 NPM packages (one without a count) fetched
    over midnight, 3 PyPI packages."""
    rows = [
        (
            "npm",
            f"pkg-{i}",
            1_000_000 - i,
            f"2025-01-30T23:59:{i % 60:02d}Z",
            "https://api.npmjs.org/downloads/point/last-month/pkg-0,pkg-1",
        )
        for i in range(119)
    ]
    rows += [
        (
            "npm",
            "@scope/late",
            5,
            "2025-01-31T00:00:01Z",
            "https://api.npmjs.org/downloads/point/last-month/@scope/late",
        ),
        (
            "npm",
            "no-count",
            None,
            "2025-01-31T00:00:02Z",
            "https://api.npmjs.org/downloads/point/last-month/@scope/late",
        ),
    ]
    rows += [
        (
            "pypi",
            name,
            value,
            "2025-01-31T00:01:00Z",
            f"https://pypistats.org/api/packages/{name}/recent",
        )
        for name, value in (("boto3", 30), ("requests", 20), ("gone", None))
    ]
    columns = ["ecosystem", "package", "downloads_last_month", "fetched_at", "source_url"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["downloads_last_month"] = frame["downloads_last_month"].astype("Int64")
    return frame


def test_without_fetched_counts_nothing_changes() -> None:
    packages = read_paper_packages()
    base = figure1_table(packages)
    assert base.equals(figure1_table(packages, fetched=None))
    assert not base["series"].str.contains("fetched").any()


def test_fetched_series_beside_the_papers() -> None:
    packages = read_paper_packages()
    table = figure1_table(packages, fetched=fetched_frame())
    base = figure1_table(packages)
    assert table.iloc[: len(base)].equals(base)  # the paper's series come first, unchanged
    npm = table[table["series"] == "NPM (fetched 2025-01-31)"]
    assert len(npm) == 100 and npm["rank"].tolist() == list(range(1, 101))
    assert npm["monthly_downloads"].iloc[0] == 1_000_000
    assert npm["monthly_downloads"].is_monotonic_decreasing
    assert set(npm["source"]) == {"fetched from api.npmjs.org"} and set(npm["date"]) == {
        "2025-01-31"
    }
    pypi = table[table["series"] == "PyPI (fetched 2025-01-31)"]
    assert pypi["monthly_downloads"].tolist() == [30, 20]  # only counted packages
    assert set(pypi["source"]) == {"fetched from pypistats.org"}
    summary = figure1_summary(table).set_index("series")
    assert summary.loc["PyPI (fetched 2025-01-31)", "total"] == 50
    assert summary.loc["NPM (fetched 2025-01-31)", "packages"] == 100


def test_an_ecosystem_without_counts_gives_no_series() -> None:
    frame = fetched_frame()
    frame.loc[frame["ecosystem"] == "pypi", "downloads_last_month"] = pd.NA
    table = figure1_table(read_paper_packages(), fetched=frame)
    assert not table["series"].str.startswith("PyPI (fetched").any()


def test_with_fetched_series_replaces_earlier_ones() -> None:
    packages = read_paper_packages()
    older = fetched_frame()
    older["fetched_at"] = "2024-12-01T10:00:00Z"
    table = figure1_table(packages, pd.Series([5, 6]), "2024-07-09", fetched=older)
    newer = with_fetched_series(table, fetched_frame())
    assert not newer["series"].str.contains("2024-12-01").any()
    assert newer.equals(
        figure1_table(packages, pd.Series([5, 6]), "2024-07-09", fetched=fetched_frame())
    )


def test_read_registry_downloads(tmp_path) -> None:
    assert read_registry_downloads(tmp_path) is None
    fetched_frame().to_csv(tmp_path / REGISTRY_DOWNLOADS, index=False)
    back = read_registry_downloads(tmp_path)
    assert back is not None and len(back) == len(fetched_frame())
    fetched_frame().drop(columns=["fetched_at"]).to_csv(tmp_path / REGISTRY_DOWNLOADS)
    with pytest.raises(
        ValueError, match=r"registry_downloads.csv: no column\(s\) \['fetched_at'\]"
    ):
        read_registry_downloads(tmp_path)


def test_colours_of_fetched_series() -> None:
    paper = [
        "NPM (paper, 2022)",
        "PyPI (paper, 2022)",
        "Hugging Face Hub (paper, 2022-08)",
        "Hugging Face Hub (snapshot 2024-07-09)",
    ]
    assert series_colors(paper) == COLORS[:4]  # unchanged without fetched series
    colours = series_colors([*paper, "NPM (fetched 2025-01-31)", "PyPI (fetched 2025-01-31)"])
    assert colours[4:] == [COLORS[0], COLORS[1]]
    assert series_colors(["PyPI (fetched 2025-01-31)"]) == [COLORS[0]]


def test_plot_with_fetched_series() -> None:
    table = figure1_table(read_paper_packages(), fetched=fetched_frame())
    figure = plot_figure1(table)
    ranks, boxes = figure.axes
    styles = {line.get_label(): line.get_linestyle() for line in ranks.get_lines()}
    assert styles["NPM (fetched 2025-01-31)"] == "--" and styles["NPM (paper, 2022)"] == "-"
    assert [t.get_text().split("\n")[0] for t in boxes.get_xticklabels()][-2:] == ["NPM", "PyPI"]
    hatches = [patch.get_hatch() for patch in boxes.patches]
    assert hatches[-2:] == ["//", "//"] and hatches[0] in (None, "")
    figure.savefig(io.BytesIO(), format="png")
