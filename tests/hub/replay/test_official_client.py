"""The official `huggingface_hub` client, unchanged, against the replay of the real sample."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError

from pipeline.hub.replay.store import placeholder_commit, readme_file_name


def _api(hub) -> HfApi:
    return HfApi(endpoint=hub.url, token=False)


def _requests(hub, kind: str) -> int:
    return hub.stats()[kind]


def test_list_models_returns_every_model_in_order(replay_hub, sample_records):
    before = _requests(replay_hub, "models_list")
    ids = [model.id for model in _api(replay_hub).list_models()]
    assert ids == [r["id"] for r in sample_records]
    assert len(ids) == 7868
    assert _requests(replay_hub, "models_list") - before == 8  # 7,868 models, 1,000 per page


def test_raw_pagination_follows_absolute_link_headers(replay_hub, sample_records):
    url, pages = f"{replay_hub.url}/api/models?limit=1000", []
    with httpx2.Client() as client:
        while url:
            response = client.get(url)
            assert response.status_code == 200
            pages.append(response.json())
            url = response.links.get("next", {}).get("url")
            assert url is None or url.startswith(f"{replay_hub.url}/api/models?limit=1000&cursor=")
    assert [len(page) for page in pages] == [1000] * 7 + [868]
    assert [item["id"] for page in pages for item in page] == [r["id"] for r in sample_records]


def test_model_info_with_model_index_matches_the_record(replay_hub, sample_records):
    record = next(
        r
        for r in sample_records
        if isinstance(r.get("model-index"), list)
        and any(e.get("results") for e in r["model-index"])
    )
    before = _requests(replay_hub, "model_info")
    info = _api(replay_hub).model_info(record["id"])
    assert _requests(replay_hub, "model_info") - before == 1
    assert info.id == record["id"]
    assert info.sha == record["sha"]
    assert info.tags == record["tags"]
    assert info.downloads == record["downloads"] and info.likes == record["likes"]
    assert info.card_data.to_dict() == record["cardData"]
    assert info.model_index == record["model-index"]
    assert info.card_data.eval_results  # the client parsed the recorded model-index
    assert [s.rfilename for s in info.siblings] == [s["rfilename"] for s in record["siblings"]]


def test_model_info_never_invents_a_sha(replay_hub, sample_records):
    record = next(r for r in sample_records if "sha" not in r)  # recorded from a listing
    info = _api(replay_hub).model_info(record["id"])
    assert info.sha is None and info.id == record["id"]


def test_hf_hub_download_readme_is_byte_identical(replay_hub, sample_records, sample_dir, tmp_path):
    record = next(
        r for r in sample_records if (sample_dir / "readmes" / readme_file_name(r["id"])).exists()
    )
    before = _requests(replay_hub, "resolve")
    path = Path(
        hf_hub_download(
            record["id"], "README.md", endpoint=replay_hub.url, cache_dir=tmp_path, token=False
        )
    )
    expected = (sample_dir / "readmes" / readme_file_name(record["id"])).read_bytes()
    assert path.read_bytes() == expected
    # No sha was recorded for this model: the cache is keyed by the documented placeholder.
    assert "sha" not in record and path.parent.name == placeholder_commit(record["id"])
    assert _requests(replay_hub, "resolve") - before >= 2  # HEAD then GET


def test_renamed_repo_redirects_like_the_hub(replay_hub, sample_store):
    old, new = "qblocks/mistral_7b_norobots", "monsterapi/mistral_7b_norobots"
    assert sample_store.renamed[old] == new
    with httpx2.Client(follow_redirects=False) as client:
        for path, location in [
            (f"/api/models/{old}", f"/api/models/{new}"),
            (f"/api/models/{old}/revision/main", f"/api/models/{new}/revision/main"),
            (f"/{old}/resolve/main/README.md", f"/{new}/resolve/main/README.md"),
        ]:
            response = client.get(replay_hub.url + path)
            assert response.status_code == 307
            assert response.headers["location"] == location
            assert response.headers["content-type"].startswith("text/plain")
    info = _api(replay_hub).model_info(old)
    assert info.id == new and info.sha == sample_store.get(new)["sha"]


def test_missing_repo_raises_repository_not_found(replay_hub):
    with pytest.raises(RepositoryNotFoundError):
        _api(replay_hub).model_info("nobody/no-such-model")


def test_missing_readme_raises_entry_not_found(replay_hub, sample_records, tmp_path):
    record = sample_records[0]  # a model_info record: no README was recorded for it
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(
            record["id"], "README.md", endpoint=replay_hub.url, cache_dir=tmp_path, token=False
        )
    response = httpx2.get(f"{replay_hub.url}/{record['id']}/resolve/main/README.md")
    assert response.status_code == 404
    assert response.headers["x-error-code"] == "EntryNotFound"
    assert response.headers["x-error-message"] == (
        "README.md was not recorded for this model in the replay data"
    )
    assert response.headers["x-repo-commit"] == record["sha"]


def test_model_card_load_through_hf_endpoint(replay_hub, sample_records, sample_dir, tmp_path):
    # ModelCard.load ignores `endpoint=`: it needs HF_ENDPOINT, read at import, so a subprocess.
    record = next(
        r for r in sample_records if (sample_dir / "readmes" / readme_file_name(r["id"])).exists()
    )
    script = (
        "import json, sys\n"
        "from huggingface_hub import ModelCard\n"
        "card = ModelCard.load(sys.argv[1], token=False)\n"
        "print(json.dumps({'text': str(card), 'license': card.data.license}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE"))}
    env |= {
        "HF_ENDPOINT": replay_hub.url,
        "HF_HOME": str(tmp_path),
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    before = _requests(replay_hub, "resolve")
    result = subprocess.run(
        [sys.executable, "-c", script, record["id"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    card = json.loads(result.stdout)
    expected = (sample_dir / "readmes" / readme_file_name(record["id"])).read_text(encoding="utf-8")
    assert card["text"].strip() == expected.strip()
    assert _requests(replay_hub, "resolve") > before
