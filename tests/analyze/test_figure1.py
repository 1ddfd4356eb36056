"""Figure 1 from the paper's artifact data, and the snapshot's Hub series."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd

from pipeline.analyze.figure1 import (
    PAPER_DATA,
    figure1_summary,
    figure1_table,
    read_paper_packages,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "icse23-artifact"


def _independent_top100() -> dict[str, list[int]]:
    values: dict[str, list[int]] = {}
    with gzip.open(PAPER_DATA, "rt", newline="") as handle:
        for row in csv.reader(handle):
            values.setdefault(row[1], []).append(int(row[0].replace(",", "")))
    return {k: sorted(v, reverse=True)[:100] for k, v in values.items()}


def test_paper_series_equal_independent_read() -> None:
    table = figure1_table(read_paper_packages())
    expected = _independent_top100()
    assert set(expected) == {"npm", "pypi", "huggingface"}
    assert 141424941 in expected["npm"]  # the one value written "141,424,941" is kept
    for ecosystem, label in (("npm", "NPM"), ("pypi", "PyPI"), ("huggingface", "Hugging Face")):
        rows = table[table["series"].str.startswith(label)]
        assert rows["monthly_downloads"].tolist() == expected[ecosystem]
        assert rows["rank"].tolist() == list(range(1, 101))
    top20 = pd.read_csv(PAPER_DATA.parent / "top20pypi_downloads.csv")
    assert expected["pypi"][0] == 384702556 > int(top20["monthly_downloads"].iloc[0])


def test_copied_data_matches_the_artifact() -> None:
    original = SHARED / "transformed_packages.csv"
    if not original.is_file():  # the shared folder is beside the repo in CI and here
        return
    with gzip.open(PAPER_DATA, "rb") as handle:
        assert handle.read() == original.read_bytes()


def test_snapshot_series(sample_records) -> None:
    downloads = pd.Series([r["downloads"] for r in sample_records] + [None])
    table = figure1_table(read_paper_packages(), downloads, "2024-07-09")
    summary = figure1_summary(table).set_index("source")
    mine = summary.loc["this snapshot"]
    expected = sorted((r["downloads"] for r in sample_records), reverse=True)[:100]
    assert mine["total"] == sum(expected) and mine["packages"] == 100
    assert mine["series"] == "Hugging Face Hub (snapshot 2024-07-09)"
