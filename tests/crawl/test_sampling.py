"""The sampling design of per-model stages (`pipeline/crawl/sampling.py`): stratified,
seeded samples of the listing, their design columns in the snapshot, the panel kept by
incremental crawls, and the report's CIs, end to end over the replay Hub."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.analyze.source import open_snapshot
from pipeline.cli.crawl import crawl
from pipeline.cli.sample import synthetic_evolution
from pipeline.config import load_config
from pipeline.crawl.sampling import draw, permanent_random_numbers, select
from pipeline.errors import ConfigError
from pipeline.figures import analyze_source, report_sections
from pipeline.hub.replay.server import ReplayHub
from pipeline.hub.replay.store import ReplayStore
from pipeline.paper import load_paper_numbers
from pipeline.snapshot.reader import read_manifest, read_table
from tests.crawl.helpers import crawl_config


def synthetic_frame(n: int, strata: int = 4, start: int = 0) -> pd.DataFrame:
    """Synthetic units (made up ids) spread over `strata` strata."""
    ids = [f"unit-{i}" for i in range(start, start + n)]
    return pd.DataFrame({"id": ids, "stratum": [f"s{i % strata}" for i in range(start, start + n)]})


def test_a_draw_is_a_seeded_stratified_simple_random_sample() -> None:
    frame = synthetic_frame(4000)
    selection = draw(frame, 400, seed=3)
    units = selection.units
    assert units.groupby("stratum").size().to_dict() == dict.fromkeys(["s0", "s1", "s2", "s3"], 100)
    assert np.allclose(units["inclusion_probability"], 100 / 1000)
    assert (units["stratum_size"] == 1000).all()
    shuffled = frame.sample(frac=1, random_state=1).reset_index(drop=True)
    assert set(draw(shuffled, 400, seed=3).ids) == set(units["id"])
    assert set(draw(frame, 400, seed=4).ids) != set(units["id"])
    u = permanent_random_numbers(frame["id"].tolist(), 3)
    assert u.min() >= 0 and u.max() < 1 and stats.kstest(u, "uniform").pvalue > 0.001


def test_the_panel_keeps_its_units_and_new_ones_enter_at_their_stratum_rate() -> None:
    base = draw(synthetic_frame(20_000), 1000, seed=0)
    grown = pd.concat([synthetic_frame(20_000), synthetic_frame(20_000, start=20_000)])
    panel = draw(grown.reset_index(drop=True), 1000, seed=0, base=base.record)
    assert set(base.ids) <= set(panel.ids)  # every unit sampled before is measured again
    new = panel.units[panel.units["id"].isin(set(synthetic_frame(20_000, start=20_000)["id"]))]
    # 20,000 new units at the stratum rate 0.05: sampled count within Binomial's 99.8%
    low, high = stats.binom.interval(0.998, 20_000, 0.05)
    assert low <= len(new) <= high
    assert panel.record["panel"] and np.allclose(
        panel.units["inclusion_probability"],
        panel.units["stratum"].map(lambda s: panel.record["strata"][s]["n"] / 10_000),
    )
    fresh = draw(grown.reset_index(drop=True), 1000, seed=0, base={**base.record, "size": 999})
    assert not fresh.record["panel"]  # another size: a new sample, not a panel


def test_sample_keys_take_all_or_a_size() -> None:
    assert load_config(None, ["crawl.cards_sample=250"]).crawl.cards_sample == 250
    assert load_config(None, []).crawl.orgs_sample == "all"
    for bad in ("crawl.cards_sample=0", "crawl.orgs_sample=half", "crawl.security_sample=0.5"):
        with pytest.raises(ConfigError, match=re.escape(bad.split("=")[0])):
            load_config(None, [bad])
    with pytest.raises(ConfigError, match=r"crawl\.commits_sample"):
        load_config(None, ["crawl.commits=all", "crawl.commits_sample=10"])


def test_orgs_are_sampled_by_namespace(sample_records: list[dict]) -> None:
    models = pd.DataFrame(
        {
            "id": [r["id"] for r in sample_records],
            "author": [r.get("author") for r in sample_records],
            "downloads": [r.get("downloads") for r in sample_records],
            "pipeline_tag": [r.get("pipeline_tag") for r in sample_records],
        }
    )
    selection = select("orgs", models, 300, seed=0)
    assert set(selection.ids) <= set(models["author"].dropna())
    assert selection.units["stratum"].nunique() == 10 and 290 <= len(selection.ids) <= 310
    assert select("cards", models, "all", seed=0).record == {"design": "census", "units": 7868}


SAMPLED = (
    "crawl.details=[cards]",
    "crawl.orgs=true",
    "crawl.cards_sample=600",
    "crawl.orgs_sample=300",
)


def test_a_sampled_crawl_records_its_design_and_the_report_shows_cis(
    tmp_path: Path, sample_dir: Path
) -> None:
    with ReplayHub(ReplayStore.load(sample_dir)) as hub:
        result = crawl(crawl_config(tmp_path, *SAMPLED), hub.url)
        requests = hub.stats()
    cards, orgs = read_table(result.folder, "cards"), read_table(result.folder, "orgs")
    sampling = read_manifest(result.folder)["sampling"]
    assert len(cards) == sampling["cards"]["units"] == requests["resolve"]
    assert 560 <= len(cards) <= 640 and len(orgs) == sampling["orgs"]["units"]
    for table, record in ((cards, sampling["cards"]), (orgs, sampling["orgs"])):
        assert table["sample_stratum"].notna().all()
        for stratum, rows in table.groupby("sample_stratum"):
            expected = record["strata"][stratum]
            assert len(rows) == expected["n"] and (rows["stratum_size"] == expected["N"]).all()
            assert np.allclose(rows["inclusion_probability"], expected["n"] / expected["N"])
        assert sum(s["N"] for s in record["strata"].values()) == record["frame"]
    analysis = analyze_source(open_snapshot(result.folder))
    coverage = analysis.tables["attribute_coverage"].set_index("factor")
    assert coverage.loc["documentation", "design"] == "stratified sample"
    assert coverage.loc["license", "design"] == "census"  # from the listing alone
    table4 = analysis.tables["table4"].set_index("mitigation")
    assert table4.loc["organization_verification", "design"] in ("stratified sample", "")
    documentation = analysis.tables["documentation"].set_index("measure")
    assert documentation.loc["no_readme", "design"] == "stratified sample"
    text = "\n".join(report_sections(analysis.tables, analysis.context, load_paper_numbers()))
    assert "population [95% CI]" in text and "| 95% CI (n) |" in text
    assert "census" in text
    row = next(
        line for line in text.splitlines() if line.startswith("| reproducibility | documentation")
    )
    assert row.rstrip(" |").split("| ")[-1].count("[") == 1 and "n=" in row


def test_an_incremental_crawl_keeps_the_sample_as_a_panel(tmp_path: Path, sample_dir: Path) -> None:
    evolution = synthetic_evolution(
        ReplayStore.load(sample_dir), deleted=40, added=300, grown=20, licensed=5, seed=2
    )
    overrides = ("crawl.details=[cards]", "crawl.cards_sample=800")
    with ReplayHub(evolution.before) as hub:
        first = crawl(crawl_config(tmp_path, *overrides), hub.url)
    with ReplayHub(evolution.after) as hub:
        second = crawl(crawl_config(tmp_path, *overrides, f"crawl.since={first.folder}"), hub.url)
        requests = hub.stats()
    before = read_table(first.folder, "cards").set_index("model_id")
    after = read_table(second.folder, "cards").set_index("model_id")
    gone = set(evolution.deleted) | set(evolution.renamed)
    kept = set(before.index) - gone
    retained = len(kept & set(after.index)) / len(kept)
    assert retained >= 0.98, retained  # models moving across decile boundaries may leave
    record = read_manifest(second.folder)["sampling"]["cards"]
    assert record["panel"]
    # New models enter by the rule: u at or below their stratum's cutoff.
    new = after[after.index.isin(evolution.added)]
    u = dict(zip(new.index, permanent_random_numbers(list(new.index), 0), strict=True))
    assert all(u[i] <= record["strata"][s]["cutoff"] for i, s in new["sample_stratum"].items())
    assert 0 < len(new) < len(evolution.added)
    # Only sampled models that are new or changed cost a README request.
    changes = read_table(second.folder, "changes")
    refetched = set(changes.loc[changes["change"] != "deleted", "model_id"]) & set(after.index)
    assert requests.get("resolve", 0) == len(refetched)
    assert after["inclusion_probability"].between(0, 1, inclusive="right").all()
