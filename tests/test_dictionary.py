"""The data dictionary: every snapshot and result column is described once, in its schema's
field metadata; the tables the code writes have exactly the described columns; README.md and
docs/data-dictionary.md are generated from the schemas and up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.analyze.source import MemorySource
from pipeline.claims.schema import CLAIMS, MEASUREMENTS, RESULT_TABLES
from pipeline.dictionary import description
from pipeline.figures import FIGURES, analyze_source
from pipeline.snapshot.schema import TABLES
from tests.analyze.sample_models import records_to_files, records_to_full_models, records_to_models
from tests.claims.conftest import CLAIMS_DATA

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS: dict[str, pa.Schema] = {
    **{f"snapshot {name}": schema for name, schema in TABLES.items()},
    **{table: schema for figure in FIGURES for table, schema in figure.schemas.items()},
    "claims": CLAIMS,
    "measurements": MEASUREMENTS,
    **RESULT_TABLES,
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


@pytest.fixture(scope="module")
def claims_stage_tables(sample_records: list[dict]) -> dict[str, pd.DataFrame]:
    """Every table `ptm claims` and `ptm discrepancy` write, computed as `ptm measure` does:
    the bundled sample's claims plus the ICWSM audit's, against every built-in source."""
    from pipeline.claims.icwsm import icwsm_claims
    from pipeline.claims.measurements import BUILTIN_SOURCES, load_source
    from pipeline.cli.claims import run_claims, run_discrepancy

    tables = run_claims(records_to_models(sample_records))
    claims = pd.concat([tables["claims"], icwsm_claims(CLAIMS_DATA / "icwsm")], ignore_index=True)
    measurements = pd.concat(
        [load_source(source, claims, CLAIMS_DATA) for source in BUILTIN_SOURCES],
        ignore_index=True,
    )
    discrepancy, _ = run_discrepancy(claims, measurements)
    return {**tables, **discrepancy}


def test_every_claims_stage_table_has_a_schema(claims_stage_tables: dict) -> None:
    assert sorted(claims_stage_tables) == sorted(["claims", *RESULT_TABLES])


@pytest.mark.parametrize("table", sorted(RESULT_TABLES))
def test_the_claims_stage_tables_have_exactly_the_described_columns(
    claims_stage_tables: dict[str, pd.DataFrame], table: str
) -> None:
    computed = claims_stage_tables[table]
    assert len(computed) > 0, "the sample should give rows, else the check proves little"
    assert list(computed.columns) == RESULT_TABLES[table].names


def test_the_generated_documents_are_up_to_date() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "data_dictionary.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
