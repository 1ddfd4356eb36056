"""The store catalog, the incremental base, retention and `ptm snapshots`."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cli
from pipeline.errors import PipelineError
from pipeline.snapshot.catalog import (
    ABANDONED,
    COMPLETE,
    INCOMPLETE,
    apply_retention,
    incremental_base,
    snapshot_catalog,
)
from pipeline.snapshot.lock import LOCK_FILE
from tests.snapshot.test_loader import write_snapshot

IDS = [f"2024-07-0{d}T000000Z" for d in range(1, 8)]


@pytest.fixture
def store(tmp_path: Path, sample_records: list[dict]) -> Path:
    """1: full; 2: incomplete, abandoned; 3..5: incremental chain; 6: partial listing of
    another Hub; 7: incomplete incremental crawl based on 4 (resumable)."""
    records = sample_records
    write_snapshot(tmp_path, IDS[0], records[:50], errors=2)
    write_snapshot(tmp_path, IDS[1], records[:10], complete=False)
    write_snapshot(tmp_path, IDS[2], records[:60], since=str(tmp_path / IDS[0]), details=("cards",))
    write_snapshot(tmp_path, IDS[3], records[:70], since=f"snapshots/{IDS[2]}")
    write_snapshot(tmp_path, IDS[4], records[:80], since=str(tmp_path / IDS[3]))
    write_snapshot(
        tmp_path, IDS[5], records[:5], endpoint="http://127.0.0.1:1", listing_complete=False
    )
    write_snapshot(tmp_path, IDS[6], records[:20], complete=False, since=str(tmp_path / IDS[3]))
    return tmp_path


def test_the_catalog_lists_every_folder_with_its_status(store: Path) -> None:
    catalog = snapshot_catalog(store).set_index("snapshot_id")
    assert catalog.index.tolist() == IDS
    assert catalog["status"].tolist() == [
        COMPLETE,
        ABANDONED,
        COMPLETE,
        COMPLETE,
        COMPLETE,
        COMPLETE,
        INCOMPLETE,
    ]
    first = catalog.loc[IDS[0]]
    assert (first["models"], first["errors"]) == (50, 2)
    assert first["coverage"] == pytest.approx(50 / 52)
    assert first["tables"] == "errors,models" and first["requests"] == 3
    assert first["data_recorded_at"] == "2024-07-09..2024-07-11"
    assert first["started_at"] == pd.Timestamp("2024-07-01T00:00:00Z")
    assert first["size_mb"] > 0 and pd.isna(first["since"])
    # An unfinished snapshot: counts from the parts written so far, base from crawl.json.
    last = catalog.loc[IDS[6]]
    assert not last["complete"] and last["models"] == 20 and pd.isna(last["finished_at"])
    assert last["since"] == IDS[3] and last["data_recorded_at"] == "x"
    # `since` is recorded as a path (absolute or relative): the catalog keeps the id.
    assert catalog.loc[IDS[3], "since"] == IDS[2]


def test_incremental_base_is_the_newest_usable_complete_snapshot(store: Path) -> None:
    assert incremental_base(store) == store / IDS[4]  # 6 stopped its listing early
    assert incremental_base(store, endpoint="https://huggingface.co/") == store / IDS[4]
    assert incremental_base(store, endpoint="http://elsewhere") is None
    assert incremental_base(store, details=["cards"]) == store / IDS[2]
    assert incremental_base(store / "none") is None


def test_retention_keeps_the_newest_and_the_bases_they_need(store: Path) -> None:
    # Complete: 1, 3, 4, 5, 6. Keep 2 -> 5, 6 kept; 4 is the base of 5 and of the
    # unfinished 7; 3 is the base of 4 only (not transitive); 1 goes. 2 and 7 never go.
    planned = apply_retention(store, keep_last=2, dry_run=True)
    assert [p.name for p in planned] == [IDS[0], IDS[2]]
    assert all((store / i).exists() for i in IDS)  # a dry run removes nothing
    removed = apply_retention(store, keep_last=2)
    assert removed == planned
    assert sorted(p.name for p in store.iterdir()) == [IDS[1], IDS[3], IDS[4], IDS[5], IDS[6]]
    assert apply_retention(store, keep_last=2) == []
    with pytest.raises(PipelineError, match="keep_last must be a whole number >= 1"):
        apply_retention(store, keep_last=0)


def test_keep_last_larger_than_the_store_removes_nothing(store: Path) -> None:
    assert apply_retention(store, keep_last=10) == []


def ptm(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    return cli.main(list(argv))


def test_ptm_snapshots_prints_a_table_and_csv(store: Path, monkeypatch, capsys) -> None:
    assert ptm(monkeypatch, "snapshots", "--store", str(store)) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["snapshot", "status", "started"]
    assert len(lines) == 1 + len(IDS)
    assert "abandoned" in lines[2] and "96.15%" in lines[1] and IDS[3] in lines[5]
    assert ptm(monkeypatch, "snapshots", "--store", str(store), "--csv") == 0
    csv = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert csv["snapshot_id"].tolist() == IDS and csv["models"].tolist()[0] == 50


def test_ptm_snapshots_applies_retention_under_the_lock(store: Path, monkeypatch, capsys) -> None:
    assert (
        ptm(monkeypatch, "snapshots", "--store", str(store), "--keep-last", "2", "--dry-run") == 0
    )
    captured = capsys.readouterr()
    assert f"would remove {store / IDS[0]}" in captured.err and len(captured.out.splitlines()) == 8
    holder = {"pid": 1, "host": "crawler-2", "started_at": "t", "command": "ptm crawl"}
    (store / LOCK_FILE).write_text(json.dumps(holder), encoding="utf-8")
    assert ptm(monkeypatch, "snapshots", "--store", str(store), "--keep-last", "2") == 2
    assert "is locked by pid 1 on crawler-2" in capsys.readouterr().err
    assert (store / IDS[0]).exists()
    assert ptm(monkeypatch, "snapshots", "--store", str(store)) == 0
    assert "locked by pid 1 on crawler-2" in capsys.readouterr().out
    (store / LOCK_FILE).unlink()
    assert ptm(monkeypatch, "snapshots", "--store", str(store), "--keep-last", "2") == 0
    assert f"removed {store / IDS[0]}" in capsys.readouterr().err
    assert not (store / IDS[0]).exists() and not (store / LOCK_FILE).exists()
    assert socket.gethostname()  # the lock names hosts; this one has a name


def test_ptm_snapshots_errors_are_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    assert ptm(monkeypatch, "snapshots", "--store", str(tmp_path / "none")) == 2
    assert capsys.readouterr().err.strip() == (
        f"ptm snapshots: error: snapshot store {tmp_path / 'none'} does not exist"
    )
    assert ptm(monkeypatch, "snapshots", "--store", str(tmp_path), "--dry-run") == 2
    assert "--dry-run needs --keep-last" in capsys.readouterr().err
    assert ptm(monkeypatch, "snapshots", "--store", str(tmp_path)) == 0
    assert capsys.readouterr().out.strip() == "no snapshots"
