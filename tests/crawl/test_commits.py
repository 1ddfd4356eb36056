"""Signed-commit counts from real git repos served over file:// and smart HTTP (no network)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipeline.crawl import commits
from pipeline.crawl.commits import (
    CommitHeader,
    GitFetchError,
    commits_rows,
    git_url,
    parse_commit_headers,
    partial_clone,
    signature_counts,
    stratified_sample,
)
from pipeline.snapshot.schema import COMMITS, ERRORS
from tests.crawl.git_repos import (
    Commit,
    GitHttpServer,
    git,
    make_repo,
    object_types,
    ssh_signing_key,
)

T0 = 1_600_000_000  # 2020-09-13T12:26:40Z
DAY = 86_400
TOKEN = "hf_FAKEtoken0123456789secret"
PROVENANCE = {
    "snapshot_id": "2024-07-11T000000Z",
    "fetched_at": datetime(2024, 7, 11, tzinfo=UTC),
    "crawler_version": "test",
    "origin": "test",
}


def utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


# model id -> (commits, signed, first, last) over all branches
EXPECTED = {
    "alice/signed": (3, 3, utc(T0), utc(T0 + 2 * DAY)),
    "bob/unsigned": (2, 0, utc(T0 - DAY), utc(T0 + 5)),
    "carol/mixed": (4, 2, utc(T0 + 10), utc(T0 + 40)),
    "solo-model": (1, 0, utc(T0), utc(T0)),
    "empty/repo": (0, 0, None, None),
}


@pytest.fixture(scope="module")
def hub_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Repos laid out like the Hub (`namespace/name`), each adding files (blobs) per commit."""
    base = tmp_path_factory.mktemp("hub")
    key = ssh_signing_key(base / "keys")
    root = base / "repos"
    signed = [Commit(f"signed {i}", T0 + i * DAY, signed=True, tz="+0530") for i in range(3)]
    make_repo(root, "alice/signed", signed, key=key)
    message = "second\n\ngpgsig -----BEGIN PGP SIGNATURE-----\n(only text in a message)"
    unsigned = [Commit("first", T0 - DAY, tz="-0800"), Commit(message, T0 + 5)]
    make_repo(root, "bob/unsigned", unsigned)
    mixed = [
        Commit("one", T0 + 10),
        Commit("two", T0 + 20, signed=True),
        Commit("three", T0 + 30),
        Commit("on a side branch", T0 + 40, signed=True, branch="dev"),
    ]
    make_repo(root, "carol/mixed", mixed, key=key)
    make_repo(root, "solo-model", [Commit("only", T0)])
    make_repo(root, "empty/repo", [])
    make_repo(root, "plain/nofilter", [Commit("only", T0)], allow_filter=False)
    return root


@pytest.fixture(scope="module")
def http_hub(hub_root: Path) -> Iterator[GitHttpServer]:
    with GitHttpServer(hub_root) as server:
        yield server


@pytest.fixture(params=["file", "http"])
def endpoint(request: pytest.FixtureRequest, hub_root: Path) -> str:
    """The same repos as `file://` URLs and over smart HTTP on 127.0.0.1."""
    if request.param == "file":
        return hub_root.as_uri()
    return request.getfixturevalue("http_hub").url


