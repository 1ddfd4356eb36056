"""`diff_snapshots`: two crawls of two states of real records report exactly the changes
applied (synthetic evolution), and the rename rules on small hand-made tables."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from pipeline.evolution.diff import DIFF_COLUMNS, diff_snapshots, match_renames
from pipeline.snapshot.loader import load_snapshot
from pipeline.snapshot.reader import read_table
from tests.evolution.conftest import TwoStates


@pytest.fixture(scope="module")
def diff(two_states: TwoStates):
    columns = {"models": DIFF_COLUMNS}
    a = load_snapshot(two_states.first, ["models"], columns=columns)
    b = load_snapshot(two_states.second, ["models"], columns=columns)
    return diff_snapshots(a, b)


def test_the_evolution_is_what_it_claims(two_states: TwoStates) -> None:
    """The ground truth itself: the two replay states differ exactly as recorded."""
    ev = two_states.evolution
    before = {r["id"]: r for r in ev.before.models}
    after = {r["id"]: r for r in ev.after.models}
    assert set(before) - set(after) == ev.deleted | set(ev.renamed)
    assert set(after) - set(before) == ev.added | set(ev.renamed.values())
    assert len(ev.renamed) == 6 and len(ev.deleted) == 10 and len(ev.added) == 8
    assert len(ev.changed) == round(0.05 * 406)  # 5% of the 400 + 6 records
    assert {
        i for i in before.keys() & after.keys() if before[i].get("sha") != after[i].get("sha")
    } == (ev.changed)
    assert len(ev.licensed) == 2 and ev.licensed <= ev.changed


def test_diff_reports_exactly_the_applied_changes(diff, two_states: TwoStates) -> None:
    ev = two_states.evolution
    assert diff.a == two_states.first.name and diff.b == two_states.second.name
    assert set(diff.added["id"]) == ev.added
    assert set(diff.deleted["id"]) == ev.deleted
    assert dict(zip(diff.renamed["old_id"], diff.renamed["new_id"], strict=True)) == dict(
        ev.renamed
    )
    assert set(diff.renamed["rule"]) == {"sha+created_at"}
    assert (diff.renamed["sha_a"] == diff.renamed["sha_b"]).all()
    assert set(diff.sha_changed["id"]) == ev.changed
    # Listing records carry no sha: their changes are invisible, and said so.
    no_sha = {r["id"] for r in ev.after.models if not r.get("sha")}
    assert no_sha and set(diff.sha_unknown["id"]) == no_sha
    assert diff.counts["models_a"] == len(ev.before) and diff.counts["models_b"] == len(ev.after)


def test_growth_is_exactly_the_synthetic_increase(diff, two_states: TwoStates) -> None:
    ev = two_states.evolution
    growth = diff.growth.set_index("id")
    grown = growth.loc[sorted(ev.downloads)]
    assert grown["downloads_delta"].to_dict() == dict(ev.downloads)
    assert grown["likes_delta"].to_dict() == dict(ev.likes)
    others = growth.drop(index=list(ev.downloads))
    assert (others["downloads_delta"] == 0).all() and (others["likes_delta"] == 0).all()
    assert growth["downloads_all_time_delta"].isna().all()  # absent from the recordings
    top = diff.top_growers("downloads", 3)
    biggest = sorted(ev.downloads, key=ev.downloads.get, reverse=True)[:3]
    assert top["id"].tolist() == biggest
    totals = diff.totals.set_index("measure")
    expected = sum(r["downloads"] for r in ev.after.models) - sum(
        r["downloads"] for r in ev.before.models
    )
    assert totals.loc["downloads_total", "change"] == expected
    assert "downloads_all_time_total" not in totals.index


def test_coverage_change_is_the_added_licences(diff, two_states: TwoStates) -> None:
    coverage = diff.coverage.set_index("factor")
    assert coverage.loc["license", "gained"] == len(two_states.evolution.licensed) == 2
    assert coverage.loc["license", "lost"] == 0
    untouched = coverage.drop(index="license")
    assert (untouched["gained"] == 0).all() and (untouched["lost"] == 0).all()
    assert coverage.loc["license", "share_b"] != coverage.loc["license", "share_a"]


def test_second_crawl_was_incremental(two_states: TwoStates) -> None:
    ev = two_states.evolution
    no_sha = {r["id"] for r in ev.after.models if not r.get("sha")}
    assert two_states.first_requests["model_info"] == len(ev.before)
    refetched = len(ev.changed) + len(ev.added) + len(ev.renamed) + len(no_sha)
    assert two_states.second_requests["model_info"] == refetched
    assert refetched < len(ev.after) / 5
    # The crawler's own change log sees a rename as a deletion plus a new model.
    changes = read_table(two_states.second, "changes")
    by_kind = changes.groupby("change")["model_id"].apply(set).to_dict()
    assert by_kind["new"] == ev.added | set(ev.renamed.values())
    assert by_kind["deleted"] == ev.deleted | set(ev.renamed)
    assert by_kind["changed"] == ev.changed


def test_summary_names_every_kind_of_change(diff) -> None:
    text = diff.summary()
    assert "added 8, deleted 10, renamed 6" in text
    assert f"sha changed {len(diff.sha_changed)}" in text
    assert "coverage license:" in text and "(+2 / -0 models)" in text
    assert "top downloads growth:" in text
    tables = diff.tables()
    assert set(tables) >= {"diff_counts", "diff_added", "diff_renamed", "diff_coverage"}
    assert len(tables["diff_top_downloads"]) == diff.top


# --- the rename rules on small tables -------------------------------------------------


def _models(rows: list[dict]) -> pd.DataFrame:
    base = {
        "sha": None,
        "created_at": None,
        "downloads": 0,
        "likes": 0,
        "extra_json": None,
        "tags": [],
    }
    return pd.DataFrame([{**base, **r} for r in rows])


T1 = datetime(2023, 11, 22, 5, 48, 15, tzinfo=UTC)
T2 = datetime(2024, 1, 20, 23, 28, 40, tzinfo=UTC)


def test_rename_with_a_new_commit_is_paired_by_creation_time_and_name() -> None:
    a = _models([{"id": "old/Model-X", "sha": "1" * 40, "created_at": T1}])
    b = _models([{"id": "new/model-x", "sha": "2" * 40, "created_at": T1}])
    result = diff_snapshots(a, b)
    assert result.renamed[["old_id", "new_id", "rule"]].values.tolist() == [
        ["old/Model-X", "new/model-x", "created_at+name"]
    ]
    assert result.sha_changed["id"].tolist() == ["new/model-x"]
    assert result.sha_changed["previous_id"].tolist() == ["old/Model-X"]
    assert result.added.empty and result.deleted.empty


def test_ambiguous_keys_pair_nothing() -> None:
    # Two deleted models share sha and creation time with one added model: no rename.
    a = _models(
        [
            {"id": "x/a", "sha": "1" * 40, "created_at": T1},
            {"id": "y/a", "sha": "1" * 40, "created_at": T1},
        ]
    )
    b = _models([{"id": "z/a", "sha": "1" * 40, "created_at": T1}])
    result = diff_snapshots(a, b)
    assert result.renamed.empty
    assert set(result.deleted["id"]) == {"x/a", "y/a"} and set(result.added["id"]) == {"z/a"}


def test_different_name_sha_and_time_is_delete_plus_add() -> None:
    a = _models([{"id": "x/a", "sha": "1" * 40, "created_at": T1}])
    b = _models([{"id": "x/b", "sha": "2" * 40, "created_at": T2}])
    result = diff_snapshots(a, b)
    assert result.renamed.empty and len(result.added) == len(result.deleted) == 1


def test_the_hubs_object_id_wins_when_present() -> None:
    a = _models([{"id": "x/a", "sha": "1" * 40, "created_at": T1, "extra_json": '{"_id": "65"}'}])
    b = _models([{"id": "y/b", "sha": "2" * 40, "created_at": T2, "extra_json": '{"_id": "65"}'}])
    renamed = match_renames(a, b)
    assert renamed.values.tolist() == [["x/a", "y/b", "hub_id"]]


def test_inputs_are_checked() -> None:
    a = _models([{"id": "x/a"}, {"id": "x/a"}])
    with pytest.raises(ValueError, match="duplicate id 'x/a'"):
        diff_snapshots(a, a)
    with pytest.raises(TypeError, match="Snapshot"):
        diff_snapshots(object(), a)
    empty = pd.DataFrame(columns=["id", "sha", "created_at", "downloads", "likes", "tags"])
    result = diff_snapshots(empty, _models([{"id": "x/a", "downloads": 5}]))
    assert result.added["id"].tolist() == ["x/a"] and result.growth.empty
