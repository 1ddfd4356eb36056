"""`ptm analyze`: pure run_analyze, atomic CSV writes, and the sub-command wiring."""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from pipeline.analyze import command
from pipeline.analyze.figure7 import figure7_table
from pipeline.errors import SnapshotError
from tests.analyze.sample_models import records_to_models


@pytest.fixture(scope="module")
def sample_models(sample_records: list[dict]) -> pd.DataFrame:
    return records_to_models(sample_records)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ptm")
    command.register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_run_analyze_tables(sample_models: pd.DataFrame) -> None:
    tables = command.run_analyze(sample_models)
    assert set(tables) == {"figure7", "figure7_diagnostics"}
    pd.testing.assert_frame_equal(tables["figure7"], figure7_table(sample_models))
    frame = tables["figure7_diagnostics"]
    diagnostics = dict(zip(frame["measure"], frame["count"], strict=True))
    assert diagnostics["models"] == 7868
    assert diagnostics["models_with_claims"] == 1060


def test_write_results_round_trip(sample_models: pd.DataFrame, tmp_path: Path) -> None:
    tables = command.run_analyze(sample_models)
    results = tmp_path / "nested" / "results"
    paths = command.write_results(tables, results)
    assert paths == [results / "figure7.csv", results / "figure7_diagnostics.csv"]
    assert sorted(p.name for p in results.iterdir()) == sorted(p.name for p in paths)
    back = pd.read_csv(results / "figure7.csv")
    pd.testing.assert_frame_equal(back, tables["figure7"], check_dtype=False)


def test_write_results_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    (tmp_path / "figure7.csv").write_text("old")
    command.write_results({"figure7": pd.DataFrame({"a": [1]})}, tmp_path)
    assert (tmp_path / "figure7.csv").read_text() == "a\n1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["figure7.csv"]


def test_parser_requires_snapshot() -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["analyze"])
    args = _parser().parse_args(["analyze", "--snapshot", "snap"])
    assert args.results == Path("results")
    assert args.func is command.run


def test_run_reads_snapshot_and_writes(
    sample_models: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The reader is another engineer's module: a stand-in with its signature is injected."""
    calls = []

    def read_models(snapshot_dir: Path, columns: list[str] | None = None) -> pd.DataFrame:
        calls.append((snapshot_dir, columns))
        return sample_models

    fake = types.ModuleType("pipeline.snapshot.reader")
    fake.read_models = read_models
    monkeypatch.setitem(sys.modules, "pipeline.snapshot.reader", fake)
    args = _parser().parse_args(
        ["analyze", "--snapshot", str(tmp_path / "snap"), "--results", str(tmp_path / "out")]
    )
    assert args.func(args) == 0
    assert calls == [(tmp_path / "snap", command.MODELS_COLUMNS)]
    assert (tmp_path / "out" / "figure7.csv").is_file()
    assert str(tmp_path / "out" / "figure7.csv") in capsys.readouterr().out


def test_run_names_snapshot_without_needed_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("pipeline.snapshot.reader")
    fake.read_models = lambda snapshot_dir, columns=None: pd.DataFrame({"id": ["a"]})
    monkeypatch.setitem(sys.modules, "pipeline.snapshot.reader", fake)
    args = _parser().parse_args(["analyze", "--snapshot", "snapX", "--results", str(tmp_path)])
    with pytest.raises(SnapshotError, match=r"snapX.*pipeline_tag"):
        args.func(args)
