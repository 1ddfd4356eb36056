"""Fixtures of the lineage tests: the bundled real sample as the crawler's parser makes it,
and a tiny snapshot folder of it (Parquet part + manifest), without crawling."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.crawl.records import parse_model_record
from pipeline.snapshot.schema import TABLES

SHARED_PAGES = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "hub-2024-07" / "model_lists"
)


def models_table(records: list[dict]) -> pa.Table:
    """The `models` table (without provenance columns) the crawler's parser makes."""
    rows = [parse_model_record(r) for r in records]
    schema = TABLES["models"]
    names = [n for n in schema.names if n in rows[0]]
    return pa.Table.from_pylist(rows, schema=pa.schema([schema.field(n) for n in names]))


@pytest.fixture(scope="session")
def sample_models(sample_records: list[dict]) -> pa.Table:
    return models_table(sample_records)


@pytest.fixture(scope="session")
def sample_snapshot_folder(
    sample_models: pa.Table, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A complete snapshot folder holding only the sample's `models` table."""
    folder = tmp_path_factory.mktemp("snapshot") / "2024-07-11T000000Z"
    (folder / "models").mkdir(parents=True)
    pq.write_table(sample_models, folder / "models" / "part-00000.parquet")
    (folder / "manifest.json").write_text(
        json.dumps({"tables": {"models": {"rows": len(sample_models)}}}), encoding="utf-8"
    )
    return folder
