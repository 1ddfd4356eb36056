"""`ptm diff A B` and `ptm evolution` through the CLI front door (exit codes, files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cli
from tests.evolution.conftest import TwoStates


def ptm(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    """Run `ptm ARGV` with this issue's commands registered (whether or not cli.py lists
    them yet)."""
    return cli.main(list(argv))


def test_diff_prints_a_summary_and_writes_the_tables(
    two_states: TwoStates, tmp_path: Path, monkeypatch, capsys
) -> None:
    results = tmp_path / "results"
    code = ptm(
        monkeypatch,
        "diff",
        str(two_states.first),
        str(two_states.second),
        "--results",
        str(results),
        "--top",
        "5",
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "added 8, deleted 10, renamed 6" in out
    counts = pd.read_csv(results / "diff_counts.csv").set_index("measure")["value"]
    assert counts["renamed"] == 6 and counts["sha_changed"] == len(two_states.evolution.changed)
    assert len(pd.read_csv(results / "diff_top_downloads.csv")) == 5
    renamed = pd.read_csv(results / "diff_renamed.csv")
    assert dict(zip(renamed["old_id"], renamed["new_id"], strict=True)) == dict(
        two_states.evolution.renamed
    )
    assert sorted(p.name for p in results.iterdir()) == sorted(
        f"diff_{n}.csv"
        for n in (
            "counts",
            "totals",
            "added",
            "deleted",
            "renamed",
            "sha_changed",
            "top_downloads",
            "top_likes",
            "coverage",
        )
    )


def test_diff_refuses_an_incomplete_or_identical_snapshot(
    two_states: TwoStates, tmp_path: Path, monkeypatch, capsys
) -> None:
    unfinished = tmp_path / "2099-01-01T000000Z"
    shutil.copytree(two_states.second, unfinished)
    (unfinished / "manifest.json").unlink()
    assert ptm(monkeypatch, "diff", str(two_states.first), str(unfinished)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ptm diff: error:") and "incomplete" in err and "\n" not in err
    assert ptm(monkeypatch, "diff", str(two_states.first), str(two_states.first)) == 2
    assert "same snapshot" in capsys.readouterr().err


def test_evolution_writes_table_and_figure(
    two_states: TwoStates, tmp_path: Path, monkeypatch, capsys
) -> None:
    results = tmp_path / "results"
    code = ptm(
        monkeypatch, "evolution", "--store", str(two_states.store), "--results", str(results)
    )
    assert code == 0
    table = pd.read_csv(results / "evolution.csv")
    assert table["snapshot_id"].tolist() == [two_states.first.name, two_states.second.name]
    assert (results / "evolution.png").stat().st_size > 10_000
    assert (results / "evolution.pdf").exists()
    assert ptm(monkeypatch, "evolution", "--store", str(tmp_path / "none")) == 2
    assert "no complete snapshot" in capsys.readouterr().err
