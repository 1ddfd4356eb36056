"""`ptm plan` against a replay Hub that announces its quotas, and `ptm crawl` printing its
plan first and refusing one over `crawl.max_hours` before any request for models."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.hub.replay.server import ReplayHub, ReplayKnobs
from pipeline.snapshot.reader import list_snapshots
from tests.crawl.test_details_crawl import subset_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pro_hub(sample_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """A replay of 250 real models whose limits are the PRO plan's api quota."""
    knobs = ReplayKnobs(rate_limit=2500, rate_window_s=300)
    with ReplayHub(subset_store(sample_dir, n=250), knobs=knobs) as replay:
        monkeypatch.setenv("HF_ENDPOINT", replay.url)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.chdir(ROOT)
        yield replay


def test_plan_reads_the_quotas_the_hub_announces(tmp_path: Path, pro_hub, capsys) -> None:
    code = main(
        ["plan", "--config", "configs/hub.yaml", "--models", "2500000",
         "--set", f"paths.snapshots={tmp_path}"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "api 2,500 per 5 min, resolvers 12,000 per 5 min (announced by" in out
    assert "  cards           15,000  resolvers" in out
    assert pro_hub.stats()["models_list"] == 1  # one request, of one model


def test_plan_offline_sends_nothing_and_refuses_over_max_hours(
    tmp_path: Path, pro_hub, capsys
) -> None:
    code = main(
        ["plan", "--config", "configs/hub.yaml", "--offline", "--models", "2500000",
         "--set", "crawl.cards_sample=all", "--set", f"paths.snapshots={tmp_path}"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "configured, until the Hub's RateLimit-Policy says otherwise" in captured.out
    assert "refused: crawl.max_hours=2" in captured.err
    assert "set crawl.cards_sample to at most" in captured.err
    assert pro_hub.stats().get("models_list", 0) == 0


def test_crawl_prints_its_plan_first_and_again_after_the_listing(
    tmp_path: Path, pro_hub, capsys
) -> None:
    store = tmp_path / "store"
    code = main(
        ["crawl", "--config", "configs/hub.yaml", "--set", f"paths.snapshots={store}",
         "--set", "crawl.progress=false", "--set", 'crawl.commits="off"',
         "--set", "crawl.resolve_names=off"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    first, second = [line for line in err.splitlines() if line.startswith("plan: ")]
    assert "2,500,000 models (the live Hub in late 2026, an estimate)" in first
    assert "models (listed)" in second and "announced by the Hub" in second
    assert "listing" in err and "done" in err


def test_crawl_refuses_a_plan_over_max_hours_before_any_request(
    tmp_path: Path, pro_hub, capsys
) -> None:
    store = tmp_path / "store"
    code = main(
        ["crawl", "--config", "configs/hub.yaml", "--set", f"paths.snapshots={store}",
         "--set", "crawl.cards_sample=all", "--set", "crawl.progress=false"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0
    assert "crawl.max_hours=2" in err and "crawl.cards_sample" in err
    assert list(list_snapshots(store)) == []
    assert sum(pro_hub.stats().get(k, 0) for k in ("models_list", "resolve")) == 0
