"""Figure 7 plot: task labels, `k/n` bar labels, and the saver's files."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from pipeline.analyze.figure7 import TASK_ORDER, figure7_table
from pipeline.cli import plot as command
from pipeline.errors import PipelineError
from pipeline.paper import paper_figure7
from pipeline.plot.figure7 import plot_figure7
from pipeline.plot.save import save_figure
from tests.analyze.sample_models import records_to_models


@pytest.fixture(scope="module")
def table(sample_records: list[dict]) -> pd.DataFrame:
    return figure7_table(records_to_models(sample_records))


@pytest.fixture(scope="module")
def figure(table: pd.DataFrame) -> Figure:
    return plot_figure7(table, "(bundled sample, July 2024)")


def _labels(frame: pd.DataFrame) -> list[str]:
    return [
        f"{k:,}/{n:,}" for k, n in zip(frame["models_with_claims"], frame["models"], strict=True)
    ]


def test_fifteen_task_labels_in_paper_order(figure: Figure) -> None:
    (axes,) = figure.axes
    labels = [tick.get_text() for tick in axes.get_yticklabels()]
    assert labels == list(TASK_ORDER)
    assert len(labels) == 15


def test_bar_labels_match_table_and_paper(figure: Figure, table: pd.DataFrame) -> None:
    (axes,) = figure.axes
    texts = [text.get_text() for text in axes.texts]
    assert texts == _labels(table) + _labels(paper_figure7())
    assert "892/4,575" in texts  # other, measured on the sample
    assert "872/8,764" in texts  # text-classification in the paper


def test_bar_lengths_are_percent_shares(figure: Figure, table: pd.DataFrame) -> None:
    (axes,) = figure.axes
    measured, _paper = axes.containers
    widths = [patch.get_width() for patch in measured.patches]
    assert widths == pytest.approx((100 * table["share"]).tolist())
    assert "%" in axes.xaxis.get_major_formatter()(10, 0)


def test_title_and_legend(figure: Figure) -> None:
    assert "(bundled sample, July 2024)" in figure.get_suptitle()
    (legend,) = figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "this snapshot",
        "paper (Hub of 2022-08-15)",
    ]


def test_rows_are_reordered_and_missing_tasks_named(table: pd.DataFrame) -> None:
    shuffled = table.iloc[::-1]
    (axes,) = plot_figure7(shuffled).axes
    assert [t.get_text() for t in axes.texts][:15] == _labels(table)
    with pytest.raises(ValueError, match="fill-mask"):
        plot_figure7(table[table["task"] != "fill-mask"])
    with pytest.raises(ValueError, match="models"):
        plot_figure7(table.drop(columns=["models"]))


def test_all_zero_table_plots(table: pd.DataFrame) -> None:
    zeros = table.assign(models_with_claims=0, models=0, share=0.0)
    (axes,) = plot_figure7(zeros).axes
    assert [t.get_text() for t in axes.texts][:15] == ["0/0"] * 15


def test_save_writes_png_and_pdf(figure: Figure, tmp_path: Path) -> None:
    paths = save_figure(figure, tmp_path / "out", "figure7")
    assert paths == [tmp_path / "out" / "figure7.png", tmp_path / "out" / "figure7.pdf"]
    png, pdf = (path.read_bytes() for path in paths)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["figure7.pdf", "figure7.png"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ptm")
    command.register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_plot_command_missing_csv_names_path(tmp_path: Path) -> None:
    args = _parser().parse_args(["plot", "--results", str(tmp_path)])
    with pytest.raises(PipelineError, match=re.escape(str(tmp_path / "figure7.csv"))):
        args.func(args)


def test_plot_command_bad_csv_names_path(tmp_path: Path) -> None:
    (tmp_path / "figure7.csv").write_text("task,models\nother,3\n")
    args = _parser().parse_args(["plot", "--results", str(tmp_path)])
    with pytest.raises(PipelineError, match=r"figure7\.csv"):
        args.func(args)


def test_plot_command_writes_figures(table: pd.DataFrame, tmp_path: Path) -> None:
    table.to_csv(tmp_path / "figure7.csv", index=False)
    args = _parser().parse_args(["plot", "--results", str(tmp_path)])
    assert args.func(args) == 0
    assert (tmp_path / "figure7.png").stat().st_size > 0
    assert (tmp_path / "figure7.pdf").stat().st_size > 0
