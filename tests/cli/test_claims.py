"""`ptm claims` / `ptm discrepancy`: a real snapshot written from the sample records,
files written, errors that name the bad input, and the report section."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.claims.errors import ClaimsError, MeasurementsError
from pipeline.claims.extract import claims_table
from pipeline.claims.report import render_discrepancy_section
from pipeline.cli import claims as command
from pipeline.errors import PipelineError, SnapshotError
from tests.claims.conftest import READMES

DISCREPANCY_FILES = [
    "discrepancy.csv",
    "discrepancy_pairs.csv",
    "discrepancy_unmatched.csv",
    "discrepancy_summary.csv",
    "discrepancy.png",
    "discrepancy.pdf",
]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ptm")
    command.register(parser.add_subparsers(dest="command", required=True))
    return parser


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory, sample_records: list[dict]) -> Path:
    """A complete snapshot of the sample's models, written with the crawler's own parser."""
    from pipeline.crawl.records import parse_model_record
    from pipeline.snapshot.schema import MODELS
    from pipeline.snapshot.writer import SnapshotWriter

    folder = tmp_path_factory.mktemp("snapshots") / "2024-07-11T000000Z"
    envelope = {
        "snapshot_id": folder.name,
        "fetched_at": datetime(2024, 7, 11, tzinfo=UTC),
        "crawler_version": "test",
        "origin": "data/hub-2024-07",
    }
    rows = [envelope | parse_model_record(record) for record in sample_records]
    writer = SnapshotWriter(folder)
    writer.write_part("models", "part-00001", pa.Table.from_pylist(rows, schema=MODELS))
    writer.write_manifest({"snapshot_id": folder.name})
    return folder


@pytest.fixture(scope="module")
def claims_results(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = tmp_path_factory.mktemp("results")
    command.claims_for_snapshot(snapshot, results, readmes=READMES)
    return results


def test_claims_files_and_counts(claims_results: Path, sample_models: pd.DataFrame) -> None:
    names = sorted(p.name for p in claims_results.iterdir())
    assert names == ["claims.csv", "claims.parquet", "claims_counts.csv", "claims_diagnostics.csv"]
    claims = command.read_claims(claims_results / "claims.csv")
    from_parquet = command.read_claims(claims_results / "claims.parquet")
    assert len(claims) == len(from_parquet)
    # the snapshot path gives the same model-index claims as the records path
    model_index = claims[claims["source"] == "model-index"].reset_index(drop=True)
    direct = claims_table(sample_models)
    pd.testing.assert_frame_equal(
        model_index[["model_id", "location", "metric", "value", "parse_status"]],
        direct[["model_id", "location", "metric", "value", "parse_status"]],
    )
    counts = pd.read_csv(claims_results / "claims_counts.csv")
    by = counts.set_index(["source", "parse_status"])["claims"].to_dict()
    # the 15 README bodies bundled with the sample give card-table claims
    assert by == {
        ("model-index", "ok"): 1681,
        ("model-index", "unparsed"): 1,
        ("card-table", "ok"): by[("card-table", "ok")],
        ("card-table", "unparsed"): 1,
    }
    assert by[("card-table", "ok")] > 0
    diagnostics = pd.read_csv(claims_results / "claims_diagnostics.csv")
    assert dict(zip(diagnostics["measure"], diagnostics["count"], strict=True))["card_bodies"] == 15


def test_discrepancy_writes_everything(claims_results: Path) -> None:
    written = command.discrepancy_for_results(
        claims_results, ["icwsm", "leaderboard", "hub-verified"], 0.5
    )
    assert [p.name for p in written] == DISCREPANCY_FILES
    summary = pd.read_csv(claims_results / "discrepancy_summary.csv")
    overall = summary[summary["grouping"] == "all"].iloc[0]
    assert (overall["n_pairs"], overall["n_overstated"]) == (87, 67)
    unmatched = pd.read_csv(claims_results / "discrepancy_unmatched.csv")
    claims = command.read_claims(claims_results / "claims.csv")
    assert (unmatched["side"] == "claim").sum() + overall["n_pairs"] == len(claims) + 96


def test_cli_round_trip(claims_results: Path, tmp_path: Path, capsys) -> None:
    args = _parser().parse_args(
        [
            "discrepancy",
            "--results",
            str(tmp_path),
            "--claims",
            str(claims_results / "claims.csv"),
            "--measurements",
            "icwsm",
            "--tolerance",
            "5",
        ]
    )
    assert args.func(args) == 0
    printed = capsys.readouterr().out.split()
    assert [Path(p).name for p in printed] == DISCREPANCY_FILES
    summary = pd.read_csv(tmp_path / "discrepancy_summary.csv")
    assert summary["tolerance_pp"].eq(5.0).all()
    assert _parser().parse_args(["discrepancy"]).measurements == [
        "icwsm",
        "leaderboard",
        "hub-verified",
    ]


def test_errors_name_the_input(tmp_path: Path, snapshot: Path) -> None:
    with pytest.raises(ClaimsError, match=r"claims.csv does not exist"):
        command.discrepancy_for_results(tmp_path, ["leaderboard"], 0.5)
    with pytest.raises(ClaimsError, match=r"absent.csv: claims table not found"):
        command.discrepancy_for_results(tmp_path, ["icwsm"], 0.5, claims=tmp_path / "absent.csv")
    with pytest.raises(ClaimsError, match=r"tolerance -1"):
        command.discrepancy_for_results(tmp_path, ["icwsm"], -1)
    with pytest.raises(MeasurementsError, match=r"unknown measurements source 'papers'"):
        command.discrepancy_for_results(tmp_path, ["icwsm", "papers"], 0.5)
    bad = tmp_path / "bad.csv"
    bad.write_text("model_id,source\na/b,x\n")
    with pytest.raises(ClaimsError, match=r"bad.csv: not a claims table"):
        command.read_claims(bad)
    with pytest.raises(SnapshotError):
        command.claims_for_snapshot(tmp_path / "no-snapshot", tmp_path)
    with pytest.raises(ClaimsError, match="README folder"):
        command.claims_for_snapshot(snapshot, tmp_path, readmes=tmp_path / "none")
    assert issubclass(ClaimsError, PipelineError)


def test_parsers_have_help() -> None:
    parser = _parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["claims"])  # --snapshot is required
    actions = {a.dest: a for a in parser._subparsers._group_actions}
    choices = actions["command"].choices
    assert set(choices) == {"claims", "discrepancy"}
    for sub in choices.values():
        assert sub.description and all(a.help for a in sub._actions)


def test_report_section(claims_results: Path) -> None:
    summary = pd.read_csv(claims_results / "discrepancy_summary.csv")
    pairs = pd.read_csv(claims_results / "discrepancy_pairs.csv")
    unmatched = pd.read_csv(claims_results / "discrepancy_unmatched.csv")
    text = render_discrepancy_section(summary, pairs, unmatched=unmatched)
    assert text.startswith("## Claimed vs measured performance")
    assert "tolerance of 0.5 pp" in text
    assert "67 of 87 models, 77.0% (95% CI 67.1%–84.6%, Wilson)" in text
    assert "Median discrepancy: +12.9 pp" in text and "p < 0.001" in text
    assert "![Claimed minus measured performance](discrepancy.png)" in text
    assert "| measurement source | icwsm | 87 | 87 |" in text
    assert "Reading: 77.0% of models claim more than was measured" in text
    assert "domain shift" in text  # the ICWSM caveat


def test_report_section_without_pairs() -> None:
    from pipeline.claims.join import PAIR_COLUMNS
    from pipeline.claims.stats import discrepancy_summary

    pairs = pd.DataFrame(columns=PAIR_COLUMNS)
    text = render_discrepancy_section(discrepancy_summary(pairs, 0.5, n_resamples=10), pairs)
    assert "no discrepancy is reported" in text


def test_import_csv_as_a_source(tmp_path: Path) -> None:
    # synthetic own re-run in the import format, for a real ICWSM model (ProsusAI/finbert,
    # claimed macro-F1 0.84 on unnamed data): dated, so it is preferred to the audit's runs
    own = tmp_path / "own.csv"
    own.write_text(
        "model_id,dataset,dataset_config,split,metric,value,scale,source,source_detail,measured_at\n"
        "ProsusAI/finbert,financial_phrasebank,sentences_allagree,test,macro-F1,81.0,percent,"
        "own-run,synthetic,2025-01-01\n",
        encoding="utf-8",
    )
    command.discrepancy_for_results(tmp_path, ["icwsm", str(own)], 0.5)
    pairs = pd.read_csv(tmp_path / "discrepancy_pairs.csv")
    finbert = pairs[pairs["model_id"] == "ProsusAI/finbert"].iloc[0]
    assert (finbert["measurement_source"], finbert["measured_pp"]) == ("own-run", 81.0)
    assert finbert["discrepancy_pp"] == pytest.approx(3.0)
    assert set(pairs["measurement_source"]) == {"icwsm", "own-run"}
