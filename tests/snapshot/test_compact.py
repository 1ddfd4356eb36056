"""Compaction of snapshot tables (`pipeline/snapshot/compact.py`): the same rows, sorted by the
table's key, in a few zstd files with large row groups; idempotent; a crash or a kill -9 at
any moment leaves readable tables that a rerun of the crawl completes.

The tables are real: the bundled sample's records parsed by the crawler's parser, written as
many small parts the way a crawl writes them, and real crawls of the replay Hub."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.crawl.pages import envelope, error_row
from pipeline.snapshot import compact
from pipeline.snapshot.compact import (
    MARKER,
    ROW_GROUP_ROWS,
    compact_snapshot,
    compact_table,
    main,
)
from pipeline.snapshot.reader import read_parts, table_parts
from pipeline.snapshot.schema import SORT_KEYS, TABLES
from pipeline.snapshot.writer import PROGRESS, SnapshotWriter
from tests.analyze.sample_models import records_to_files, records_to_full_models

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = "2024-07-11T000000Z"
ENVELOPE = ["snapshot_id", "fetched_at", "crawler_version", "origin"]
# Small thresholds, so that 7,868 real models make several files and row groups.
SMALL = {"rows_per_file": 3000, "row_group_rows": 1000}


def _with_envelope(table: pa.Table, name: str) -> pa.Table:
    provenance = envelope(SNAPSHOT, datetime(2024, 7, 11, tzinfo=UTC), "test", "replay")
    columns = {
        f.name: table[f.name]
        if f.name in table.column_names
        else pa.array([provenance.get(f.name)] * table.num_rows, f.type)
        for f in TABLES[name]
    }
    return pa.table(columns).cast(TABLES[name])


@pytest.fixture(scope="module")
def real_tables(sample_records: list[dict]) -> dict[str, pa.Table]:
    """`models`, `files` and `errors` of the sample, in listing order (not sorted)."""
    models = _with_envelope(records_to_full_models(sample_records), "models")
    files = pa.Table.from_pandas(records_to_files(sample_records, with_format=True))
    provenance = envelope(SNAPSHOT, datetime(2024, 7, 11, tzinfo=UTC), "test", "replay")
    ids = models["id"].to_pylist()
    # Errors as a crawl records them: several per model, and some without a model.
    rows = [error_row(provenance, "cards", "README timed out", model_id=i) for i in ids[::40]]
    rows += [error_row(provenance, "listing", "page did not parse") for _ in range(5)]
    rows += [error_row(provenance, "orgs", "org overview failed", model_id=i) for i in ids[::80]]
    return {
        "models": models,
        "files": _with_envelope(files, "files"),
        "errors": pa.Table.from_pylist(rows, schema=TABLES["errors"]),
    }


def write_parts(folder: Path, tables: dict[str, pa.Table]) -> Path:
    """The tables as a crawl writes them: many parts (`files`: one per listing page of 100
    models), and an empty part."""
    writer = SnapshotWriter(folder)
    for name, table in tables.items():
        rows = 6000 if name == "files" else 100
        for number, start in enumerate(range(0, table.num_rows, rows), start=1):
            writer.write_part(name, f"part-{number:05d}", table.slice(start, rows))
        writer.write_part(name, "part-empty", table.schema.empty_table())
    return folder


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, real_tables: dict[str, pa.Table]) -> Path:
    return write_parts(tmp_path_factory.mktemp("pristine") / SNAPSHOT, real_tables)


@pytest.fixture
def snapshot(tmp_path: Path, pristine: Path) -> Path:
    """A fresh copy of the uncompacted snapshot."""
    return Path(shutil.copytree(pristine, tmp_path / SNAPSHOT))


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Order-insensitive form of a table: every column as text, rows sorted by all of them."""
    text = frame.astype(str)
    return text.sort_values(list(text.columns)).reset_index(drop=True)


def key_order(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """`frame` in compaction order: by the sort key, nulls last, ties in crawl order."""
    keys = list(SORT_KEYS[name])
    return frame.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)


