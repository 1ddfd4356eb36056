"""Shared fixtures of the analysis tests: the bundled sample as snapshot-shaped tables."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from tests.analyze.sample_models import records_to_files, records_to_full_models

README_DIR = Path(__file__).resolve().parents[2] / "data" / "hub-2024-07" / "readmes"
FRONT_MATTER = re.compile(r"\A\s*---\r?\n.*?\r?\n---[ \t]*\r?\n", re.DOTALL)


@pytest.fixture(scope="session")
def sample_table(sample_records: list[dict]) -> pa.Table:
    """The `models` table of the sample, as the crawler's parser makes it."""
    return records_to_full_models(sample_records)


@pytest.fixture(scope="session")
def sample_files(sample_records: list[dict]) -> pd.DataFrame:
    """A `files` table from the records' `siblings` (formats left to the analysis)."""
    return records_to_files(sample_records)


@pytest.fixture(scope="session")
def sample_cards(sample_records: list[dict]) -> pd.DataFrame:
    """A `cards` table: the 15 real READMEs bundled with the sample (status ok, body
    stored, not template), every other model `not-recorded`."""
    rows = []
    for record in sample_records:
        path = README_DIR / (record["id"].replace("/", "__") + ".md")
        if path.is_file():
            body = FRONT_MATTER.sub("", path.read_text(encoding="utf-8"), count=1)
            rows.append(
                {
                    "model_id": record["id"],
                    "readme_status": "ok",
                    "is_template": False,
                    "body": body,
                }
            )
        else:
            rows.append(
                {
                    "model_id": record["id"],
                    "readme_status": "not-recorded",
                    "is_template": None,
                    "body": None,
                }
            )
    return pd.DataFrame(rows)
