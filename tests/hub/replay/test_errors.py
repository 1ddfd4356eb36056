"""Error wire format (docs/hub-api.md §6, §11.6) and the official client's exception classes.

All cases here use a SYNTHETIC store (`helpers.synthetic_store`): the real sample has no
gated, private or disabled model.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import (
    BadRequestError,
    DisabledRepoError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from tests.hub.replay.helpers import synthetic_store

TOKEN = "hf_synthetic_test_token"


@pytest.fixture
def hub(start_hub):
    return start_hub(synthetic_store())


def _get(hub, path, token=None, method="GET"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.request(method, hub.url + path, headers=headers, follow_redirects=False)


def _assert_error(response, status, code, message):
    assert response.status_code == status
    assert response.headers.get("x-error-code") == code
    assert response.headers["x-error-message"] == message
    assert response.json() == {"error": message}
    assert response.headers["x-request-id"]


@pytest.mark.parametrize("model_id", ["acme/missing", "acme/secret"])
def test_missing_and_private_repos_are_401_anonymous_404_with_token(hub, model_id):
    anonymous = _get(hub, f"/api/models/{model_id}")
    _assert_error(anonymous, 401, "RepoNotFound", "Invalid username or password.")
    with_token = _get(hub, f"/api/models/{model_id}", token=TOKEN)
    _assert_error(with_token, 404, "RepoNotFound", "Repository not found")
    resolve = _get(hub, f"/{model_id}/resolve/main/README.md")
    _assert_error(resolve, 401, "RepoNotFound", "Invalid username or password.")
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=hub.url, token=False).model_info(model_id)
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=hub.url, token=TOKEN).model_info(model_id)


def test_disabled_repo_is_403_with_the_exact_message(hub, tmp_path):
    for path in ("/api/models/acme/off", "/acme/off/resolve/main/README.md"):
        _assert_error(_get(hub, path), 403, None, "Access to this resource is disabled.")
    with pytest.raises(DisabledRepoError):
        HfApi(endpoint=hub.url, token=False).model_info("acme/off")
    # hf_hub_download treats any other HEAD error as "offline": the cause is kept.
    with pytest.raises(LocalEntryNotFoundError) as caught:
        hf_hub_download("acme/off", "README.md", endpoint=hub.url, cache_dir=tmp_path, token=False)
    assert isinstance(caught.value.__cause__, DisabledRepoError)


@pytest.mark.parametrize("model_id", ["acme/gated-auto", "acme/gated-manual"])
def test_gated_repo_files_are_locked_but_metadata_is_not(hub, model_id, tmp_path):
    info = HfApi(endpoint=hub.url, token=False).model_info(model_id)
    assert info.gated in ("auto", "manual")
    anonymous = _get(hub, f"/{model_id}/resolve/main/README.md")
    assert anonymous.status_code == 401 and anonymous.headers["x-error-code"] == "GatedRepo"
    assert f"Access to model {model_id} is restricted" in anonymous.headers["x-error-message"]
    with_token = _get(hub, f"/{model_id}/resolve/main/README.md", token=TOKEN, method="HEAD")
    assert with_token.status_code == 403 and with_token.headers["x-error-code"] == "GatedRepo"
    assert "not in the authorized list" in with_token.headers["x-error-message"]
    for token in (False, TOKEN):
        with pytest.raises(GatedRepoError):
            hf_hub_download(
                model_id, "README.md", endpoint=hub.url, cache_dir=tmp_path, token=token
            )
    listed = httpx2.get(f"{hub.url}/api/models", params={"expand": "gated"}).json()
    assert {"_id": info._id, "id": model_id, "gated": info.gated} in listed


def test_unknown_revision_is_404_revision_not_found(hub, tmp_path):
    response = _get(hub, "/api/models/acme/open/revision/refs%2Fpr%2F1")
    _assert_error(response, 404, "RevisionNotFound", "Invalid rev id: refs/pr/1")
    resolve = _get(hub, "/acme/open/resolve/v9.9/README.md")
    _assert_error(resolve, 404, "RevisionNotFound", "Invalid rev id: v9.9")
    api = HfApi(endpoint=hub.url, token=False)
    with pytest.raises(RevisionNotFoundError):
        api.model_info("acme/open", revision="refs/pr/1")
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(
            "acme/open",
            "README.md",
            revision="v9.9",
            endpoint=hub.url,
            cache_dir=tmp_path,
            token=False,
        )


def test_known_revisions_main_head_and_sha(hub):
    record = hub.store.get("acme/open")
    for revision in ("main", "HEAD", record["sha"]):
        response = _get(hub, f"/api/models/acme/open/revision/{revision}")
        assert response.status_code == 200 and response.json()["sha"] == record["sha"]
    assert HfApi(endpoint=hub.url, token=False).model_info("acme/open", revision="main").sha


def test_legacy_id_without_namespace(hub, tmp_path):
    api = HfApi(endpoint=hub.url, token=False)
    assert api.model_info("legacy-model").id == "legacy-model"
    assert api.model_info("legacy-model", revision="main").id == "legacy-model"
    path = hf_hub_download(
        "legacy-model", "README.md", endpoint=hub.url, cache_dir=tmp_path, token=False
    )
    assert Path(path).read_bytes() == b"# legacy-model\n"


def test_resolve_headers_get_and_head(hub):
    body = b"# acme/open\n"
    blob = hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()
    for method in ("GET", "HEAD"):
        response = _get(hub, "/acme/open/resolve/main/README.md", method=method)
        assert response.status_code == 200
        assert response.headers["etag"] == f'"{blob}"'
        assert response.headers["x-repo-commit"] == hub.store.get("acme/open")["sha"]
        assert response.headers["content-length"] == str(len(body))
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert not [name for name in response.headers if name.lower().startswith("x-xet")]
        assert response.content == (body if method == "GET" else b"")


def test_model_info_expand_and_its_400s(hub):
    api = HfApi(endpoint=hub.url, token=False)
    response = _get(hub, "/api/models/acme/open?expand=usedStorage&expand=likes&expand=sha")
    record = hub.store.get("acme/open")
    assert response.json() == {
        "_id": record["_id"],
        "id": "acme/open",
        "likes": 1,
        "sha": record["sha"],
    }
    with pytest.raises(BadRequestError):
        api.model_info("acme/open", expand=["nope"])  # type: ignore[list-item]
    secured = _get(hub, "/api/models/acme/open?securityStatus=true").json()
    assert "securityRepoStatus" not in secured  # never invented when not recorded


def test_security_status_and_blobs_only_when_recorded(start_hub):
    # SYNTHETIC store: a record that carries a recorded scan and recorded blob sizes.
    from pipeline.hub.replay.store import ReplayStore
    from tests.hub.replay.helpers import synthetic_record

    scan = {"scansDone": True, "filesWithIssues": []}
    siblings = [{"rfilename": "README.md", "blobId": "ab" * 20, "size": 12}]
    record = synthetic_record("acme/scanned", securityRepoStatus=scan, siblings=siblings)
    hub = start_hub(ReplayStore.from_records([record]))
    plain = _get(hub, "/api/models/acme/scanned").json()
    assert "securityRepoStatus" not in plain and plain["siblings"] == [{"rfilename": "README.md"}]
    info = HfApi(endpoint=hub.url, token=False).model_info(
        "acme/scanned", securityStatus=True, files_metadata=True
    )
    assert info.security_repo_status == scan
    assert info.siblings[0].size == 12 and info.siblings[0].blob_id == "ab" * 20


def test_require_token_and_invalid_credentials(start_hub):
    hub = start_hub(synthetic_store(), require_token=True)
    message = "Invalid credentials in Authorization header"
    _assert_error(_get(hub, "/api/models/acme/open"), 401, None, message)
    assert _get(hub, "/api/models/acme/open", token=TOKEN).status_code == 200
    bad = httpx2.get(f"{hub.url}/api/models", headers={"Authorization": "Basic xyz"})
    _assert_error(bad, 401, None, message)
    with pytest.raises(HfHubHTTPError) as caught:
        HfApi(endpoint=hub.url, token=False).model_info("acme/open")
    assert caught.value.response.status_code == 401
    assert not isinstance(caught.value, RepositoryNotFoundError)


def test_unknown_routes_and_orgs(start_hub):
    # SYNTHETIC store with one recorded org overview.
    org = {"name": "acme", "fullname": "Acme", "avatarUrl": "", "numModels": 6, "isVerified": True}
    hub = start_hub(synthetic_store(orgs=[org]))
    unknown = _get(hub, "/api/whatever")
    assert unknown.status_code == 404 and "x-error-code" not in unknown.headers
    assert "error" in unknown.json()
    overview = HfApi(endpoint=hub.url, token=False).get_organization_overview("acme")
    assert overview.num_models == 6 and overview.is_verified is True
    missing = _get(hub, "/api/organizations/nobody/overview")
    _assert_error(missing, 404, None, "Organization not found")
    assert hub.stats()["org_overview"] == 2
