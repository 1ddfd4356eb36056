"""Snapshot folders: atomic writes, torn progress lines, and the manifest gate."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.errors import SnapshotError
from pipeline.snapshot.reader import latest_complete_snapshot, read_models, read_table
from pipeline.snapshot.schema import MODELS
from pipeline.snapshot.writer import SnapshotWriter, new_snapshot_id


def _models(ids: list[str]) -> pa.Table:
    rows = [
        {
            "snapshot_id": "s",
            "fetched_at": datetime(2024, 7, 11, tzinfo=UTC),
            "crawler_version": "t",
            "origin": "o",
            "id": i,
            "uuid": i,
        }
        for i in ids
    ]
    return pa.Table.from_pylist(rows, schema=MODELS)


def test_snapshot_id_is_utc_and_path_safe() -> None:
    assert new_snapshot_id(datetime(2024, 7, 11, 9, 30, 5, tzinfo=UTC)) == "2024-07-11T093005Z"


def test_a_snapshot_without_manifest_is_refused(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path / "2024-07-11T093005Z")
    writer.write_part("models", "part-00001", _models(["a/b"]))
    with pytest.raises(SnapshotError, match=r"incomplete: it has no manifest\.json"):
        read_models(writer.folder)
    with pytest.raises(SnapshotError, match="no complete snapshot"):
        latest_complete_snapshot(tmp_path)
    writer.write_manifest({"snapshot_id": writer.snapshot_id})
    assert read_models(writer.folder)["id"].tolist() == ["a/b"]
    assert latest_complete_snapshot(tmp_path) == writer.folder


def test_parts_are_read_in_order_and_empty_tables_have_the_schema(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path / "2024-07-11T093005Z")
    writer.write_part("models", "part-00002", _models(["c/d"]))
    writer.write_part("models", "part-00001", _models(["a/b"]))
    writer.write_manifest({})
    assert read_models(writer.folder, ["id"])["id"].tolist() == ["a/b", "c/d"]
    errors = read_table(writer.folder, "errors")
    assert errors.empty and "message" in errors.columns
    with pytest.raises(SnapshotError, match="no column"):
        read_models(writer.folder, ["nope"])


def test_no_temporary_files_remain_and_a_torn_progress_line_is_ignored(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path / "2024-07-11T093005Z")
    writer.write_part("models", "part-00001", _models(["a/b"]))
    writer.append_progress({"page": 1, "next_url": "http://x/api/models?cursor=1"})
    with open(writer.folder / "progress.jsonl", "a") as log:
        log.write('{"page": 2, "next_u')  # what a kill in the middle of an append leaves
    assert [p["page"] for p in writer.read_progress()] == [1]
    writer.append_progress({"page": 2, "next_url": None})
    assert [p["page"] for p in writer.read_progress()] == [1, 2]
    assert not [p for p in writer.folder.rglob("*") if ".tmp-" in p.name]


def test_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="does not exist"):
        read_models(tmp_path / "nowhere")
