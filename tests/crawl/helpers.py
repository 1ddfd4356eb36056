"""Helpers for crawl tests: configurations, a subset of the real sample, table payloads."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd

from pipeline.config import Config, load_config
from pipeline.snapshot.reader import read_table

# Provenance columns differ between two crawls of the same data; everything else must not.
ENVELOPE = ["snapshot_id", "fetched_at", "crawler_version", "origin"]
TABLE_KEYS = {
    "models": ["id"],
    "files": ["model_id", "path"],
    "cards": ["model_id"],
    "orgs": ["name"],
    "security": ["model_id"],
    "errors": ["stage", "model_id", "message"],
    "names": ["name", "kind"],
}
# Columns that, like the provenance, record when a row was made.
WHEN = {"names": ["resolved_at"]}


def crawl_config(tmp_path: Path, *overrides: str) -> Config:
    """Fast retries, no progress bar, snapshots under `tmp_path`; listing only by default."""
    return load_config(
        None,
        [
            f"paths.snapshots={tmp_path / 'snapshots'}",
            "crawl.progress=false",
            "crawl.backoff_base_s=0.01",
            "crawl.backoff_cap_s=0.05",
            "crawl.timeout_s=2",
            "crawl.max_retries=8",
            "crawl.details=[]",
            "crawl.orgs=false",
            "crawl.commits=off",
            "crawl.api_quota=1000000",
            "crawl.resolvers_quota=1000000",
            *overrides,
        ],
    )


def payload(folder: Path, table: str) -> pd.DataFrame:
    """A table without its provenance columns, in key order, for comparing two crawls."""
    frame = read_table(folder, table).drop(columns=ENVELOPE + WHEN.get(table, []))
    frame = frame.sort_values(TABLE_KEYS[table]).reset_index(drop=True)
    return frame.astype(str)


def start_crawl(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """A `ptm crawl` process in a session of its own (so that a kill -9 of the group takes
    its Dask threads and children too)."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def finish_crawl(process: subprocess.Popen) -> None:
    """Wait for a crawl started by `start_crawl`; it must succeed."""
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr.decode()
