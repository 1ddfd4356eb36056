"""Where the project's bundled data lives: one place for every path derived from the checkout.

Paths the user chooses (snapshots, results, caches) come from the configuration or the
command line; these are the folders that ship with the repository (`data/`) and the shared
material beside it (`../shared/data`, the inputs `make data` curates from). Imports nothing.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = REPO_ROOT / "data"
HUB_SAMPLE = DATA / "hub-2024-07"
ICSE23 = DATA / "icse23"
CARD_LABELS = DATA / "card-labels"
CLAIMS_DATA = DATA / "claims-vs-measured"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
ICSE23_ARTIFACT = SHARED_DATA / "icse23-artifact"
