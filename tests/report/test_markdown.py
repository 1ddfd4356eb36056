"""report.md: paper and measured numbers for every task, provenance and coverage."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.cli import report as command
from pipeline.cli.analyze import run_analyze
from pipeline.errors import PipelineError, SnapshotError
from pipeline.paper import load_paper_numbers
from pipeline.report.markdown import render_report
from pipeline.results import write_results
from tests.analyze.sample_models import records_to_models

REFERENCE = Path(__file__).resolve().parents[2] / "pipeline" / "reference" / "icse23.yaml"

CONTEXT = {
    "snapshot_id": "2024-07-11T120000Z",
    "snapshot_date": "2024-07-11",
    "endpoint": "http://127.0.0.1:8000 (replay of hub-2024-07)",
    "population": 7868,
    "errors": 132,
    "diagnostics": {
        "decided_by_model_index": 5320,
        "decided_by_tag": 2548,
        "claims_by_tag": 1,
        "unparseable_json": 0,
        "no_metadata": 0,
    },
}


@pytest.fixture(scope="module")
def tables(sample_records: list[dict]) -> dict[str, pd.DataFrame]:
    return run_analyze(records_to_models(sample_records))


@pytest.fixture(scope="module")
def report(tables: dict[str, pd.DataFrame]) -> str:
    return render_report(tables["figure7"], CONTEXT)


def _row(report: str, task: str) -> list[str]:
    (line,) = [line for line in report.splitlines() if line.startswith(f"| {task} |")]
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_paper_numbers_loaded_from_package() -> None:
    assert load_paper_numbers() == yaml.safe_load(REFERENCE.read_text())


def test_every_task_has_paper_and_measured_numbers(
    report: str, tables: dict[str, pd.DataFrame]
) -> None:
    paper = yaml.safe_load(REFERENCE.read_text())["figure_7"]
    measured = tables["figure7"].set_index("task")
    assert len(paper) == 15
    for task, (pk, pn) in paper.items():
        k, n = measured.loc[task, ["models_with_claims", "models"]]
        cells = _row(report, task)
        assert cells[1].startswith(f"{pk:,}/{pn:,} ("), task
        assert cells[2].startswith(f"{k:,}/{n:,} ("), task
        difference = 100 * (k / n if n else 0) - 100 * pk / pn
        assert float(cells[3]) == pytest.approx(difference, abs=0.051), task


def test_known_rows(report: str) -> None:
    assert _row(report, "text-classification") == [
        "text-classification",
        "872/8,764 (9.9%)",
        "44/330 (13.3%)",
        "+3.4",
        "higher than the paper (+3.4 pp, 1.3x the paper's)",
    ]
    assert _row(report, "question-answering")[1:] == [
        "22/2,102 (1.0%)",
        "1/64 (1.6%)",
        "+0.5",
        "about the same (±1 pp)",
    ]
    assert _row(report, "summarization")[3][:5] == "-11.2"
    assert _row(report, "summarization")[4].startswith("lower than the paper (-11.2 pp")
    assert _row(report, "other")[1] == "12/26,192 (0.05%)"
    assert _row(report, "**total**")[1:3] == ["2,594/62,467 (4.2%)", "1,060/7,868 (13.5%)"]


def test_provenance_and_coverage(report: str) -> None:
    assert report.startswith("# ")
    assert "Snapshot: `2024-07-11T120000Z`" in report
    assert "Endpoint: http://127.0.0.1:8000 (replay of hub-2024-07)" in report
    assert "Snapshot date (crawl finished): 2024-07-11" in report
    assert "Population: 7,868 models" in report
    assert "Failed models (errors table): 132" in report
    assert "Coverage: 98.35% (7,868 of 8,000 models read)" in report
    assert "2022-08-15" in report and "differences" in report
    assert "63,182 model repos" in report
    assert "![Figure 7](figure7.png)" in report
    assert "2,548 models, 1 of them with claims" in report


def test_unknown_context_is_stated(tables: dict[str, pd.DataFrame]) -> None:
    text = render_report(tables["figure7"], {})
    assert "Coverage: unknown" in text
    assert "Snapshot: `unknown`" in text
    assert "Diagnostics: none recorded" in text


def test_task_without_models_and_missing_rows(tables: dict[str, pd.DataFrame]) -> None:
    table = tables["figure7"].copy()
    table.loc[table["task"] == "translation", ["models_with_claims", "models"]] = 0
    table = table[table["task"] != "fill-mask"]
    text = render_report(table, CONTEXT)
    assert _row(text, "translation")[2:] == ["0/0", "-", "no models in this snapshot"]
    assert _row(text, "fill-mask")[2] == "not measured"


def _manifest(snapshot: Path, **extra: object) -> None:
    snapshot.mkdir(parents=True, exist_ok=True)
    manifest = {
        "snapshot_id": "2024-07-11T120000Z",
        "endpoint": "http://127.0.0.1:8000",
        "finished_at": "2024-07-11T12:34:56Z",
        "tables": {"models": {"rows": 7868}, "errors": {"rows": 0}},
        **extra,
    }
    (snapshot / "manifest.json").write_text(json.dumps(manifest))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ptm")
    command.register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_report_command_end_to_end(tables: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    results, snapshot = tmp_path / "results", tmp_path / "snap"
    write_results(tables, results)
    _manifest(snapshot)
    args = _parser().parse_args(["report", "--results", str(results), "--snapshot", str(snapshot)])
    assert args.func(args) == 0
    text = (results / "report.md").read_text()
    assert "Snapshot date (crawl finished): 2024-07-11" in text
    assert "Coverage: 100.00% (7,868 of 7,868 models read)" in text
    assert "from the card's model-index JSON: 5,320 models" in text
    assert not [p for p in results.iterdir() if p.name.endswith(".tmp")]


def test_report_command_lenient_manifest(tables: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    results, snapshot = tmp_path / "results", tmp_path / "snap"
    write_results({"figure7": tables["figure7"]}, results)
    snapshot.mkdir()
    (snapshot / "manifest.json").write_text(json.dumps({"tables": "junk"}))
    args = _parser().parse_args(["report", "--results", str(results), "--snapshot", str(snapshot)])
    assert args.func(args) == 0
    text = (results / "report.md").read_text()
    assert "Coverage: unknown" in text and "Diagnostics: none recorded" in text


def test_report_command_errors_name_paths(tmp_path: Path) -> None:
    results, snapshot = tmp_path / "results", tmp_path / "snap"
    results.mkdir()
    args = _parser().parse_args(["report", "--results", str(results), "--snapshot", str(snapshot)])
    with pytest.raises(PipelineError, match=r"figure7\.csv"):
        args.func(args)
    pd.DataFrame({"task": ["other"], "models_with_claims": [0], "models": [1]}).to_csv(
        results / "figure7.csv", index=False
    )
    with pytest.raises(SnapshotError, match=r"snap does not exist"):
        args.func(args)
    snapshot.mkdir()
    with pytest.raises(SnapshotError, match=r"no manifest\.json"):
        args.func(args)


def test_a_recording_period_is_kept_whole() -> None:
    manifest = {"data_recorded_at": "2024-07-09..2024-07-11"}
    assert command.context_from_manifest(manifest, {})["data_date"] == "2024-07-09..2024-07-11"


def test_context_from_manifest_dates() -> None:
    context = command.context_from_manifest({"snapshot_id": "2024-07-11T120000Z"}, {})
    assert context["snapshot_date"] == "2024-07-11"
    assert context["population"] is None and context["errors"] is None


def test_replay_data_date_is_used(tables: dict[str, pd.DataFrame]) -> None:
    manifest = {"finished_at": "2026-11-26T15:47:17+00:00", "data_recorded_at": "2024-07-11"}
    context = command.context_from_manifest(manifest, {})
    text = render_report(tables["figure7"], context)
    assert "Snapshot date (crawl finished): 2026-11-26" in text
    assert "Hub data recorded: 2024-07-11" in text
    assert "the measured data is from 2024-07-11" in text
