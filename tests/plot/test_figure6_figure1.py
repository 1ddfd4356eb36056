"""Figures 6 and 1: labels, log scales, the paper's values, and the plot command."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from pipeline.analyze.figure1 import figure1_table, read_paper_packages
from pipeline.analyze.figure6 import figure6_architectures, figure6_datasets
from pipeline.cli.plot import plot_results
from pipeline.plot.figure1 import plot_figure1
from pipeline.plot.figure6 import plot_figure6
from tests.analyze.sample_models import records_to_full_models


@pytest.fixture(scope="module")
def tables(sample_records: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    models = records_to_full_models(sample_records)
    return figure6_datasets(models), figure6_architectures(models)


@pytest.fixture(scope="module")
def figure6(tables) -> Figure:
    return plot_figure6(*tables, "(bundled sample)")


def test_figure6_panels_are_log_scaled_and_labelled(figure6: Figure, tables) -> None:
    datasets, architectures = tables
    left, right = figure6.axes
    for axes, table, key in ((left, datasets, "dataset"), (right, architectures, "architecture")):
        assert axes.get_xscale() == "log"
        assert "log scale" in axes.get_xlabel() and "%" in axes.get_xlabel()
        labels = [t.get_text() for t in axes.get_yticklabels()]
        assert labels[: len(table)][:12] == table[key].astype(str).tolist()[:12]
        assert "None" in labels and "other" in labels
        measured, _paper = axes.containers
        assert len(measured.patches) == len(table)
    texts = [t.get_text() for t in left.texts]
    assert "82.1%" in texts and "92.8%" in texts  # paper's and measured None (builders aside)
    assert "(bundled sample)" in figure6.get_suptitle()


def test_figure6_names_missing_columns(tables) -> None:
    datasets, architectures = tables
    with pytest.raises(ValueError, match="percent"):
        plot_figure6(datasets.drop(columns=["percent"]), architectures)


def test_figure1(sample_records) -> None:
    downloads = pd.Series([r["downloads"] for r in sample_records])
    table = figure1_table(read_paper_packages(), downloads, "2024-07-09")
    figure = plot_figure1(table)
    ranks, boxes = figure.axes
    assert ranks.get_yscale() == "log" and boxes.get_yscale() == "log"
    assert "per month" in ranks.get_ylabel()
    legend = [t.get_text() for t in ranks.get_legend().get_texts()]
    assert legend[0] == "NPM (paper, 2022)" and legend[-1].endswith("(snapshot 2024-07-09)")
    assert len(ranks.lines) == 4
    with pytest.raises(ValueError, match="monthly_downloads"):
        plot_figure1(table.drop(columns=["monthly_downloads"]))


def test_plot_command_draws_every_figure(tables, sample_records, tmp_path) -> None:
    from pipeline.analyze.figure7 import figure7_table
    from tests.analyze.sample_models import records_to_models

    figure7_table(records_to_models(sample_records)).to_csv(tmp_path / "figure7.csv", index=False)
    tables[0].to_csv(tmp_path / "figure6_datasets.csv", index=False)
    tables[1].to_csv(tmp_path / "figure6_architectures.csv", index=False)
    figure1_table(read_paper_packages()).to_csv(tmp_path / "figure1.csv", index=False)
    written = plot_results(tmp_path)
    names = {p.name for p in written}
    assert names == {f"figure{n}.{x}" for n in (1, 6, 7) for x in ("png", "pdf")}
    assert all(p.stat().st_size > 5000 for p in written)