@pytest.mark.parametrize("name", ["models", "files", "errors"])
def test_compaction_keeps_every_row_and_sorts_by_the_key(snapshot: Path, name: str) -> None:
    before = read_parts(snapshot, name)
    compact_snapshot(snapshot, **SMALL)
    after = read_parts(snapshot, name)
    pd.testing.assert_frame_equal(sorted_rows(after), sorted_rows(before))
    pd.testing.assert_frame_equal(after.astype(str), key_order(before, name).astype(str))


def test_files_row_groups_codec_and_layout(snapshot: Path) -> None:
    # Temporary files that kills left behind (of a part, of the marker) go too.
    for name in (".part-00003.parquet.x1.tmp", f".{MARKER}.x2.tmp"):
        (snapshot / "models" / name).write_bytes(b"torn")
    results = {r.table: r for r in compact_snapshot(snapshot, **SMALL)}
    assert results["models"].rows == 7868 and results["models"].sources == 80  # with the empty
    files = table_parts(snapshot, "models")
    assert [f.name for f in files] == [f"compact-{n:05d}.parquet" for n in (1, 2, 3)]
    assert sorted(p.name for p in (snapshot / "models").iterdir()) == [
        MARKER,
        *[f.name for f in files],
    ]
    previous_max = None
    for path in files:
        metadata = pq.ParquetFile(path).metadata
        sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
        assert all(size == 1000 for size in sizes[:-1]) and 0 < sizes[-1] <= 1000
        codecs = {
            metadata.row_group(i).column(j).compression
            for i in range(metadata.num_row_groups)
            for j in range(metadata.num_columns)
        }
        assert codecs == {"ZSTD"}
        sorting = metadata.row_group(0).sorting_columns
        assert [metadata.schema.column(c.column_index).name for c in sorting] == ["id"]
        ids = pq.read_table(path, columns=["id"])["id"].to_pylist()
        assert ids == sorted(ids) and (previous_max is None or previous_max < ids[0])
        previous_max = ids[-1]
    # The empty errors parts still make a table: one compacted file, with its rows.
    assert len(table_parts(snapshot, "errors")) >= 1


def test_the_defaults_make_row_groups_of_at_least_100k_rows(snapshot: Path) -> None:
    assert ROW_GROUP_ROWS >= 100_000
    results = {r.table: r for r in compact_snapshot(snapshot)}
    assert {name: len(r.files) for name, r in results.items()} == {
        "models": 1,
        "errors": 1,
        "files": 1,
    }
    metadata = pq.ParquetFile(table_parts(snapshot, "files")[0]).metadata
    assert metadata.num_rows == results["files"].rows > 100_000  # in one row group
    assert metadata.num_row_groups == 1


def test_a_small_memory_budget_gives_the_same_table_in_key_ranges(
    tmp_path: Path, pristine: Path, real_tables: dict[str, pa.Table]
) -> None:
    """Above the memory budget a table is range-partitioned; the result (rows and their
    order, null keys last, ties in crawl order) is the same as sorting it in one piece."""
    whole = Path(shutil.copytree(pristine, tmp_path / "whole" / SNAPSHOT))
    ranged = Path(shutil.copytree(pristine, tmp_path / "ranged" / SNAPSHOT))
    compact_snapshot(whole)
    results = {r.table: r for r in compact_snapshot(ranged, sort_bytes=256 * 1024)}
    assert results["models"].ranges > 4 and results["files"].ranges > 4
    assert len(table_parts(ranged, "files")) > 4
    for name in real_tables:
        pd.testing.assert_frame_equal(
            read_parts(ranged, name).astype(str), read_parts(whole, name).astype(str)
        )


def test_compacting_twice_is_a_no_op(snapshot: Path) -> None:
    compact_snapshot(snapshot, **SMALL)
    stats = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in snapshot.rglob("*.parquet")}
    again = compact_snapshot(snapshot, **SMALL)
    assert [r.changed for r in again] == [False] * 3
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in snapshot.rglob("*.parquet")} == (
        stats
    )
    lines = [json.loads(line) for line in (snapshot / PROGRESS).read_text().splitlines()]
    assert sorted(line["unit"] for line in lines) == [
        "compact-errors",
        "compact-files",
        "compact-models",
    ]


