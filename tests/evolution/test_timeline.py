"""`evolution_table` over a store of two complete snapshots (and an unfinished one), and
its figure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from pipeline.evolution.factors import FACTORS
from pipeline.evolution.timeline import evolution_table, plot_evolution
from pipeline.snapshot.reader import read_table
from tests.evolution.conftest import TwoStates


@pytest.fixture(scope="module")
def table(two_states: TwoStates, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    store = tmp_path_factory.mktemp("timeline")
    for folder in (two_states.first, two_states.second):
        shutil.copytree(folder, store / folder.name)
    # An unfinished crawl (no manifest) must not appear: its counts would be partial.
    unfinished = store / "2099-01-01T000000Z"
    shutil.copytree(two_states.second, unfinished)
    (unfinished / "manifest.json").unlink()
    return evolution_table(store)


def test_one_row_per_complete_snapshot(table: pd.DataFrame, two_states: TwoStates) -> None:
    assert table["snapshot_id"].tolist() == [two_states.first.name, two_states.second.name]
    ev = two_states.evolution
    assert table["models"].tolist() == [len(ev.before), len(ev.after)]
    assert table["since"].isna().iloc[0] and table["since"].iloc[1] == two_states.first.name
    assert (table["coverage"] == 1.0).all() and (table["errors"] == 0).all()
    assert table["data_recorded_at"].notna().all()
    assert str(table["started_at"].dt.tz) == "UTC"


def test_totals_and_shares_match_the_tables(table: pd.DataFrame, two_states: TwoStates) -> None:
    for row, folder in zip(table.itertuples(), (two_states.first, two_states.second), strict=True):
        models = read_table(folder, "models", ["downloads", "likes", "license"])
        assert row.downloads_total == models["downloads"].sum()
        assert row.likes_total == models["likes"].sum()
        assert row.downloads_median == models["downloads"].median()
    growth = table["downloads_total"].diff().iloc[1]
    ev = two_states.evolution
    expected = sum(r["downloads"] for r in ev.after.models) - sum(
        r["downloads"] for r in ev.before.models
    )
    assert growth == expected
    assert table[[f"share_{f}" for f in FACTORS]].notna().all().all()
    assert pd.isna(table["downloads_all_time_total"]).all()  # not in the recordings


def test_the_figure_has_three_panels(table: pd.DataFrame) -> None:
    figure = plot_evolution(table)
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 4  # three panels and the likes axis
    shares = figure.axes[2].get_lines()
    assert len(shares) == len(FACTORS)
    assert len(shares[0].get_xdata()) == 2


def test_an_empty_store_gives_an_empty_table_and_no_figure(tmp_path: Path) -> None:
    empty = evolution_table(tmp_path)
    assert empty.empty and "share_license" in empty.columns
    with pytest.raises(ValueError, match="no complete snapshot"):
        plot_evolution(empty)
