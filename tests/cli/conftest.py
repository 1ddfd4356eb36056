"""Fixtures of the sub-command tests: the stage fixtures they build on, shared with the
stages' own tests (each conftest stays the one definition)."""

from tests.analyze.conftest import sample_files, sample_table
from tests.claims.conftest import (
    card_samples,
    icwsm_join,
    sample_claims,
    sample_claims_and_diagnostics,
    sample_models,
)
from tests.evolution.conftest import two_states
from tests.hub.replay.conftest import http, sample_store, start_hub
from tests.registries.conftest import registry_server

__all__ = [
    "card_samples",
    "http",
    "icwsm_join",
    "registry_server",
    "sample_claims",
    "sample_claims_and_diagnostics",
    "sample_files",
    "sample_models",
    "sample_store",
    "sample_table",
    "start_hub",
    "two_states",
]