def test_parts_written_after_a_compaction_are_read_and_folded_into_the_next(
    snapshot: Path, real_tables: dict[str, pa.Table]
) -> None:
    compact_snapshot(snapshot)
    late = real_tables["models"].slice(0, 3)
    late = late.set_column(
        late.schema.get_field_index("id"),
        late.schema.field("id"),
        pa.array([f"{i}-late" for i in late["id"].to_pylist()]),
    )
    SnapshotWriter(snapshot).write_part("models", "part-late", late)
    assert [p.name for p in table_parts(snapshot, "models")] == [
        "compact-00001.parquet",
        "part-late.parquet",
    ]
    assert len(read_parts(snapshot, "models")) == 7871
    result = compact_table(snapshot, "models")
    assert result is not None and result.changed and result.files == ["compact-00002.parquet"]
    assert sorted(p.name for p in (snapshot / "models").iterdir()) == [
        MARKER,
        "compact-00002.parquet",
    ]
    ids = read_parts(snapshot, "models", ["id"])["id"].tolist()
    assert len(ids) == 7871 and ids == sorted(ids)


def test_parts_of_an_older_schema_keep_every_column(
    tmp_path: Path, real_tables: dict[str, pa.Table]
) -> None:
    """A part without a newer column reads it as null; a column the schema no longer has
    is kept (compaction never drops data)."""
    folder = tmp_path / SNAPSHOT
    models = real_tables["models"]
    old = models.slice(0, 50).drop_columns(["invalid_fields"])
    old = old.append_column("retired", pa.array(["x"] * 50))
    (folder / "models").mkdir(parents=True)
    pq.write_table(old, folder / "models" / "part-00001.parquet")
    pq.write_table(models.slice(50, 50), folder / "models" / "part-00002.parquet")
    compact_snapshot(folder)
    table = pq.read_table(table_parts(folder, "models")[0])
    assert table.num_rows == 100 and "retired" in table.column_names
    assert table["invalid_fields"].null_count >= 50
    assert len(read_parts(folder, "models")) == 100