@pytest.fixture
def git_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every git argv the module runs (the calls still happen)."""
    calls: list[list[str]] = []
    real = commits._run_git

    def spy(args: list[str], **kwargs):
        calls.append(list(args))
        return real(args, **kwargs)

    monkeypatch.setattr(commits, "_run_git", spy)
    return calls


# -- real git -----------------------------------------------------------------------------


@pytest.mark.parametrize("model_id", sorted(EXPECTED))
def test_counts_and_dates(endpoint: str, model_id: str, tmp_path: Path) -> None:
    summary = signature_counts(git_url(endpoint, model_id), workdir=tmp_path, timeout_s=30)
    n, signed, first, last = EXPECTED[model_id]
    assert (summary.n_commits, summary.n_signed) == (n, signed)
    assert (summary.first_commit_at, summary.last_commit_at) == (first, last)
    assert list(tmp_path.iterdir()) == []  # the private clone dir is gone


def test_default_branch_only(endpoint: str) -> None:
    summary = signature_counts(git_url(endpoint, "carol/mixed"), all_branches=False)
    assert (summary.n_commits, summary.n_signed) == (3, 1)
    assert summary.last_commit_at == utc(T0 + 30)


def test_clone_holds_commits_only(endpoint: str, hub_root: Path, tmp_path: Path) -> None:
    source_types = set(object_types(hub_root / "carol/mixed/.git"))
    assert {"blob", "tree", "commit"} <= source_types  # the server does have file contents
    dest = tmp_path / "clone.git"
    partial_clone(git_url(endpoint, "carol/mixed"), dest, timeout_s=30)
    assert sorted(object_types(dest)) == ["commit"] * 4  # no blobs, no trees
    assert not (dest / "hooks").exists()
    assert git("--git-dir", str(dest), "config", "core.bare", cwd=tmp_path).strip() == "true"
    assert git("--git-dir", str(dest), "branch", "--list", cwd=tmp_path).split() == [
        "dev",
        "*",
        "main",
    ]


def test_reading_never_fetches_missing_objects(hub_root: Path, tmp_path: Path) -> None:
    """The clone is a promisor: plain git would lazily fetch trees; the hardened reader can't."""
    dest = tmp_path / "clone.git"
    partial_clone(git_url(hub_root.as_uri(), "alice/signed"), dest, timeout_s=30)
    tree = git("--git-dir", str(dest), "cat-file", "commit", "main", cwd=tmp_path).split()[1]
    args = [*commits.HARDENING, f"--git-dir={dest}", "cat-file", "-t", tree]
    assert commits._run_git(args, env=commits._git_env(None), timeout_s=10).returncode != 0
    assert set(object_types(dest)) == {"commit"}
    assert git("--git-dir", str(dest), "cat-file", "-t", tree, cwd=tmp_path).strip() == "tree"


