"""The fuzz battery, end to end: hostile records served by a replay Hub over real HTTP.

Invariant, for every mutation: the crawl completes and writes its manifest; every listed
model is in `models` or in `errors` (one row either way); nothing is written outside the
snapshot store; and through the CLI, no traceback reaches the user. Mutated values are
SYNTHETIC, planted in real recorded records and READMEs (`tests/crawl/hostile.py`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client, LocalCluster
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.analyze.run import unusable_value_rows
from pipeline.analyze.source import open_snapshot
from pipeline.cli.analyze import analyze_snapshot
from pipeline.cli.claims import claims_for_snapshot
from pipeline.cli.measure import analyze_plot_report
from pipeline.crawl.run import Crawl
from pipeline.hub.replay.server import ReplayHub
from pipeline.hub.replay.store import ReplayStore
from pipeline.snapshot.reader import read_table
from tests.conftest import ROOT
from tests.crawl.helpers import crawl_config
from tests.crawl.hostile import (
    RawJson,
    encode_record,
    front_matter_lines,
    hostile_readme,
    hostile_values,
    nested,
    readme_wrappers,
    record_fields,
    wrap_readme,
)

N_RECORDS = 40
DETAILS = ("crawl.details=[cards, security]", "crawl.orgs=true", "crawl.keep_card_body=true")


@pytest.fixture(scope="module")
def base(sample_dir: Path) -> ReplayStore:
    """The first real records of the sample plus every model with a recorded README."""
    full = ReplayStore.load(sample_dir)
    keep = [r for i, r in enumerate(full.models) if i < N_RECORDS or full.readme(r["id"])]
    readmes = {r["id"]: full.readme(r["id"]) for r in keep if full.readme(r["id"])}
    return ReplayStore.from_records(keep, readmes=readmes)


@pytest.fixture(scope="module")
def dask() -> Iterator[Client]:
    with (
        LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client


def hostile_store(
    base: ReplayStore,
    records: dict[int, list[tuple[str, object]]],
    readmes: dict[str, bytes],
    orgs: list[dict] | None = None,
) -> ReplayStore:
    """`base` with record `i` served as its mutated JSON bytes and READMEs replaced."""
    models = base.models
    verbatim = {}
    for index, changes in records.items():
        record = models[index]
        body = json.dumps(record).encode()
        for field, value in changes:
            body = encode_record(json.loads(body_as_dict(body, record)), field, value)
        verbatim[record["id"]] = body
    served = {r["id"]: base.readme(r["id"]) for r in models if base.readme(r["id"])}
    return ReplayStore.from_records(
        models, readmes={**served, **readmes}, orgs=orgs, verbatim=verbatim
    )


def body_as_dict(body: bytes, record: dict) -> str:
    """The record to mutate next: the previous mutation's JSON when it still decodes."""
    try:
        return json.dumps(json.loads(body))
    except (ValueError, RecursionError):
        return json.dumps(record)


def crawl_hostile(store: ReplayStore, dask: Client, root: Path) -> Path:
    """Crawl `store` with cards, security and orgs into `root/store`; the snapshot folder."""
    work = root / "work"
    work.mkdir()
    cwd = os.getcwd()
    os.chdir(work)  # anything written relative to the working directory shows up here
    try:
        with ReplayHub(store) as hub:
            config = crawl_config(root / "store", *DETAILS)
            result = Crawl(config, hub.url, dask).run()
    finally:
        os.chdir(cwd)
    assert list(work.iterdir()) == [], "the crawl wrote outside its snapshot store"
    assert {p.name for p in root.iterdir()} == {"store", "work"}
    assert (result.folder / "manifest.json").exists()
    return result.folder


def assert_every_model_accounted_for(folder: Path, store: ReplayStore) -> pd.DataFrame:
    """Each listed model is in `models` or has a listing error; returns the errors table."""
    models = read_table(folder, "models", ["id"])
    errors = read_table(folder, "errors")
    listing_errors = errors[errors["stage"].isin(["parse", "listing"])]
    assert models["id"].is_unique
    assert len(models) + len(listing_errors) == len(store)
    assert set(models["id"]) | set(listing_errors["model_id"]) == {r["id"] for r in store.models}
    cards = read_table(folder, "cards", ["model_id", "readme_status"])
    assert set(cards["model_id"]) == set(models["id"])
    failed = set(cards.loc[cards["readme_status"] == "error", "model_id"])
    assert failed <= set(errors.loc[errors["stage"] == "cards", "model_id"])
    return errors


