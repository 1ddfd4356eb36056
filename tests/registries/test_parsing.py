"""Pure parts of `pipeline.registries.downloads`: parsing the documented answer shapes (from
the SYNTHETIC fixtures), request planning, and the paper's package lists."""

from __future__ import annotations

import json

import pytest

from pipeline.analyze.population import DATA_DIR
from pipeline.registries.downloads import (
    NPM_BULK_MAX,
    npm_requests,
    paper_npm_packages,
    paper_pypi_packages,
    parse_npm_point,
    parse_pypistats_recent,
    pypistats_url,
    read_name_file,
    read_npm_list,
)
from tests.registries.conftest import synthetic


def test_npm_bulk_answer_is_keyed_by_name_with_null_for_unknown() -> None:
    counts = parse_npm_point(json.loads(synthetic("npm_point_bulk")))  # SYNTHETIC fixture
    assert counts == {
        "debug": 1234567890,
        "chalk": 987654321,
        "tslib": 555000111,
        "synthetic-unknown-package": None,
    }


def test_npm_single_and_error_answers() -> None:
    single = json.loads(synthetic("npm_point_single_scoped"))  # SYNTHETIC fixture
    assert parse_npm_point(single) == {"@slack/client": 4242424}
    assert parse_npm_point(json.loads(synthetic("npm_point_not_found"))) == {}
    assert parse_npm_point(json.loads(synthetic("npm_scoped_in_bulk_error"))) == {}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"a": {"downloads": True}}, {"a": None}),  # a bool is not a count
        ({"a": {"downloads": -1}}, {"a": None}),
        ({"a": {"downloads": "12"}}, {"a": None}),
        ({"a": {"downloads": 12.0}}, {"a": 12}),
        ({"a": {"start": "2025-01-01"}}, {"a": None}),
        ({"a": 5}, {"a": None}),
        ({}, {}),
        # a package literally named "downloads" or "error" in a bulk answer is still bulk
        (
            {"downloads": {"downloads": 3, "package": "downloads"}, "error": None},
            {"downloads": 3, "error": None},
        ),
    ],
)
def test_npm_odd_values(payload: dict, expected: dict) -> None:
    assert parse_npm_point(payload) == expected


def test_npm_malformed_answers_raise() -> None:
    with pytest.raises(ValueError, match="list"):
        parse_npm_point([{"downloads": 1}])
    with pytest.raises(ValueError, match="no package name"):
        parse_npm_point({"downloads": 1, "start": "2025-01-01"})


def test_pypistats_recent() -> None:
    payload = json.loads(synthetic("pypistats_recent_boto3"))  # SYNTHETIC fixture
    assert parse_pypistats_recent(payload) == 333222111
    assert parse_pypistats_recent({"data": {"last_day": 1}}) is None
    assert parse_pypistats_recent({"data": {"last_month": None}}) is None
    assert parse_pypistats_recent({"message": "Not Found"}) is None
    with pytest.raises(ValueError, match="list"):
        parse_pypistats_recent([])


def test_npm_requests_bulk_limit_and_scoped_alone() -> None:
    unscoped = [f"pkg-{i}" for i in range(300)]
    names = ["@scope/a", *unscoped, "pkg-5", "@scope/b"]  # a duplicate, scoped at both ends
    plan = npm_requests(names, "http://registry.test/")
    bulk = [chunk for url, chunk in plan if "," in url]
    assert [len(c) for c in bulk] == [NPM_BULK_MAX, NPM_BULK_MAX, 300 - 2 * NPM_BULK_MAX]
    assert [n for c in bulk for n in c] == unscoped  # order kept, duplicate dropped
    singles = [(url, chunk) for url, chunk in plan if "," not in url]
    assert singles == [
        ("http://registry.test/downloads/point/last-month/@scope/a", ["@scope/a"]),
        ("http://registry.test/downloads/point/last-month/@scope/b", ["@scope/b"]),
    ]
    assert all(not ("," in url and "@" in url) for url, _ in plan)
    assert plan[0][0].startswith("http://registry.test/downloads/point/last-month/pkg-0,pkg-1,")


def test_pypistats_url_uses_the_normal_name() -> None:
    assert pypistats_url("Typing_Extensions", "https://pypistats.org/") == (
        "https://pypistats.org/api/packages/typing-extensions/recent"
    )


def test_paper_pypi_list_is_its_top_20() -> None:
    listing = paper_pypi_packages()
    assert len(listing.names) == 20 and listing.names[:3] == ("boto3", "urllib3", "botocore")
    assert "top 20 only" in listing.source


def test_paper_npm_list_falls_back_to_top_20(tmp_path) -> None:
    name = "top20npm_downloads.csv"
    (tmp_path / name).write_bytes((DATA_DIR / name).read_bytes())
    listing = paper_npm_packages(tmp_path, artifact_dir=tmp_path)  # no npm_list.csv there
    assert len(listing.names) == 20 and listing.names[0] == "debug"
    assert "top 20 only" in listing.source


def test_npm_list_read_from_data_dir_first(tmp_path) -> None:
    for name in ("top20npm_downloads.csv",):
        (tmp_path / name).write_bytes((DATA_DIR / name).read_bytes())
    blank = [""] * 19
    rows = [
        [*blank, "small", "npm", "1,000", "npm"],
        [*blank, "big", "npm", "900000000", "npm"],
        [*blank, "big", "npm", "900000000", "npm"],  # duplicated in the artifact too
        [*blank[:15], "5", "pypi", "7", "huggingface", "", "", "", ""],
    ]
    (tmp_path / "npm_list.csv").write_text("\n".join(",".join(r) for r in rows) + "\n")
    assert read_npm_list(tmp_path / "npm_list.csv") == ["big", "small"]
    listing = paper_npm_packages(tmp_path, artifact_dir=None)
    assert listing.names[:2] == ("big", "small") and len(listing.names) == 22  # + top 20
    assert str(tmp_path / "npm_list.csv") in listing.source


def test_paper_npm_list_from_the_bundled_artifact() -> None:
    listing = paper_npm_packages(DATA_DIR)
    assert len(listing.names) == 133 and listing.names[:3] == ("semver", "chalk", "debug")
    assert not any(name.startswith("@") for name in listing.names)


def test_name_file(tmp_path) -> None:
    path = tmp_path / "names.txt"
    path.write_text("# top packages\nreact\n\n@types/node  # scoped\nreact\n")
    assert read_name_file(path) == ["react", "@types/node"]