def test_user_git_config_and_environment_are_ignored(
    endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL rewrite in ~/.gitconfig or GIT_CONFIG_PARAMETERS must not redirect the clone."""
    rewrite = f'[url "file:///nowhere/"]\n\tinsteadOf = {endpoint}/\n'
    (tmp_path / ".gitconfig").write_text(rewrite)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'url.file:///nowhere/.insteadof'='{endpoint}/'")
    assert signature_counts(git_url(endpoint, "alice/signed")).n_signed == 3


def test_server_without_partial_clone_is_refused(endpoint: str) -> None:
    with pytest.raises(GitFetchError) as caught:
        signature_counts(git_url(endpoint, "plain/nofilter"))
    assert caught.value.code == "filter-ignored"


def test_rows_and_error_rows(endpoint: str, tmp_path: Path) -> None:
    ids = ["alice/signed", "nobody/missing", "../x", "carol/mixed", "alice/signed"]
    strata = {"alice/signed": "downloads:10/10", "carol/mixed": "downloads:01/10"}
    rows, errors = commits_rows(
        ids, endpoint, PROVENANCE, strata=strata, timeout_s=30, max_workers=3, workdir=tmp_path
    )
    assert [(r["model_id"], r["n_commits"], r["n_signed"], r["sample_stratum"]) for r in rows] == [
        ("alice/signed", 3, 3, "downloads:10/10"),
        ("carol/mixed", 4, 2, "downloads:01/10"),
    ]
    assert [(e["model_id"], e["error_code"], e["stage"]) for e in errors] == [
        ("nobody/missing", "not-found", "commits"),
        ("../x", "invalid-id", "commits"),
    ]
    missing = errors[0]
    assert missing["url"] == f"{endpoint}/nobody/missing"
    assert missing["message"].startswith(f"git clone of {endpoint}/nobody/missing failed")
    assert "\n" not in missing["message"] and "Traceback" not in missing["message"]
    assert missing["http_status"] == (404 if endpoint.startswith("http") else None)
    assert errors[1]["attempts"] == 0 and errors[1]["url"] is None
    assert pa.Table.from_pylist(rows, schema=COMMITS).num_rows == 2
    assert pa.Table.from_pylist(errors, schema=ERRORS).num_rows == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "bad_id",
    [
        "../x",
        "a/b/c",
        "-oProxyCommand=x",
        "a/..",
        "a..b",
        "x/-y",
        ".hidden/x",
        "a b",
        "a\nb",
        "abc\n",
        "",
        "/x",
    ],
)
def test_bad_ids_never_reach_git(bad_id: str, git_calls: list[list[str]]) -> None:
    with pytest.raises(GitFetchError) as caught:
        git_url("https://huggingface.co", bad_id)
    assert caught.value.code == "invalid-id"
    rows, errors = commits_rows([bad_id], "https://huggingface.co", PROVENANCE)
    assert rows == [] and [e["error_code"] for e in errors] == ["invalid-id"]
    assert git_calls == []


@pytest.mark.parametrize(
    "url",
    [
        "ssh://host/x",
        "ext::sh -c id",
        "-u/x",
        "https://user:pw@host/x",
        "https://h/x?a=1",
        "http://[::1/x",
        "x",
    ],
)
def test_bad_urls_never_reach_git(url: str, git_calls: list[list[str]], tmp_path: Path) -> None:
    with pytest.raises(GitFetchError) as caught:
        signature_counts(url, workdir=tmp_path)
    assert caught.value.code == "invalid-url"
    assert "pw" not in str(caught.value)
    assert git_calls == []


def test_token_sent_as_header_only(
    hub_root: Path, git_calls: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    leaked_into_files: list[Path] = []
    spy = commits._run_git

    def scan_clone(args: list[str], **kwargs):
        git_dir = next((Path(a.split("=", 1)[1]) for a in args if a.startswith("--git-dir=")), None)
        if git_dir is not None:
            files = [p for p in git_dir.rglob("*") if p.is_file()]
            leaked_into_files.extend(p for p in files if TOKEN.encode() in p.read_bytes())
        return spy(args, **kwargs)

    monkeypatch.setattr(commits, "_run_git", scan_clone)
    with GitHttpServer(hub_root, token=TOKEN) as server:
        url = git_url(server.url, "alice/signed")
        assert signature_counts(url, token=TOKEN).n_signed == 3
        assert f"Bearer {TOKEN}" in [r.headers.get("Authorization") for r in server.requests]
        for token in (None, "hf_WRONGtoken0123456789"):
            with pytest.raises(GitFetchError) as caught:
                signature_counts(url, token=token)
            assert caught.value.code == "auth" and caught.value.http_status == 401
            assert TOKEN not in str(caught.value) and "WRONG" not in str(caught.value)
    assert git_calls and not any(TOKEN in arg for call in git_calls for arg in call)
    assert leaked_into_files == []


def test_url_holding_the_token_is_refused(hub_root: Path, git_calls: list[list[str]]) -> None:
    with pytest.raises(GitFetchError) as caught:
        signature_counts(f"{hub_root.as_uri()}/{TOKEN}/x", token=TOKEN)
    assert caught.value.code == "invalid-url" and caught.value.url == f"{hub_root.as_uri()}/***/x"
    assert TOKEN not in str(caught.value) and "***" in str(caught.value)
    rows, errors = commits_rows([f"{TOKEN}/x"], hub_root.as_uri(), PROVENANCE, token=TOKEN)
    assert rows == [] and errors[0]["error_code"] == "invalid-url"
    assert TOKEN not in errors[0]["message"] + errors[0]["url"]
    assert git_calls == []


def test_scrub_removes_token_and_bearer_values() -> None:
    stderr = f"fatal: x {TOKEN} y\n> Authorization: Bearer other-secret\n"
    assert commits._scrub(stderr, TOKEN) == "fatal: x *** y\n> Authorization: Bearer ***\n"
    assert commits._scrub(stderr, None).count(TOKEN) == 1


def test_timeout_kills_git_and_cleans_up(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        watchdog = threading.Timer(8, silent.close)  # a hang becomes a failure, not a stall
        watchdog.start()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/a/b"
        started = time.monotonic()
        try:
            with pytest.raises(GitFetchError) as caught:
                signature_counts(url, workdir=tmp_path, timeout_s=1, token=TOKEN)
        finally:
            watchdog.cancel()
        elapsed = time.monotonic() - started
    assert caught.value.code == "timeout" and elapsed < 5
    assert TOKEN not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


# -- parsing (pure) -----------------------------------------------------------------------


def batch(*objects: tuple[str, bytes], kind: str = "commit") -> bytes:
    return b"".join(f"{sha} {kind} {len(body)}\n".encode() + body + b"\n" for sha, body in objects)


def commit_body(*headers: bytes, message: bytes = b"msg\n") -> bytes:
    base = [b"tree " + b"4" * 40, b"author A <a@x> 1 +0000"]
    return b"\n".join([*base, *headers]) + b"\n\n" + message


COMMITTER = b"committer C <c@x> 1600000000 +0530"


def signature(header: bytes, armor: bytes) -> bytes:
    return header + b" -----BEGIN " + armor + b"-----\n abc\n \n -----END " + armor + b"-----"


def test_parse_commit_headers_kinds() -> None:
    mergetag = b"mergetag object " + b"1" * 40 + b"\n type commit\n gpgsig -----BEGIN PGP"
    raw = batch(
        ("a" * 40, commit_body(COMMITTER)),
        ("b" * 40, commit_body(COMMITTER, signature(b"gpgsig", b"PGP SIGNATURE"))),
        ("c" * 64, commit_body(COMMITTER, signature(b"gpgsig-sha256", b"SSH SIGNATURE"))),
        ("d" * 40, commit_body(COMMITTER, signature(b"gpgsig", b"SIGNED MESSAGE"))),
        ("e" * 40, commit_body(COMMITTER, mergetag)),
        ("f" * 40, commit_body(COMMITTER, message=b"x\n\ngpgsig -----BEGIN PGP SIGNATURE---\n")),
        ("0" * 40, commit_body(b"committer C <c@x> notadate +0000")),
    )
    parsed = parse_commit_headers(raw)
    assert [(h.sha[0], h.signature) for h in parsed] == [
        ("a", None),
        ("b", "gpg"),
        ("c", "ssh"),
        ("d", "x509"),
        ("e", None),
        ("f", None),
        ("0", None),
    ]
    assert parsed[0].committed_at == utc(1_600_000_000)
    assert parsed[-1].committed_at is None
    summary = commits.CommitSummary.of(parsed)
    assert (summary.n_commits, summary.n_signed) == (7, 3)
    assert summary.first_commit_at == summary.last_commit_at == utc(1_600_000_000)


def test_parse_commit_headers_empty_and_identity_with_spaces() -> None:
    assert parse_commit_headers(b"") == []
    odd = b"committer Jane  Doe <jane@x> 1700000000 -0700"
    (header,) = parse_commit_headers(batch(("a" * 40, commit_body(odd))))
    assert header == CommitHeader("a" * 40, utc(1_700_000_000), None)


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        (batch(("a" * 40, commit_body(COMMITTER)))[:-10], "a" * 40),
        (b"b" * 40 + b" missing\n", "bbbb"),
        (batch(("c" * 40, b"100644 x\0"), kind="tree"), "c" * 40),
        (b"d" * 40 + b" commit 12", "byte 0"),
    ],
)
def test_parse_commit_headers_rejects_broken_batches(raw: bytes, names: str) -> None:
    with pytest.raises(ValueError, match=names):
        parse_commit_headers(raw)


# -- estimation (pure) --------------------------------------------------------------------


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    """1,000 models, most with very few downloads and many exact ties at zero."""
    rng = np.random.default_rng(0)
    downloads = np.where(rng.random(1000) < 0.4, 0, rng.lognormal(3, 3, 1000).astype(int))
    return pd.DataFrame({"id": [f"org/m{i:04d}" for i in range(1000)], "downloads": downloads})


def test_stratified_sample_covers_every_decile_deterministically(population: pd.DataFrame) -> None:
    sample = stratified_sample(population, per_stratum=7, seed=42)
    labels = [f"downloads:{k:02d}/10" for k in range(1, 11)]
    assert sample["sample_stratum"].value_counts().sort_index().to_dict() == dict.fromkeys(
        labels, 7
    )
    assert sample["id"].is_unique and set(sample["id"]) <= set(population["id"])
    shuffled = population.sample(frac=1, random_state=1).reset_index(drop=True)
    pd.testing.assert_frame_equal(stratified_sample(shuffled, 7, seed=42), sample)
    assert set(stratified_sample(population, 7, seed=43)["id"]) != set(sample["id"])
    # strata follow popularity: every stratum sits at or above the one before it
    by_stratum = sample.groupby("sample_stratum")["downloads"]
    assert (by_stratum.min().iloc[1:].to_numpy() >= by_stratum.max().iloc[:-1].to_numpy()).all()
    assert sample.loc[sample["sample_stratum"] == labels[0], "downloads"].eq(0).all()
    assert sample.loc[sample["sample_stratum"] == labels[-1], "downloads"].min() > 0


def test_stratified_sample_small_and_bad_inputs(population: pd.DataFrame) -> None:
    small = population.head(25).assign(downloads=[None] * 5 + list(range(20)))
    census = stratified_sample(small, per_stratum=100, seed=1, n_strata=5)
    assert sorted(census["id"]) == sorted(small["id"])
    assert set(census.loc[census["downloads"].isna(), "sample_stratum"]) == {"downloads:01/05"}
    assert stratified_sample(population.head(0), 3, seed=1).empty
    with pytest.raises(KeyError, match="likes"):
        stratified_sample(population, 3, seed=1, column="likes")
    with pytest.raises(ValueError, match="org/m0000"):
        stratified_sample(pd.concat([population, population.head(1)]), 3, seed=1)
    with pytest.raises(ValueError, match="per_stratum"):
        stratified_sample(population, 0, seed=1)
