"""Issue 15's done-when check on a subset (`benchmarks/names.py` runs it on all 380 pages):
the first recorded listing page replayed with inferred renames (labelled), crawled with
`configs/hub-listing.yaml`'s name resolution, analysed with `--population paper` and `all`.
The paper list is cut to a few real ids so that the test stays fast."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "hub-2024-07"
pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared recordings")


def test_renamed_paper_ids_count_and_names_resolve(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT / "scripts"))
    from names import build_data

    from pipeline.cli.analyze import analyze_snapshot
    from pipeline.cli.crawl import crawl
    from pipeline.hub.replay.server import ReplayHub
    from pipeline.hub.replay.store import ReplayStore
    from tests.crawl.helpers import crawl_config

    paper = ["bert-base-uncased", "gpt2", "google-bert/bert-base-cased", "nobody/gone-since-2022"]
    monkeypatch.setattr("pipeline.paper.paper_model_ids", lambda: list(paper))
    monkeypatch.setattr("pipeline.cli.analyze.paper_ids", lambda: list(paper))
    build_data(tmp_path / "data", pages=1)
    settings = ["crawl.resolve_names=all", "crawl.resolve_paper_ids=true"]
    with ReplayHub(ReplayStore.load(tmp_path / "data")) as hub:
        snapshot = crawl(crawl_config(tmp_path, *settings), hub.url).folder
    analyze_snapshot(snapshot, tmp_path / "paper", "paper")
    analysis = json.loads((tmp_path / "paper" / "analysis.json").read_text())
    counts = [analysis[f"paper_ids_{k}"] for k in ("as_written", "via_rename", "not_found")]
    assert counts == [1, 2, 1]
    assert pd.read_csv(tmp_path / "paper" / "figure7.csv")["models"].sum() == 3
    analyze_snapshot(snapshot, tmp_path / "all", "all")
    figure6 = pd.read_csv(tmp_path / "all" / "figure6_datasets.csv")
    ranked = set(figure6.loc[figure6["kind"] == "top", "dataset"])
    assert not ranked & {"imagefolder", "generator", "json", "csv", "squad", "glue"}
    assert "local files" in set(figure6["dataset"])
