"""The replay Hub's model/dataset repo files (`ReplayStore.with_repo_files`, `repos/` data
dir), seen through huggingface_hub and on the wire. All repos here are SYNTHETIC."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx2
import pytest

from pipeline.hub.replay.server import ReplayHub
from pipeline.hub.replay.store import ReplayStore, files_commit
from pipeline.hub.replay.wire import git_blob_sha1

FILES = {"config.json": b'{"a": 1}', "sub/vocab.txt": b"x\ny\n"}


def test_files_are_served_with_hub_headers_and_listed(tmp_path):
    from huggingface_hub import HfApi, hf_hub_download, snapshot_download

    store = ReplayStore.from_records([]).with_repo_files("acme/m", FILES)
    store = store.with_repo_files("acme/d", {"test.csv": b"text,label\na,1\n"}, repo_type="dataset")
    with ReplayHub(store) as hub, httpx2.Client() as http:
        answer = http.head(f"{hub.url}/acme/m/resolve/main/sub/vocab.txt")
        assert answer.status_code == 200
        assert answer.headers["ETag"] == f'"{git_blob_sha1(FILES["sub/vocab.txt"])}"'
        assert answer.headers["X-Repo-Commit"] == files_commit(FILES)
        assert answer.headers["Content-Length"] == "4"
        assert not any(h.lower().startswith("x-xet") for h in answer.headers)
        missing = http.get(f"{hub.url}/acme/m/resolve/main/nope.bin")
        assert missing.headers["X-Error-Code"] == "EntryNotFound"
        assert http.get(f"{hub.url}/api/datasets/acme/unknown").status_code == 401

        api = HfApi(endpoint=hub.url)
        info = api.model_info("acme/m", revision=files_commit(FILES))
        assert sorted(s.rfilename for s in info.siblings) == sorted(FILES)
        folder = snapshot_download("acme/m", cache_dir=tmp_path, endpoint=hub.url)
        assert (tmp_path / folder / "sub" / "vocab.txt").read_bytes() == FILES["sub/vocab.txt"]
        data = api.dataset_info("acme/d")
        assert [s.rfilename for s in data.siblings] == ["test.csv"]
        local = hf_hub_download(
            "acme/d", "test.csv", repo_type="dataset", cache_dir=tmp_path, endpoint=hub.url
        )
        assert Path(local).read_bytes().startswith(b"text,label")


def test_paths_leaving_the_repo_are_refused():
    for bad in ("../x", "/etc/passwd", "a//b", "a/./b", "a\\\\b"):
        with pytest.raises(ValueError):
            ReplayStore.from_records([]).with_repo_files("acme/m", {bad: b""})


def test_repos_folder_of_a_data_dir_is_loaded(tmp_path):
    envelope = {"kind": "model_info", "record": {"id": "acme/m", "sha": "a" * 40}}
    with gzip.open(tmp_path / "models.jsonl.gz", "wt") as out:
        out.write(json.dumps(envelope) + "\n")
    model = tmp_path / "repos" / "models" / "acme__m"
    dataset = tmp_path / "repos" / "datasets" / "acme__d"
    model.mkdir(parents=True)
    dataset.mkdir(parents=True)
    (model / "config.json").write_bytes(b"{}")
    (dataset / "test.jsonl").write_bytes(b"{}\n")
    store = ReplayStore.load(tmp_path)
    assert store.repo_file("model", "acme/m", "config.json") == b"{}"
    assert store.repo("model", "acme/m").sha == "a" * 40  # the recorded sha stays the commit
    assert store.repo_file("dataset", "acme/d", "test.jsonl") == b"{}\n"
