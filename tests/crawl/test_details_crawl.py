"""Per-model requests (cards, security) and org overviews, and incremental crawls."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli.crawl import crawl
from pipeline.hub.replay.server import ReplayHub, ReplayKnobs
from pipeline.hub.replay.store import ReplayStore
from pipeline.snapshot.reader import read_table
from tests.crawl.helpers import crawl_config, payload

SUBSET = 400


def subset_store(sample_dir: Path, n: int = SUBSET, orgs: list[dict] | None = None) -> ReplayStore:
    """The first `n` real records of the sample plus every model with a recorded README."""
    full = ReplayStore.load(sample_dir)
    keep = [r for i, r in enumerate(full.models) if i < n or full.readme(r["id"]) is not None]
    ids = {r["id"] for r in keep}
    readmes = {i: full.readme(i) for i in ids if full.readme(i) is not None}
    renames = {old: new for old, new in full.renamed.items() if new in ids}
    return ReplayStore(keep, readmes=readmes, renames=renames, orgs=orgs, recorded_at="2024-07")


@pytest.fixture(scope="module")
def store(sample_dir: Path) -> ReplayStore:
    # The org overview is synthetic: the recordings hold no org data. It exercises the
    # org path; every other author gets the replay's real "not found" answers.
    return subset_store(sample_dir, orgs=[{"name": "Qwen", "isVerified": True, "numModels": 3}])


@pytest.fixture(scope="module")
def detailed(tmp_path_factory: pytest.TempPathFactory, store: ReplayStore):
    tmp = tmp_path_factory.mktemp("details")
    with ReplayHub(store) as hub:
        config = crawl_config(
            tmp, "crawl.details=[cards, security]", "crawl.orgs=true", "crawl.detail_batch=64"
        )
        result = crawl(config, hub.url)
        return result, hub.stats()


def test_cards_for_every_model(detailed, store: ReplayStore) -> None:
    result, stats = detailed
    cards = read_table(result.folder, "cards").set_index("model_id")
    assert set(cards.index) == {r["id"] for r in store.models}
    recorded = [r["id"] for r in store.models if store.readme(r["id"]) is not None]
    assert len(recorded) == 15
    assert (cards.loc[recorded, "readme_status"] == "ok").all()
    assert (cards.drop(index=recorded)["readme_status"] == "not-recorded").all()
    tinybert = cards.loc["Intel/dynamic_tinybert"]
    assert tinybert["front_matter_valid"] and not tinybert["is_template"]
    assert tinybert["sections"][0].startswith("Model Details: Dynamic-TinyBERT")
    assert stats["resolve"] == len(store)


def test_security_is_asked_per_model_and_unknown_when_not_recorded(detailed, store) -> None:
    result, stats = detailed
    security = read_table(result.folder, "security")
    assert len(security) == len(store)
    assert security["scans_done"].isna().all()  # the recordings hold no scan results
    assert stats["model_info"] == len(store)


def test_orgs_once_per_author(detailed, store: ReplayStore) -> None:
    result, _ = detailed
    orgs = read_table(result.folder, "orgs").set_index("name")
    authors = {r.get("author") or r["id"].split("/")[0] for r in store.models}
    assert set(orgs.index) == authors
    assert orgs.loc["Qwen", "kind"] == "org" and orgs.loc["Qwen", "is_verified"]
    assert (orgs.drop(index="Qwen")["kind"] == "not-org").all()


def test_stages_of_different_buckets_run_at_the_same_time(detailed) -> None:
    """Org overviews (api) are committed while README units (resolvers) still are: one
    after the other, every `details` unit would come before the first `orgs` unit."""
    result, _ = detailed
    lines = (result.folder / "progress.jsonl").read_text(encoding="utf-8").splitlines()
    phases = [json.loads(line).get("phase") for line in lines]
    per_model = [p for p in phases if p in ("details", "orgs")]
    assert per_model.count("details") >= 2 and per_model.count("orgs") >= 2
    last_details = max(i for i, p in enumerate(per_model) if p == "details")
    first_orgs = per_model.index("orgs")
    assert first_orgs < last_details


def test_manifest_counts_every_request(detailed, store: ReplayStore) -> None:
    result, stats = detailed
    requests = result.manifest["requests"]
    assert requests["resolve"] == stats["resolve"] == len(store)
    assert requests["model_info"] == stats["model_info"]
    assert requests["models_list"] == stats["models_list"] == 1
    assert requests["org_overview"] == stats["org_overview"]
    assert set(result.manifest["tables"]) >= {"models", "files", "cards", "security", "orgs"}
    assert read_table(result.folder, "errors").empty


def test_incremental_crawl_refetches_only_changed_models(
    tmp_path: Path, detailed, store: ReplayStore
) -> None:
    first, _ = detailed
    # Synthetic evolution of real records: 5% of shas change, 5 models are deleted.
    records = store.models
    changed = {r["id"] for r in records[10 : 10 + len(records) // 20] if r.get("sha")}
    deleted = {r["id"] for r in records[-5:]} - changed
    evolved = [
        {**r, "sha": "f" * 40} if r["id"] in changed else r
        for r in records
        if r["id"] not in deleted
    ]
    readmes = {r["id"]: store.readme(r["id"]) for r in evolved if store.readme(r["id"])}
    with ReplayHub(ReplayStore(evolved, readmes=readmes, recorded_at="2024-07")) as hub:
        config = crawl_config(
            tmp_path,
            "crawl.details=[cards, security]",
            "crawl.orgs=true",
            f"crawl.since={first.folder}",
        )
        second = crawl(config, hub.url)
        stats = hub.stats()
    # Records kept from the listing have no sha: their changes are invisible, so they are
    # fetched again every time.
    no_sha = {r["id"] for r in evolved if not r.get("sha")}
    assert len(no_sha) > 0
    assert stats["resolve"] == stats["model_info"] == len(changed) + len(no_sha)
    assert stats["org_overview"] == 0  # every author was known
    changes = read_table(second.folder, "changes")
    assert set(changes.loc[changes["change"] == "changed", "model_id"]) == changed
    assert set(changes.loc[changes["change"] == "deleted", "model_id"]) == deleted
    cards = read_table(second.folder, "cards")
    assert set(cards["model_id"]) == {r["id"] for r in evolved}
    carried = payload(second.folder, "cards")
    before = payload(first.folder, "cards")
    unchanged = before[~before["model_id"].isin(changed | deleted)]
    assert set(changes.loc[changes["change"] == "no-sha", "model_id"]) == no_sha
    refetched = changed | no_sha
    pd.testing.assert_frame_equal(
        carried[~carried["model_id"].isin(refetched)].reset_index(drop=True),
        unchanged[~unchanged["model_id"].isin(refetched)].reset_index(drop=True),
    )


def test_the_token_is_never_written(
    tmp_path: Path, store: ReplayStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "hf_SecretTokenThatMustNeverBeWritten123"
    monkeypatch.setenv("HF_TOKEN", token)
    # Gated models make the resolver answer errors whose messages end up in the snapshot.
    gated = store.with_overrides({store.models[0]["id"]: {"gated": "manual"}})
    with ReplayHub(gated, knobs=ReplayKnobs(require_token=True)) as hub:
        result = crawl(crawl_config(tmp_path, "crawl.details=[cards]", "crawl.orgs=true"), hub.url)
    files = [p for p in result.folder.rglob("*") if p.is_file()]
    assert len(files) >= 10
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".gz":
            import gzip

            data = gzip.decompress(data)
        assert token.encode() not in data, path
    cards = read_table(result.folder, "cards").set_index("model_id")
    assert cards.loc[store.models[0]["id"], "readme_status"] == "gated"


def test_commit_signatures_of_a_stratified_sample(
    tmp_path: Path, store: ReplayStore, sample_dir: Path
) -> None:
    from tests.crawl.git_repos import Commit, GitHttpServer, make_repo, ssh_signing_key

    # Synthetic git histories under real model ids: the recordings hold no git data.
    key = ssh_signing_key(tmp_path / "keys")
    repos = tmp_path / "repos"
    signed_ids = set()
    for index, record in enumerate(store.models):
        signed = index % 7 == 0
        commits = [
            Commit("initial commit", 1_600_000_000),
            Commit("weights", 1_650_000_000, signed),
        ]
        make_repo(repos, record["id"], commits, key=key)
        if signed:
            signed_ids.add(record["id"])
    with ReplayHub(store) as hub, GitHttpServer(repos) as git:
        config = crawl_config(
            tmp_path,
            "crawl.commits=sample",
            "crawl.commits_per_stratum=5",
            "crawl.detail_batch=16",
            f"crawl.git_endpoint={git.url}",
        )
        result = crawl(config, hub.url)
    commits = read_table(result.folder, "commits").set_index("model_id")
    # 5 per decile, 50 in all: a stratified sample of about that size (n_h rounded)
    assert 45 <= len(commits) <= 55 and commits["sample_stratum"].nunique() >= 10
    assert commits["inclusion_probability"].between(0, 1, inclusive="right").all()
    assert result.manifest["sampling"]["commits"]["units"] == len(commits)
    assert (commits["n_commits"] == 2).all()
    expected_signed = commits.index.isin(signed_ids).astype(int)
    assert (commits["n_signed"].to_numpy() == expected_signed).all()
    assert read_table(result.folder, "errors").empty
    assert result.manifest["requests"]["git_clone"] == len(commits)


def test_an_incremental_crawl_fetches_what_its_base_lacks(tmp_path: Path, store) -> None:
    with ReplayHub(store) as hub:
        base = crawl(crawl_config(tmp_path / "a"), hub.url)  # listing only: no cards
        hub.reset_stats()
        config = crawl_config(tmp_path / "b", "crawl.details=[cards]", f"crawl.since={base.folder}")
        second = crawl(config, hub.url)
        stats = hub.stats()
    assert stats["resolve"] == len(store)
    changes = read_table(second.folder, "changes")
    no_sha = {r["id"] for r in store.models if not r.get("sha")}
    assert set(changes.loc[changes["change"] == "retry", "model_id"]) == (
        {r["id"] for r in store.models} - no_sha
    )
    assert len(read_table(second.folder, "cards")) == len(store)
