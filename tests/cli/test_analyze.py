"""`ptm analyze`: in-memory run_analyze, a snapshot written to disk end to end, the paper
population, atomic writes and the sub-command wiring."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.analyze.figure7 import figure7_table
from pipeline.analyze.population import paper_ids
from pipeline.cli import analyze as command
from pipeline.errors import PipelineError, SnapshotError
from pipeline.figures.lineage import FIGURE as LINEAGE
from tests.analyze.sample_models import records_to_models, write_snapshot

EXPECTED_FILES = {
    "figure1.csv",
    "figure1_summary.csv",
    "figure6_datasets.csv",
    "figure6_architectures.csv",
    "figure7.csv",
    "figure7_diagnostics.csv",
    "table4.csv",
    "attribute_coverage.csv",
    "attribute_coverage_by_task.csv",
    "attribute_coverage_by_popularity.csv",
    "attribute_coverage_by_year.csv",
    "documentation.csv",
    "documentation_top_models.csv",
    "data_quality.csv",
    "attribute_coverage_models.parquet",
    "analysis.json",
    *(f"{table}.csv" for table in LINEAGE.tables),
}


@pytest.fixture(scope="module")
def sample_models(sample_records: list[dict]) -> pd.DataFrame:
    return records_to_models(sample_records)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory, sample_table, sample_files) -> Path:
    folder = tmp_path_factory.mktemp("snapshots") / "2024-07-11T120000Z"
    return write_snapshot(
        folder,
        {"models": sample_table, "files": sample_files, "errors": pd.DataFrame()},
        endpoint="http://127.0.0.1:1",
        finished_at="2024-07-11T12:00:00Z",
        listing={"expand": ["cardData", "config", "siblings", "spaces", "tags"]},
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ptm")
    command.register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_run_analyze_tables(sample_models: pd.DataFrame) -> None:
    tables = command.run_analyze(sample_models)
    assert {"figure7", "figure7_diagnostics", "figure6_datasets", "table4"} <= set(tables)
    pd.testing.assert_frame_equal(tables["figure7"], figure7_table(sample_models))
    frame = tables["figure7_diagnostics"]
    diagnostics = dict(zip(frame["measure"], frame["count"], strict=True))
    assert diagnostics["models"] == 7868
    assert diagnostics["models_with_claims"] == 1060


def test_run_analyze_names_missing_columns() -> None:
    with pytest.raises(ValueError, match="pipeline_tag"):
        command.run_analyze(pd.DataFrame({"id": ["a"]}))


def test_snapshot_on_disk_end_to_end(snapshot: Path, tmp_path: Path, sample_table) -> None:
    results = tmp_path / "results"
    written = command.analyze_snapshot(snapshot, results)
    assert {p.name for p in written} == EXPECTED_FILES
    assert {p.name for p in results.iterdir()} == EXPECTED_FILES  # no temp files left
    context = json.loads((results / "analysis.json").read_text())
    assert context["population"] == "all" and context["models"] == len(sample_table)
    assert context["measured_tables"] == ["errors", "files", "models"]
    per_model = pd.read_parquet(results / "attribute_coverage_models.parquet")
    assert len(per_model) == 7868
    figure6 = pd.read_csv(results / "figure6_datasets.csv", keep_default_na=False)
    assert "None" in set(figure6["dataset"])


def test_paper_population(snapshot: Path, tmp_path: Path, sample_records) -> None:
    ids = paper_ids()
    assert len(ids) == 63367
    in_sample = {r["id"] for r in sample_records} & set(ids)
    results = tmp_path / "paper"
    command.analyze_snapshot(snapshot, results, population="paper")
    context = json.loads((results / "analysis.json").read_text())
    assert context["population"] == "paper"
    assert context["paper_ids"] == 63367
    assert context["paper_ids_found"] == context["models"] == len(in_sample)
    figure7 = pd.read_csv(results / "figure7.csv")
    assert figure7["models"].sum() == len(in_sample)
    with pytest.raises(PipelineError, match="population"):
        command.analyze_snapshot(snapshot, results, population="some")


def test_write_results_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    (tmp_path / "figure7.csv").write_text("old")
    command.write_results({"figure7": pd.DataFrame({"a": [1]})}, tmp_path)
    assert (tmp_path / "figure7.csv").read_text() == "a\n1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["figure7.csv"]


def test_parser(tmp_path: Path, snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["analyze"])
    args = _parser().parse_args(["analyze", "--snapshot", "snap"])
    assert args.results == Path("results") and args.population == "all"
    args = _parser().parse_args(
        [
            "analyze",
            "--snapshot",
            str(snapshot),
            "--results",
            str(tmp_path / "out"),
            "--population",
            "paper",
        ]
    )
    assert args.func(args) == 0
    assert str(tmp_path / "out" / "figure7.csv") in capsys.readouterr().out


def test_incomplete_snapshot_is_named(tmp_path: Path) -> None:
    (tmp_path / "snapX").mkdir()
    with pytest.raises(SnapshotError, match="snapX"):
        command.analyze_snapshot(tmp_path / "snapX", tmp_path / "out")
