"""The `replay-hub` sub-command: flags, clear one-line errors, and serving the sample."""

from __future__ import annotations

import argparse
import gzip
import itertools
from pathlib import Path

import httpx2
import pytest

from pipeline.cli import replay as command
from pipeline.errors import HubError, PipelineError
from pipeline.paths import HUB_SAMPLE


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ptm")
    command.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["replay-hub", *argv])


def test_register_adds_replay_hub_with_defaults():
    args = _parse([])
    assert args.func is command.run
    assert (args.host, args.port, args.rate_limit, args.seed) == ("127.0.0.1", 0, None, 0)
    assert args.data == HUB_SAMPLE  # the bundled sample, wherever ptm is run from


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.org"])
def test_non_loopback_host_is_refused(host, sample_dir):
    args = _parse(["--host", host, "--data", str(sample_dir)])
    with pytest.raises(HubError, match=f"--host: host '{host}' is not a loopback address"):
        command.run(args, wait=lambda hub: None)


def test_bad_data_path_is_named(tmp_path):
    missing = tmp_path / "no-such-data"
    with pytest.raises(PipelineError, match=f"--data {missing}: .*does not exist"):
        command.run(_parse(["--data", str(missing)]), wait=lambda hub: None)


def test_bad_knob_is_named(sample_dir):
    args = _parse(["--data", str(sample_dir), "--error-5xx-rate", "2"])
    with pytest.raises(HubError, match="error_5xx_rate"):
        command.run(args, wait=lambda hub: None)


@pytest.fixture
def small_data(sample_dir: Path, tmp_path: Path) -> Path:
    """A data dir holding the first 20 real envelopes of the sample (kept small for speed)."""
    with gzip.open(sample_dir / "models.jsonl.gz", "rt", encoding="utf-8") as lines:
        head = list(itertools.islice(lines, 20))
    with gzip.open(tmp_path / "models.jsonl.gz", "wt", encoding="utf-8") as out:
        out.writelines(head)
    return tmp_path


def test_run_serves_the_data_and_prints_one_line(small_data, sample_records, capsys):
    args = _parse(["--data", str(small_data), "--rate-limit", "100", "--seed", "3"])
    seen = {}

    def probe(hub) -> None:
        response = httpx2.get(f"{hub.url}/api/models", params={"limit": 1})
        seen["id"] = response.json()[0]["id"]
        seen["ratelimit"] = response.headers["ratelimit"]
        seen["url"] = hub.url

    assert command.run(args, wait=probe) == 0
    assert seen["id"] == sample_records[0]["id"]
    assert seen["ratelimit"].startswith('"api";r=99;')
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [f"replay Hub serving 20 models at {seen['url']} (Ctrl-C to stop)"]
    with pytest.raises(httpx2.ConnectError):  # stopped after `wait` returned
        httpx2.get(f"{seen['url']}/api/models", timeout=1)
