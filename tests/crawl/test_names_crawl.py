"""The names phase against the replay of the bundled real sample: what is asked, in what
order, under a cap, reused from an earlier snapshot, and each failure isolated."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.cli.crawl import crawl
from pipeline.config import resolve_cap
from pipeline.crawl.names import candidates
from pipeline.errors import ConfigError
from pipeline.snapshot.reader import read_table
from tests.crawl.helpers import crawl_config


@pytest.fixture(scope="module")
def names_crawl(tmp_path_factory, replay_hub):
    tmp = tmp_path_factory.mktemp("names")
    first = crawl(crawl_config(tmp, "crawl.resolve_names=all"), replay_hub.url)
    return tmp, first


def test_names_resolve_through_the_hubs_redirects(names_crawl):
    _, result = names_crawl
    names = read_table(result.folder, "names").set_index(["name", "kind"])
    squad = names.loc[("squad", "dataset")]
    assert (squad.resolved_id, squad.how, squad.evidence) == (
        "rajpurkar/squad",
        "redirect",
        "inferred",
    )
    base = names.loc[("distilbert-base-uncased", "model")]
    assert base.resolved_id == "distilbert/distilbert-base-uncased" and base.references > 1
    assert not names.index.get_level_values("name").isin(["imagefolder", "json", "csv"]).any()
    assert set(names["how"]) <= {"redirect", "found", "not-found", "error"}
    assert (names.loc[names["how"] == "not-found", "resolved_id"].isna()).all()
    assert result.manifest["tables"]["names"]["rows"] == len(names)
    assert (
        result.manifest["requests"]["dataset_info"]
        >= (names.index.get_level_values("kind") == "dataset").sum()
    )


def test_a_later_crawl_reuses_fresh_resolutions_and_honours_the_cap(names_crawl, replay_hub):
    tmp, first = names_crawl
    again = crawl(crawl_config(tmp, "crawl.resolve_names=top 3"), replay_hub.url)
    rows = read_table(again.folder, "names")
    assert len(rows) == len(read_table(first.folder, "names"))  # all reused, none asked
    assert "model_info" not in again.manifest["requests"]
    stale = crawl(
        crawl_config(tmp, "crawl.resolve_names=top 3", "crawl.names_max_age_days=0"),
        replay_hub.url,
    )
    asked = read_table(stale.folder, "names")
    assert len(asked) == 3  # nothing fresh enough: the three most-referenced names only
    order = candidates(read_table(stale.folder, "models", ["id", "base_models", "datasets"]), None)
    assert list(asked.sort_values("references", ascending=False)["name"]) == [
        c.name for c in order[:3]
    ]


def test_a_name_that_fails_costs_one_row(tmp_path, replay_hub):
    from pipeline.hub.replay.names import Rename
    from pipeline.hub.replay.server import ReplayHub

    sample_store = replay_hub.store
    loop = [
        Rename("model", "loop/a", "loop/b", "synthetic"),
        Rename("model", "loop/b", "loop/a", "synthetic"),
    ]
    store = sample_store.with_names(sample_store.names.with_renames(loop))
    first = store.models[0]
    store = store.with_overrides({first["id"]: {"tags": [*first["tags"], "base_model:loop/a"]}})
    with ReplayHub(store) as hub:
        result = crawl(crawl_config(tmp_path, "crawl.resolve_names=all"), hub.url)
    names = read_table(result.folder, "names").set_index("name")
    assert names.loc["loop/a", "how"] == "error"
    errors = read_table(result.folder, "errors")
    assert "redirect loop" in errors.loc[errors["model_id"] == "loop/a", "message"].iloc[0]
    assert (names["how"] == "error").sum() == 1  # the others resolved as before


@pytest.mark.parametrize(
    ("value", "cap"), [("off", 0), ("all", None), ("top 12", 12), (False, 0), (7, 7)]
)
def test_resolve_names_setting(tmp_path, value, cap):
    config = crawl_config(tmp_path, f"crawl.resolve_names={'off' if value is False else value}")
    assert resolve_cap(config.crawl.resolve_names) == cap


@pytest.mark.parametrize("value", ["top", "top 0", "some", "top -1"])
def test_bad_resolve_names_is_refused_naming_the_key(tmp_path, value):
    with pytest.raises(ConfigError, match=r"crawl\.resolve_names"):
        crawl_config(tmp_path, f"crawl.resolve_names={value}")


def test_candidates_skip_listed_ids_builders_and_non_ids():
    """SYNTHETIC rows: priority by references, builders and free text never asked."""
    models = pd.DataFrame(
        {
            "id": ["a/x", "b/y", "c/z"],
            "base_models": [["gpt2"], ["gpt2", "a/x"], None],
            "datasets": [["squad", "imagefolder"], ["squad", "my data!"], ["org/named"]],
        }
    )
    found = [(c.name, c.kind, c.references) for c in candidates(models, ["a/x", "old/id"])]
    assert found == [("squad", "dataset", 2), ("gpt2", "model", 2), ("old/id", "model", 0)]
