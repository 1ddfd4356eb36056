"""Fixtures of the claims tests: the bundled sample as a models frame and its claims, the
curated claims-vs-measured data, and the ICWSM audit joined once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.analyze.sample_models import records_to_models

ROOT = Path(__file__).resolve().parents[2]
CLAIMS_DATA = ROOT / "data" / "claims-vs-measured"
ICWSM = CLAIMS_DATA / "icwsm"
CARD_SAMPLES = CLAIMS_DATA / "card-tables" / "card-text-samples-with-tables.json"
READMES = ROOT / "data" / "hub-2024-07" / "readmes"


@pytest.fixture(scope="session")
def sample_models(sample_records: list[dict]) -> pd.DataFrame:
    """The bundled sample as a `models` frame (via Parquet, like a snapshot reader)."""
    return records_to_models(sample_records)


@pytest.fixture(scope="session")
def sample_claims_and_diagnostics(sample_models: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    from pipeline.claims.extract import claims_with_diagnostics

    return claims_with_diagnostics(sample_models)


@pytest.fixture(scope="session")
def sample_claims(sample_claims_and_diagnostics) -> pd.DataFrame:
    return sample_claims_and_diagnostics[0]


@pytest.fixture(scope="session")
def card_samples() -> dict[str, str]:
    """Real model card bodies with Markdown tables: model id -> body."""
    entries = json.loads(CARD_SAMPLES.read_text(encoding="utf-8"))
    return {entry["modelId"]: entry["modelcard_text"] for entry in entries}


@pytest.fixture(scope="session")
def icwsm_join():
    """The ICWSM audit's claims paired with its measurements (default tolerance)."""
    from pipeline.claims.icwsm import icwsm_claims, icwsm_measurements
    from pipeline.claims.join import pair_claims

    claims, measurements = icwsm_claims(ICWSM), icwsm_measurements(ICWSM)
    return claims, measurements, pair_claims(claims, measurements)
