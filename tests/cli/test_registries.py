"""`ptm fetch-downloads` end to end over real HTTP (local server, SYNTHETIC fixtures): the
CSV, the one-line error when offline, atomic writes, and Figure 1 picking the series up."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from pipeline.analyze.figure1 import (
    REGISTRY_COLUMNS,
    figure1_summary,
    figure1_table,
    read_paper_packages,
    read_registry_downloads,
)
from pipeline.cli.registries import fetch_downloads, package_lists
from pipeline.errors import PipelineError
from pipeline.registries.downloads import FetchPolicy, PackageList
from tests.registries.conftest import Reply, fake_npm_registry, synthetic
from tests.registries.test_client import free_port

COMMAND = "pipeline.cli.registries"
NPM_COUNTS = {"debug": 900, "chalk": 800, "@slack/client": 700}


def ptm(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    """`ptm ...` through the real CLI (with this command registered if cli.py lacks it)."""
    from pipeline import cli

    return cli.main(list(argv))


@pytest.fixture
def serving(registry_server):
    """The fake NPM registry and PyPI Stats (SYNTHETIC fixtures) on the local server."""
    registry_server.routes["/downloads/point/last-month/*"] = fake_npm_registry(NPM_COUNTS)
    for name in ("boto3", "requests"):
        registry_server.routes[f"/api/packages/{name}/recent"] = [
            Reply(200, synthetic(f"pypistats_recent_{name}"))
        ]
    return registry_server


@pytest.fixture
def name_files(tmp_path):
    npm = tmp_path / "npm.txt"
    npm.write_text("debug\n@slack/client\nchalk\nleft-pad-synthetic\n")
    pypi = tmp_path / "pypi.txt"
    pypi.write_text("boto3\nrequests\nunknown-synthetic\n")
    return npm, pypi


def test_cli_writes_the_tidy_csv(monkeypatch, capsys, tmp_path, serving, name_files) -> None:
    results = tmp_path / "results"
    code = ptm(
        monkeypatch,
        "fetch-downloads",
        "--results",
        str(results),
        "--npm-base",
        serving.base,
        "--pypi-base",
        serving.base + "/",
        "--npm-packages",
        str(name_files[0]),
        "--pypi-packages",
        str(name_files[1]),
        "--min-interval",
        "0",
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.splitlines() == [str(results / "registry_downloads.csv")]
    assert "npm: 3 of 4 packages with a count" in err and "pypi: 2 of 3" in err
    frame = pd.read_csv(results / "registry_downloads.csv")
    assert tuple(frame.columns) == REGISTRY_COLUMNS
    got = dict(zip(frame["package"], frame["downloads_last_month"], strict=True))
    assert got["debug"] == 900 and got["@slack/client"] == 700 and got["boto3"] == 333222111
    assert pd.isna(got["left-pad-synthetic"]) and pd.isna(got["unknown-synthetic"])
    stamps = pd.to_datetime(frame["fetched_at"], format="%Y-%m-%dT%H:%M:%SZ", utc=True)
    assert stamps.notna().all()
    assert frame["source_url"].str.startswith(serving.base + "/").all()
    assert not [p for p in results.iterdir() if p.name.startswith(".")]  # no temp files


def test_cli_limit(monkeypatch, capsys, tmp_path, serving, name_files) -> None:
    code = ptm(
        monkeypatch,
        "fetch-downloads",
        "--results",
        str(tmp_path),
        "--limit",
        "1",
        "--npm-base",
        serving.base,
        "--pypi-base",
        serving.base,
        "--npm-packages",
        str(name_files[0]),
        "--pypi-packages",
        str(name_files[1]),
        "--min-interval",
        "0",
    )
    assert code == 0
    frame = pd.read_csv(tmp_path / "registry_downloads.csv")
    assert frame["package"].tolist() == ["debug", "boto3"]


def test_default_lists_are_the_papers() -> None:
    npm, pypi = package_lists(limit=5)
    assert len(npm.names) == len(pypi.names) == 5 and pypi.names[0] == "boto3"
    assert "debug" in npm.names or "semver" in npm.names


def test_offline_is_one_line_naming_the_url(monkeypatch, capsys, tmp_path, name_files) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    (tmp_path / "registry_downloads.csv").write_text("old\n")
    base = f"http://127.0.0.1:{free_port()}"
    code = ptm(
        monkeypatch,
        "fetch-downloads",
        "--results",
        str(tmp_path),
        "--npm-base",
        base,
        "--pypi-base",
        base,
        "--npm-packages",
        str(name_files[0]),
        "--min-interval",
        "0",
    )
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(
        f"ptm fetch-downloads: error: {base}/downloads/point/last-month/debug,chalk,"
    )
    assert "cannot reach" in err and "offline?" in err
    assert (tmp_path / "registry_downloads.csv").read_text() == "old\n"  # nothing written


def test_a_failure_midway_leaves_the_old_csv(tmp_path, serving) -> None:
    serving.routes["/api/packages/boto3/recent"] = [Reply(500, b"down")]
    target = tmp_path / "registry_downloads.csv"
    target.write_text("old\n")
    with pytest.raises(PipelineError, match="HTTP 500 after 2 attempt"):
        fetch_downloads(
            tmp_path,
            npm_base=serving.base,
            pypi_base=serving.base,
            npm=PackageList("npm", ("debug",), "test"),
            pypi=PackageList("pypi", ("boto3",), "test"),
            policy=FetchPolicy(max_retries=1, backoff_base_s=0.01, min_interval_s=0),
            progress=False,
        )
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["registry_downloads.csv"]


def test_the_csv_is_replaced_atomically(monkeypatch, tmp_path, serving) -> None:
    target = tmp_path / "registry_downloads.csv"
    target.write_text("old\n")

    def crash(source, destination):  # the rename never happens
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        fetch_downloads(
            tmp_path,
            npm_base=serving.base,
            pypi_base=serving.base,
            npm=PackageList("npm", ("debug",), "test"),
            pypi=PackageList("pypi", (), "test"),
            policy=FetchPolicy(min_interval_s=0),
            progress=False,
        )
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["registry_downloads.csv"]


def test_figure1_picks_up_the_fetched_series(tmp_path, serving) -> None:
    """Analyze first (figure1.csv present), then fetch: the tables gain the two series and a
    second fetch replaces them; an analysis run later reads the CSV the same way."""
    paper = figure1_table(read_paper_packages())
    (tmp_path / "figure1.csv").write_text(paper.to_csv(index=False))
    lists = {
        "npm": PackageList("npm", ("debug", "chalk", "@slack/client", "nope"), "test"),
        "pypi": PackageList("pypi", ("boto3", "requests"), "test"),
    }
    kwargs = dict(
        npm_base=serving.base,
        pypi_base=serving.base,
        **lists,
        policy=FetchPolicy(min_interval_s=0),
        progress=False,
    )
    written = fetch_downloads(tmp_path, **kwargs)
    assert [p.name for p in written] == [
        "registry_downloads.csv",
        "figure1.csv",
        "figure1_summary.csv",
    ]
    fetch_downloads(tmp_path, **kwargs)  # again: replaced, not doubled
    table = pd.read_csv(tmp_path / "figure1.csv")
    fetched = pd.read_csv(tmp_path / "registry_downloads.csv")
    today = pd.to_datetime(fetched["fetched_at"], utc=True).max().strftime("%Y-%m-%d")
    npm = table[table["series"] == f"NPM (fetched {today})"]
    pypi = table[table["series"] == f"PyPI (fetched {today})"]
    assert npm["monthly_downloads"].tolist() == [900, 800, 700]
    assert pypi["monthly_downloads"].tolist() == [333222111, 222111000]
    assert set(npm["source"]) == {f"fetched from {serving.base.split('://')[1]}"}
    kept = table[~table["source"].str.startswith("fetched")].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, paper, check_dtype=False)  # paper rows unchanged
    summary = pd.read_csv(tmp_path / "figure1_summary.csv").set_index("series")
    assert summary.loc[f"NPM (fetched {today})", "total"] == 2400
    assert len(summary) == 5

    later = figure1_table(read_paper_packages(), fetched=read_registry_downloads(tmp_path))
    pd.testing.assert_frame_equal(
        figure1_summary(later), summary.reset_index(), check_dtype=False, check_like=True
    )

    from pipeline.plot.figure1 import plot_figure1

    figure = plot_figure1(table)
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    assert lines[f"NPM (fetched {today})"].get_linestyle() == "--"
    assert lines[f"NPM (fetched {today})"].get_color() == lines["NPM (paper, 2022)"].get_color()


def test_fetch_without_figure1_tables_writes_only_the_csv(tmp_path, serving) -> None:
    written = fetch_downloads(
        tmp_path,
        npm_base=serving.base,
        pypi_base=serving.base,
        npm=PackageList("npm", ("debug",), "test"),
        pypi=PackageList("pypi", ("boto3",), "t"),
        policy=FetchPolicy(min_interval_s=0),
        progress=False,
    )
    assert [p.name for p in written] == ["registry_downloads.csv"]
    assert not (tmp_path / "figure1.csv").exists()
