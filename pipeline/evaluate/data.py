"""Pick the file of a dataset split among a dataset repo's files, read it, sub-sample it.

A split file is a Parquet, CSV or JSON-lines file whose name starts with the split name
(`test.parquet`, `test-00000-of-00001.parquet`, `data/test.csv`, `sentiment/test.jsonl`);
with a config, files under a folder named after the config are preferred. Only the first
shard is read when a split has several (the row count says so).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from pipeline.hub.protocol import safe_repo_path

DATA_SUFFIXES = (".parquet", ".csv", ".jsonl", ".json")


def split_file(paths: list[str], split: str, config: str | None = None) -> str | None:
    """The repo path of `split` (and `config`) among `paths`, or None. Paths that leave the
    repo (`..`, absolute) are ignored."""
    pattern = re.compile(rf"^{re.escape(split)}(?:$|[-_.])", re.IGNORECASE)
    candidates = []
    for path in paths:
        try:
            safe_repo_path(path)
        except ValueError:
            continue
        pure = PurePosixPath(path)
        if pure.suffix.lower() not in DATA_SUFFIXES or not pattern.match(pure.name):
            continue
        folders = [part.lower() for part in pure.parts[:-1]]
        config_rank = 0 if config and config.lower() in folders else 1
        candidates.append((config_rank, len(pure.parts), DATA_SUFFIXES.index(pure.suffix), path))
    return min(candidates)[-1] if candidates else None


def read_table(local_path: str) -> pd.DataFrame:
    """A data file as a frame (by suffix)."""
    suffix = PurePosixPath(local_path).suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(local_path)
    if suffix == ".csv":
        return pd.read_csv(local_path)
    return pd.read_json(local_path, lines=suffix == ".jsonl")


def subsample(n_total: int, max_examples: int | None, seed: int = 0) -> np.ndarray:
    """Row indices to evaluate: all, or a seeded sample of `max_examples` (sorted)."""
    if not max_examples or n_total <= max_examples:
        return np.arange(n_total)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_total, size=max_examples, replace=False))


def first_column(table: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    """The first of `names` that is a column of `table` (case-insensitive), or None."""
    lower = {str(c).lower(): c for c in table.columns}
    return next((lower[n] for n in names if n in lower), None)