STEPS = ["_publish", "_commit", "_remove_sources", "append_progress"]


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_at_any_step_leaves_the_same_rows_and_a_rerun_finishes(
    snapshot: Path, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic crash points (the kill -9 test below hits random ones): before the
    commit the parts hold the table, after it the compacted files; never both."""
    # The crash comes while `models`, the first table, is compacted.
    before = {name: sorted_rows(read_parts(snapshot, name)) for name in ("models", "errors")}

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"crash in {step}")

    owner = SnapshotWriter if step == "append_progress" else compact
    monkeypatch.setattr(owner, step, crash)
    with pytest.raises(RuntimeError, match="crash"):
        compact_snapshot(snapshot, **SMALL)
    monkeypatch.undo()
    for name, rows in before.items():
        files = table_parts(snapshot, name)
        kinds = {p.name.split("-")[0] for p in files}
        assert len(kinds) == 1, f"{name} read from both parts and compacted files: {files}"
        pd.testing.assert_frame_equal(sorted_rows(read_parts(snapshot, name)), rows)
    results = {r.table: r for r in compact_snapshot(snapshot, **SMALL)}
    assert results["files"].rows == 102125
    for name, rows in before.items():
        leftover = [p.name for p in (snapshot / name).iterdir() if not _compacted(p.name)]
        assert leftover == []
        pd.testing.assert_frame_equal(sorted_rows(read_parts(snapshot, name)), rows)
    units = [json.loads(line)["unit"] for line in (snapshot / PROGRESS).read_text().splitlines()]
    assert sorted(units) == ["compact-errors", "compact-files", "compact-models"]


def _compacted(name: str) -> bool:
    return name == MARKER or (name.startswith("compact-") and name.endswith(".parquet"))


def test_the_command_compacts_a_complete_snapshot_and_updates_its_manifest(
    snapshot: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = {"tables": {"models": {"rows": 7868, "parts": 80}}}
    (snapshot / "manifest.json").write_text(json.dumps(manifest))
    assert main([str(snapshot), "--rows-per-file", "3000"]) == 0
    tables = json.loads((snapshot / "manifest.json").read_text())["tables"]
    assert tables["models"] == {"rows": 7868, "parts": 3}
    assert "models: 7,868 rows in 3 file(s) (compacted now)" in capsys.readouterr().out
    assert main([str(snapshot / "nope")]) == 2


def test_every_table_has_a_sort_key_of_its_own_columns() -> None:
    assert set(SORT_KEYS) == set(TABLES)
    for name, keys in SORT_KEYS.items():
        assert set(keys) <= set(TABLES[name].names), name


# --- real crawls ------------------------------------------------------------------------

CRAWL_SETTINGS = [
    "crawl.details=[cards]",
    "crawl.cards_sample=300",
    "crawl.orgs=true",
    "crawl.orgs_sample=100",
    "crawl.resolve_names=top 30",
    "crawl.detail_batch=50",
]
CRAWL_TABLES = ("models", "files", "cards", "orgs", "names", "errors")


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path):
    """A replay Hub over the whole sample, a compacted crawl of it and an uncompacted one
    (listing, a cards sample, an orgs sample, names)."""
    from pipeline.cli.crawl import crawl
    from pipeline.hub.replay.server import ReplayHub, ReplayKnobs
    from pipeline.hub.replay.store import ReplayStore
    from tests.crawl.helpers import crawl_config

    tmp = tmp_path_factory.mktemp("crawls")
    with ReplayHub(ReplayStore.load(sample_dir), knobs=ReplayKnobs()) as hub:
        compacted = crawl(crawl_config(tmp / "compacted", *CRAWL_SETTINGS), hub.url)
        parts_config = crawl_config(tmp / "parts", *CRAWL_SETTINGS, "crawl.compact=false")
        parts = crawl(parts_config, hub.url)
        yield hub, compacted, parts


def assert_same_rows(a: Path, b: Path, name: str, label: str = "") -> None:
    """Two crawls' table `name` hold the same rows (provenance and timestamps aside)."""
    drop = [*ENVELOPE, "resolved_at"] if name == "names" else ENVELOPE
    pd.testing.assert_frame_equal(
        sorted_rows(read_parts(a, name).drop(columns=drop)),
        sorted_rows(read_parts(b, name).drop(columns=drop)),
        obj=f"{label} {name}",
    )


@pytest.mark.slow
def test_a_compacted_crawl_has_the_tables_of_an_uncompacted_one(crawls) -> None:
    _, compacted, parts = crawls
    tables = compacted.manifest["tables"]
    assert set(tables) == set(parts.manifest["tables"]) >= set(CRAWL_TABLES)
    for name in CRAWL_TABLES:
        assert tables[name]["rows"] == parts.manifest["tables"][name]["rows"]
        assert tables[name]["parts"] == 1 < parts.manifest["tables"][name]["parts"]
        assert_same_rows(compacted.folder, parts.folder, name)
        frame = read_parts(compacted.folder, name).astype(str)
        pd.testing.assert_frame_equal(frame, key_order(frame, name))
    lines = (compacted.folder / PROGRESS).read_text().splitlines()
    assert sum(json.loads(line)["phase"] == "compact" for line in lines) == len(tables)


def _started(folder: Path) -> bool:
    """Has compaction written anything (a staged, spill or compacted file, a marker)?"""
    return any(
        p.name.startswith((".compact-", "compact-")) or p.name == MARKER
        for table in TABLES
        if (folder / table).is_dir()
        for p in (folder / table).iterdir()
    )


def _compact_lines(folder: Path) -> int:
    lines = (folder / PROGRESS).read_text().splitlines()
    return sum('"phase": "compact"' in line for line in lines)


def _written(table: Path) -> int:
    """Files of the compaction under way in a table folder: staged, then renamed."""
    return sum(p.name.endswith(".staged") or p.name.startswith("compact-") for p in table.iterdir())


def _run_compaction(folder: Path, kill: tuple[int, str, int, float] | None = None) -> int:
    """`python -m pipeline.snapshot.compact` on `folder`, with a small memory budget so that
    the large tables are cut into many key ranges, each a staged file (more steps to land
    in). `kill`: (k, table, n, s): kill -9 it s seconds after the k-th table's progress line
    is written and `table` (the next one) has `n` files written (k = 0: after the first file
    of the compaction). Returns the exit code."""
    command = [sys.executable, "-m", "pipeline.snapshot.compact", str(folder)]
    command += ["--sort-mb", "0.1", "--row-group-rows", "500"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True)
    if kill is not None:
        lines, table, files, delay = kill
        while process.poll() is None and not (
            _started(folder)
            and _compact_lines(folder) >= lines
            and (files == 0 or _written(folder / table) >= files)
        ):
            time.sleep(0.001)
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return process.wait(timeout=120)


@pytest.mark.slow
def test_kill_9_at_random_moments_of_compaction_then_the_crawl_resumes(
    crawls, tmp_path: Path
) -> None:
    """The state a crawl is in right before compaction (every unit committed, no manifest)
    is the uncompacted crawl without its manifest. Compaction is killed at random moments;
    each kill must land inside it (compaction started, not every table done); rerunning
    the crawl then resumes that snapshot and ends with the uninterrupted crawl's tables."""
    from pipeline.cli.crawl import crawl
    from tests.crawl.helpers import crawl_config

    hub, compacted, parts = crawls
    tables = len(compacted.manifest["tables"])

    def before_compaction(store: Path):
        folder = store / "snapshots" / parts.folder.name
        shutil.copytree(parts.folder, folder)
        (folder / "manifest.json").unlink()
        config = crawl_config(store, *CRAWL_SETTINGS)  # compacts (the default)
        start = json.loads((folder / "crawl.json").read_text())
        start["config_hash"] = config.config_hash
        (folder / "crawl.json").write_text(json.dumps(start))
        return folder, config

    # Each table's duration and key ranges here. A kill moment is drawn uniformly over the
    # compaction's time (the last table aside: a kill there could come after the end), and
    # found again in the killed run by what it has written (that table's progress lines,
    # then as many of its staged files as that share of its time), so that a slower or
    # faster run still lands inside.
    folder, _ = before_compaction(tmp_path / "timing")
    assert _run_compaction(folder) == 0 and _compact_lines(folder) == tables
    lines = [json.loads(line) for line in (folder / PROGRESS).read_text().splitlines()]
    done = [line for line in lines if line["phase"] == "compact"][:-1]
    seconds = [line["seconds"] for line in done]
    rng = random.Random(13)
    for trial in range(4):
        moment = rng.uniform(0, sum(seconds))
        k = next(k for k in range(len(seconds)) if moment <= sum(seconds[: k + 1]))
        share = (moment - sum(seconds[:k])) / seconds[k]
        files = int(share * done[k]["files"]) if done[k]["files"] > 1 else 0
        delay = 0.0 if files else share * seconds[k] / 2
        kill = (k, done[k]["unit"].removeprefix("compact-"), files, delay)
        folder, config = before_compaction(tmp_path / f"trial-{trial}")
        code = _run_compaction(folder, kill)
        assert code == -signal.SIGKILL, f"trial {trial}: compaction ended before the kill"
        assert _started(folder), f"trial {trial}: killed before compaction began"
        assert _compact_lines(folder) < tables, f"trial {trial}: killed after compaction"
        assert not (folder / "manifest.json").exists()
        hub.reset_stats()
        resumed = crawl(config, hub.url)
        assert resumed.folder == folder and resumed.resumed
        assert hub.stats().get("models_list", 0) == 0
        assert resumed.manifest["tables"].keys() == compacted.manifest["tables"].keys()
        for name in CRAWL_TABLES:
            leftover = [p.name for p in (folder / name).iterdir() if not _compacted(p.name)]
            assert leftover == [], f"trial {trial}: {name} keeps {leftover}"
            assert_same_rows(folder, compacted.folder, name, f"trial {trial}")
            rows = compacted.manifest["tables"][name]["rows"]
            assert resumed.manifest["tables"][name]["rows"] == rows
