"""`load_snapshot`: pandas and Dask engines over snapshot folders of real records."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.crawl.pages import envelope, error_row
from pipeline.crawl.records import parse_model_record
from pipeline.errors import SnapshotError
from pipeline.snapshot.loader import Snapshot, load_snapshot
from pipeline.snapshot.schema import ERRORS, MODELS
from pipeline.snapshot.writer import CRAWL_START, SnapshotWriter

ENDPOINT = "https://huggingface.co"


def write_snapshot(
    store: Path,
    snapshot_id: str,
    records: list[dict],
    *,
    complete: bool = True,
    since: str | None = None,
    errors: int = 0,
    parts: int = 2,
    endpoint: str = ENDPOINT,
    details: tuple[str, ...] = (),
    listing_complete: bool = True,
) -> Path:
    """A snapshot folder as the crawler writes it: crawl.json, models/errors parts, and (if
    `complete`) a manifest; the models are `records` parsed by the crawler's own parser."""
    writer = SnapshotWriter(store / snapshot_id)
    started = datetime.strptime(snapshot_id, "%Y-%m-%dT%H%M%SZ").replace(tzinfo=UTC)
    start = {"endpoint": endpoint, "started_at": started.isoformat(), "since": since}
    writer.folder.mkdir(parents=True)
    (writer.folder / CRAWL_START).write_text(pd.Series(start).to_json(), encoding="utf-8")
    provenance = envelope(snapshot_id, started, "test", endpoint)
    rows = [{**provenance, **parse_model_record(r)} for r in records]
    size = max(1, -(-len(rows) // parts))
    for number, first in enumerate(range(0, len(rows), size), start=1):
        chunk = pa.Table.from_pylist(rows[first : first + size], schema=MODELS)
        writer.write_part("models", f"part-{number:05d}", chunk)
    failures = [
        error_row(provenance, "listing", "HTTP 500", model_id=f"gone/m{i}", http_status=500)
        for i in range(errors)
    ]
    writer.write_part("errors", "part-00001", pa.Table.from_pylist(failures, schema=ERRORS))
    writer.append_progress({"phase": "listing", "unit": "listing-00001", "data_recorded_at": "x"})
    if complete:
        writer.write_manifest(
            {
                "snapshot_id": snapshot_id,
                "endpoint": endpoint,
                "started_at": started.isoformat(),
                "finished_at": started.isoformat(),
                "since": since,
                "data_recorded_at": "2024-07-09..2024-07-11",
                "details": list(details),
                "listing": {"complete": listing_complete},
                "tables": {
                    "models": {"rows": len(rows), "parts": parts},
                    "errors": {"rows": errors, "parts": 1},
                },
                "requests": {"models_list": 3},
            }
        )
    return writer.folder


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, sample_records: list[dict]) -> Path:
    root = tmp_path_factory.mktemp("store")
    write_snapshot(root, "2024-07-01T000000Z", sample_records[:100])
    write_snapshot(root, "2024-07-02T000000Z", sample_records[:120], errors=3, parts=3)
    write_snapshot(root, "2024-07-03T000000Z", sample_records[:130], complete=False)
    return root


def test_a_store_loads_its_newest_complete_snapshot(store: Path) -> None:
    snap = load_snapshot(store)
    assert isinstance(snap, Snapshot)
    assert snap.id == "2024-07-02T000000Z"  # the newer one has no manifest
    assert set(snap.tables) == {"models", "errors"} == set(snap.available_tables)
    assert len(snap.models) == 120 == snap.rows("models")
    assert snap["errors"]["http_status"].tolist() == [500, 500, 500]
    assert snap.models is snap.tables["models"] is snap["models"]
    assert snap.started_at == pd.Timestamp("2024-07-02T00:00:00Z")
    assert "models=120 rows" in repr(snap) and "models" in dir(snap)


def test_an_incomplete_snapshot_is_refused(store: Path) -> None:
    with pytest.raises(SnapshotError, match=r"incomplete: it has no manifest\.json"):
        load_snapshot(store / "2024-07-03T000000Z")
    with pytest.raises(SnapshotError, match="does not exist"):
        load_snapshot(store / "2024-07-04T000000Z")


def test_tables_and_columns_are_checked(store: Path) -> None:
    folder = store / "2024-07-01T000000Z"
    with pytest.raises(SnapshotError, match=r"no table\(s\) cards \(not crawled; it holds"):
        load_snapshot(folder, ["cards"])
    with pytest.raises(SnapshotError, match="unknown table 'nope'"):
        load_snapshot(folder, ["nope"])
    with pytest.raises(SnapshotError, match="no column"):
        load_snapshot(folder, ["models"], columns={"models": ["id", "nope"]})
    with pytest.raises(SnapshotError, match="is a store, and latest=False"):
        load_snapshot(store, latest=False)
    with pytest.raises(ValueError, match="engine"):
        load_snapshot(folder, engine="polars")
    snap = load_snapshot(folder, ["models"], columns={"models": ["id", "downloads"]})
    assert list(snap.models.columns) == ["id", "downloads"]
    with pytest.raises(AttributeError, match="'errors' was not loaded"):
        _ = snap.errors
    with pytest.raises(AttributeError, match="has no table 'cards'"):
        _ = snap.cards


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside dask's Parquet reader
def test_dask_engine_gives_the_same_rows(store: Path, sample_records: list[dict]) -> None:
    folder = store / "2024-07-02T000000Z"
    eager = load_snapshot(folder, ["models"], columns={"models": ["id", "downloads", "tags"]})
    lazy = load_snapshot(
        folder, ["models", "errors"], engine="dask", columns={"models": ["id", "downloads", "tags"]}
    )
    assert lazy.engine == "dask" and lazy.models.npartitions == 3
    computed = lazy.models.compute().reset_index(drop=True)
    assert computed["id"].tolist() == [r["id"] for r in sample_records[:120]]
    assert int(lazy.models["downloads"].sum().compute()) == int(eager.models["downloads"].sum())
    assert computed["tags"].map(list).tolist() == eager.models["tags"].map(list).tolist()
    assert len(lazy.errors.compute()) == 3


def test_a_folder_without_snapshots_is_named(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    with pytest.raises(SnapshotError, match="neither a snapshot folder nor a store"):
        load_snapshot(tmp_path / "x")
