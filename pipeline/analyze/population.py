"""Populations an analysis can run on: `all` models of a snapshot, or `paper`: only the
models of the paper's 2022-08-15 list (`data/icse23/hftorrent-repo-names-2022-08-15.txt.gz`,
63,367 ids), so that a later snapshot is compared with the paper like for like.

Ids are matched exactly (Hub ids keep their case). Models renamed since 2022 (for example
`bert-base-uncased`, now `google-bert/bert-base-uncased`) appear under their new id in a
later snapshot and so are not matched; the report states how many of the paper's ids were
found.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from pipeline.paths import ICSE23

POPULATIONS = ("all", "paper")
DATA_DIR = ICSE23
PAPER_IDS_FILE = DATA_DIR / "hftorrent-repo-names-2022-08-15.txt.gz"


def paper_ids(path: Path = PAPER_IDS_FILE) -> list[str]:
    """The paper's model ids (blank lines dropped, order kept, duplicates removed)."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return list(dict.fromkeys(line.strip() for line in lines if line.strip()))


def check_population(population: str) -> str:
    if population not in POPULATIONS:
        raise ValueError(f"population must be one of {', '.join(POPULATIONS)}, not {population!r}")
    return population
