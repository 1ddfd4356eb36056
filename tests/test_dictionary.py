"""The data dictionary: every snapshot and result column is described once, in its schema's
field metadata; the tables the code writes have exactly the described columns; README.md and
docs/data-dictionary.md are generated from the schemas and up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.analyze.source import MemorySource
from pipeline.claims.schema import CLAIMS, MEASUREMENTS
from pipeline.dictionary import description
from pipeline.figures import FIGURES, analyze_source
from pipeline.snapshot.schema import TABLES
from tests.analyze.sample_models import records_to_files, records_to_full_models

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS: dict[str, pa.Schema] = {
    **{f"snapshot {name}": schema for name, schema in TABLES.items()},
    **{table: schema for figure in FIGURES for table, schema in figure.schemas.items()},
    "claims": CLAIMS,
    "measurements": MEASUREMENTS,
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_column_is_described(name: str) -> None:
    undescribed = [field.name for field in SCHEMAS[name] if not description(field)]
    assert undescribed == []


def test_every_result_table_has_a_schema() -> None:
    for figure in FIGURES:
        assert sorted(figure.schemas) == sorted(figure.tables), figure.name


def test_the_computed_tables_have_exactly_the_described_columns(
    sample_records: list[dict],
) -> None:
    tables = {
        "models": records_to_full_models(sample_records),
        "files": records_to_files(sample_records, with_format=True),
    }
    source = MemorySource(Path("."), {"finished_at": "2024-07-11T00:00:00Z"}, None, tables)
    computed = analyze_source(source).tables
    for figure in FIGURES:
        for table in figure.tables:
            assert list(computed[table].columns) == figure.schemas[table].names, table


def test_the_generated_documents_are_up_to_date() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "data_dictionary.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