def test_the_named_cases_end_to_end(base: ReplayStore, dask: Client, tmp_path: Path) -> None:
    """The cases that aborted whole crawls before, each now one model's error or null."""
    ids = [r["id"] for r in base.models]
    with_readme = [i for i in ids if base.readme(i)]
    records = {
        0: [("downloads", 10**30)],
        1: [("likes", RawJson(b"9" * 5000))],
        2: [("downloadsAllTime", -(10**25))],
        3: [("cardData", RawJson(nested(900)))],
        4: [("cardData", RawJson(nested(5000)))],
        5: [("author", RawJson(b'"evil\\ud800"')), ("trendingScore", RawJson(b"NaN"))],
    }
    readme = {i: base.readme(i) for i in with_readme}
    readmes = {
        with_readme[0]: hostile_readme(readme[with_readme[0]], b"created: 2024-13-45"),
        with_readme[1]: hostile_readme(readme[with_readme[1]], b"n: " + b"9" * 5000),
        with_readme[2]: hostile_readme(readme[with_readme[2]], b"x: " + b"[" * 5000 + b"]" * 5000),
        with_readme[3]: wrap_readme(readme[with_readme[3]], "huge"),
        with_readme[4]: wrap_readme(readme[with_readme[4]], "utf16"),
        with_readme[5]: readme[with_readme[5]] + b"\n\xff\xfe\xfd not UTF-8\n",
    }
    author = base.models[10]["author"]
    store = hostile_store(base, records, readmes, orgs=[{"name": author, "numModels": 10**30}])
    folder = crawl_hostile(store, dask, tmp_path)
    errors = assert_every_model_accounted_for(folder, store)

    models = read_table(folder, "models").set_index("id")
    assert pd.isna(models.loc[ids[0], "downloads"])
    assert list(models.loc[ids[0], "invalid_fields"]) == ["downloads"]
    assert json.loads(models.loc[ids[0], "extra_json"])["downloads"] == 10**30
    assert json.loads(models.loc[ids[1], "extra_json"])["likes"] == "9" * 5000
    for model_id, levels in ((ids[3], "901 levels"), (ids[4], "5001 levels")):
        refused = errors[errors["model_id"] == model_id]  # over the 128-level JSON limit
        assert len(refused) == 1 and levels in refused["message"].iloc[0]
        assert model_id not in models.index
    assert models.loc[ids[5], "author"] == "evil\ufffd"

    cards = read_table(folder, "cards").set_index("model_id")
    for model_id in with_readme[:3]:
        assert cards.loc[model_id, "readme_status"] == "ok"
    assert cards.loc[with_readme[0], "front_matter_valid"]  # the date is kept as text
    assert cards.loc[with_readme[1], "front_matter_valid"]  # the integer is kept as text
    assert not cards.loc[with_readme[2], "front_matter_valid"]
    assert "nested more than" in cards.loc[with_readme[2], "front_matter_error"]
    assert cards.loc[with_readme[3], "body_truncated"]
    assert cards.loc[with_readme[3], "length"] > 3_000_000
    assert cards.loc[with_readme[4], "front_matter_valid"]  # UTF-16 read as such
    assert "\ufffd" in cards.loc[with_readme[5], "body"]

    orgs = read_table(folder, "orgs").set_index("name")
    assert orgs.loc[author, "kind"] == "org" and pd.isna(orgs.loc[author, "num_models"])

    quality = unusable_value_rows(open_snapshot(folder)).set_index("field")["models_missing"]
    assert quality["downloads (unusable value)"] == 1
    assert quality["likes (unusable value)"] == 1
    assert quality["trendingScore (unusable value)"] == 1
    assert quality["README (over the size limit)"] == 1

    # The offline stages read the same snapshot to the end: tables, figures, claims, report.
    written = analyze_plot_report(folder, tmp_path / "results")
    assert (tmp_path / "results" / "report.html") in written
    reported = pd.read_csv(tmp_path / "results" / "data_quality.csv").set_index("field")
    assert reported.loc["downloads (unusable value)", "models_missing"] == 1


record_mutations = st.dictionaries(
    st.integers(min_value=0, max_value=N_RECORDS - 1),
    st.lists(st.tuples(record_fields, hostile_values), min_size=1, max_size=3),
    min_size=1,
    max_size=8,
)
readme_mutations = st.lists(
    st.tuples(st.integers(min_value=0, max_value=14), front_matter_lines, readme_wrappers),
    max_size=5,
)


@given(record_mutations, readme_mutations)
@settings(
    derandomize=True,
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_fuzzed_crawls_keep_the_invariant(base: ReplayStore, dask: Client, records, readmes):
    with_readme = [r["id"] for r in base.models if base.readme(r["id"])]
    replaced = {
        with_readme[i]: wrap_readme(hostile_readme(base.readme(with_readme[i]), line), how)
        for i, line, how in readmes
    }
    store = hostile_store(base, records, replaced)
    with tempfile.TemporaryDirectory() as tmp:
        folder = crawl_hostile(store, dask, Path(tmp))
        assert_every_model_accounted_for(folder, store)
        assert analyze_snapshot(folder, Path(tmp) / "results")
        claims = claims_for_snapshot(folder, Path(tmp) / "results")
        assert any(path.name == "claims.csv" for path in claims)


def test_no_traceback_reaches_the_user(base: ReplayStore, tmp_path: Path) -> None:
    """`ptm crawl` on hostile data: exit 0, a snapshot, and no traceback on stderr."""
    with_readme = [r["id"] for r in base.models if base.readme(r["id"])]
    records = {0: [("downloads", 10**30)], 1: [("cardData", RawJson(nested(5000)))]}
    readmes = {
        with_readme[0]: hostile_readme(base.readme(with_readme[0]), b"d: 2024-13-45"),
        with_readme[1]: hostile_readme(base.readme(with_readme[1]), b"x: " + b"[" * 9000),
    }
    store = hostile_store(base, records, readmes)
    with ReplayHub(store) as hub:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline.cli",
                "crawl",
                "--config",
                str(ROOT / "configs" / "hub.yaml"),
                "--set",
                f"hub.endpoint={hub.url}",
                "--set",
                f"paths.snapshots={tmp_path / 'store'}",
                "--set",
                "crawl.details=[cards]",
                "--set",
                "crawl.orgs=false",
                "--set",
                "crawl.commits=off",
                "--set",
                "crawl.progress=false",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    snapshots = list((tmp_path / "store").iterdir())
    assert len(snapshots) == 1 and (snapshots[0] / "manifest.json").exists()
