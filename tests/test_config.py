"""Configuration: defaults, overrides, and errors that name the bad key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipeline.config import LIVE_ENDPOINT, load_config
from pipeline.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_configs_are_valid() -> None:
    default = load_config(ROOT / "configs/default.yaml")
    assert default["hub"]["endpoint"] == "replay"
    hub = load_config(ROOT / "configs/hub.yaml")
    assert hub["hub"]["endpoint"] is None


def test_endpoint_falls_back_to_hf_endpoint_then_live_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(ROOT / "configs/hub.yaml")
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert config.endpoint() == LIVE_ENDPOINT
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9/")
    assert config.endpoint() == "http://127.0.0.1:9"


def test_override_sets_one_key_and_changes_the_hash() -> None:
    base = load_config(None)
    changed = load_config(None, ["crawl.page_size=10", "dask.scheduler=tcp://127.0.0.1:8786"])
    assert changed["crawl"]["page_size"] == 10
    assert changed["dask"]["scheduler"] == "tcp://127.0.0.1:8786"
    assert base.config_hash != changed.config_hash


@pytest.mark.parametrize(
    ("yaml_text", "overrides", "named"),
    [
        ("crawl:\n  pag_size: 10\n", [], "crawl.pag_size"),
        ("crawler:\n  page_size: 10\n", [], "crawler"),
        ("crawl:\n  page_size: ten\n", [], "crawl.page_size"),
        ("crawl:\n  page_size: 5000\n", [], "crawl.page_size"),
        ("crawl:\n  keep_raw: 1\n", [], "crawl.keep_raw"),
        ("dask:\n  scheduler: localhost\n", [], "dask.scheduler"),
        ("crawl: [1, 2]\n", [], "crawl"),
        ("- just\n- a list\n", [], "mapping"),
        ("crawl:\n  page_size: [\n", [], "not valid YAML"),
        ("", ["crawl.expand=notalist"], "crawl.expand"),
        ("", ["page_size=3"], "section.key=value"),
    ],
)
def test_bad_configuration_names_the_key(
    tmp_path: Path, yaml_text: str, overrides: list[str], named: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError, match=named.replace(".", r"\.").replace("[", r"\[")):
        load_config(path, overrides)


def test_a_bare_off_is_the_string_off() -> None:
    assert load_config(None, ["crawl.commits=off"])["crawl"]["commits"] == "off"


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_sections_are_typed_dataclasses() -> None:
    config = load_config(None, ["crawl.page_size=10"])
    assert config.crawl.page_size == 10 == config["crawl"]["page_size"]
    assert config.paths.results == "results" and config.replay.latency_ms == 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.crawl.page_size = 3  # type: ignore[misc]


def test_unknown_key_names_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("dask:\n  worker: 3\n")
    with pytest.raises(ConfigError, match=r"unknown key dask\.worker \(known: scheduler, workers"):
        load_config(path)
