"""Renames and datasets on the replay Hub, through the project's HubClient and the official
client over real HTTP: recorded and inferred renames (labelled), `/api/datasets/{id}`,
redirect chains, loops and 404s.

The chain and loop renames are SYNTHETIC edge cases (labelled `synthetic`); everything else
is the bundled real sample (`data/hub-2024-07/names.jsonl.gz`, built by
`scripts/build_sample.py`)."""

from __future__ import annotations

import httpx2
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import RepositoryNotFoundError

from pipeline.errors import HubRequestError
from pipeline.hub.client import HubClient, RetryPolicy
from pipeline.hub.names import location_id, resolve_name
from pipeline.hub.protocol import RENAME_EVIDENCE_HEADER
from pipeline.hub.replay.infer import MODEL_PLACEHOLDER, infer_legacy_renames
from pipeline.hub.replay.names import Rename, ReplayNames

FAST = RetryPolicy(max_retries=0, timeout_s=10)


def _client(hub) -> HubClient:
    return HubClient(hub.url, token=False, policy=FAST)


def test_bundled_renames_are_labelled_and_real_ones_recorded(sample_store):
    renames = sample_store.names.renames
    assert renames and {r.evidence for r in renames} == {"inferred"}
    assert all(r.rule for r in renames)
    squad = sample_store.names.rename("dataset", "squad")
    assert squad.new == "rajpurkar/squad" and squad.evidence == "inferred"
    assert sample_store.names.dataset("rajpurkar/squad")["id"] == "rajpurkar/squad"
    # Builders are never renamed (`imagefolder` has a same-named user dataset).
    assert sample_store.names.rename("dataset", "imagefolder") is None


def test_recorded_model_rename_resolves_with_its_evidence(replay_hub):
    result = resolve_name(_client(replay_hub), "model", "qblocks/mistral_7b_norobots")
    assert (result.how, result.resolved_id) == ("redirect", "monsterapi/mistral_7b_norobots")
    assert result.evidence == "recorded" and result.hops == 1


def test_inferred_legacy_model_resolves_to_unlisted_target(replay_hub):
    result = resolve_name(_client(replay_hub), "model", "distilbert-base-uncased")
    assert result.resolved_id == "distilbert/distilbert-base-uncased"
    assert result.how == "redirect" and result.evidence == "inferred"


def test_dataset_info_redirects_and_serves_the_record(replay_hub, http):
    response = http.get(f"{replay_hub.url}/api/datasets/squad")
    assert response.status_code == 307
    assert response.headers["location"] == "/api/datasets/rajpurkar/squad"
    assert response.headers[RENAME_EVIDENCE_HEADER] == "inferred"
    info = HfApi(endpoint=replay_hub.url, token=False).dataset_info("squad")
    assert info.id == "rajpurkar/squad"
    found = resolve_name(_client(replay_hub), "dataset", "rajpurkar/squad")
    assert (found.how, found.resolved_id, found.evidence) == ("found", "rajpurkar/squad", None)


def test_unknown_dataset_and_model_are_not_found(replay_hub, http):
    response = http.get(f"{replay_hub.url}/api/datasets/nobody/no-such-dataset")
    assert response.status_code == 401  # anonymous, as the Hub (docs/hub-api.md §6)
    assert response.headers["x-error-code"] == "RepoNotFound"
    with_token = http.get(
        f"{replay_hub.url}/api/datasets/nobody/no-such-dataset",
        headers={"authorization": "Bearer hf_x"},
    )
    assert with_token.status_code == 404 and with_token.headers["x-error-code"] == "RepoNotFound"
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=replay_hub.url, token=False).dataset_info("nobody/no-such-dataset")
    for kind in ("model", "dataset"):
        result = resolve_name(_client(replay_hub), kind, "nobody/no-such-thing")
        assert (result.how, result.resolved_id, result.http_status) == ("not-found", None, 401)


def _synthetic(store, *pairs: tuple[str, str, str]):
    renames = [Rename(kind, old, new, "synthetic") for kind, old, new in pairs]
    return store.with_names(store.names.with_renames(renames))


def test_redirect_chain_is_followed_hop_by_hop(sample_store, start_hub):
    store = _synthetic(
        sample_store,
        ("dataset", "chain/a", "chain/b"),
        ("dataset", "chain/b", "squad"),
    )
    hub = start_hub(store)
    client = _client(hub)
    result = resolve_name(client, "dataset", "chain/a")
    assert (result.resolved_id, result.hops) == ("rajpurkar/squad", 3)
    assert result.evidence == "synthetic"  # the weakest label along the chain
    assert client.request_counts()["dataset_info"] == 4  # every hop booked


def test_redirect_loop_stops_with_an_error(sample_store, start_hub):
    store = _synthetic(sample_store, ("model", "loop/a", "loop/b"), ("model", "loop/b", "loop/a"))
    hub = start_hub(store)
    with pytest.raises(HubRequestError, match="redirect loop: loop/a -> loop/b -> loop/a"):
        resolve_name(_client(hub), "model", "loop/a")
    # Following redirects in the session ends too, as an error, not a hang.
    with pytest.raises(HubRequestError, match="too many redirects"):
        _client(hub).get("/api/models/loop/a")
    with pytest.raises(httpx2.TooManyRedirects):
        httpx2.get(f"{hub.url}/api/models/loop/a", follow_redirects=True)


def test_store_refuses_a_non_synthetic_loop_and_a_dangling_rename(sample_store):
    loop = [Rename("model", "x/a", "x/b", "inferred"), Rename("model", "x/b", "x/a", "inferred")]
    with pytest.raises(ValueError, match="loop"):
        sample_store.with_names(ReplayNames(renames=loop))
    with pytest.raises(ValueError, match="no record"):
        sample_store.with_names(ReplayNames(renames=[Rename("model", "x/a", "x/b", "inferred")]))


def test_location_id_reads_the_hubs_relative_location():
    assert location_id("model", "/api/models/google-bert/bert-base-uncased") == (
        "google-bert/bert-base-uncased"
    )
    assert location_id("model", "/api/models/a/b/revision/main?expand=x") == "a/b"
    assert location_id("dataset", "/api/models/a/b") is None


def test_inference_rule_on_synthetic_records():
    """SYNTHETIC records: one unique legacy name, and an ambiguous one settled by the
    namespace that took two unique names; an un-dated candidate never counts."""
    dated = {"createdAt": MODEL_PLACEHOLDER}
    records = [
        {"id": "canon/x", **dated},
        {"id": "canon/y", **dated},
        {"id": "canon/z", **dated},
        {"id": "user/z", **dated},
        {"id": "late/w", "createdAt": "2023-01-01T00:00:00.000Z"},
        {"id": "user/v", **dated},
        {"id": "other/v", **dated},
    ]
    renames = infer_legacy_renames(
        ["x", "y", "z", "w", "v", "json"], records, MODEL_PLACEHOLDER, "model"
    )
    assert [(r.old, r.new, r.rule.split(":")[0]) for r in renames] == [
        ("x", "canon/x", "unique"),
        ("y", "canon/y", "unique"),
        ("z", "canon/z", "canonical-namespace"),
    ]
    assert {r.evidence for r in renames} == {"inferred"}
