"""ScaledStore: a recorded store served with SYNTHETIC copies under new namespaces, lazily.

The reference is a `ReplayStore` that holds every copy for real (materialized): the scaled
store must answer the listing exactly as it does, page by page, cursor by cursor.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx2
import pytest

from pipeline.hub.replay.scale import ScaledStore, copy_id, copy_record, split_copy
from pipeline.hub.replay.store import ReplayStore, placeholder_commit
from tests.hub.replay.helpers import synthetic_record

BASE_URL = "http://127.0.0.1:1"
COPIES = 3


@pytest.fixture(scope="module")
def base(sample_records) -> ReplayStore:
    """250 real recorded records (many tie on downloads and likes), plus SYNTHETIC edge cases:
    a private model, a model without downloads, a legacy id without a namespace."""
    records = [
        *sample_records[:250],
        synthetic_record("acme/hidden", private=True),
        {"id": "acme/no-downloads", "likes": 3},
        synthetic_record("legacy-name", downloads=7),
    ]
    readmes = {"acme/no-downloads": b"# card\n"}
    orgs = [{"name": "acme", "isVerified": True}]
    return ReplayStore.from_records(records, readmes=readmes, orgs=orgs)


@pytest.fixture(scope="module")
def materialized(base) -> ReplayStore:
    records = [copy_record(r, c) for c in range(COPIES + 1) for r in base.models]
    return ReplayStore.from_records(records)


def pages(store, params: list[tuple[str, str]]) -> list[tuple[list[dict], str | None]]:
    """Every page of a listing, following the next-page URLs as a client would."""
    answers = []
    pairs = params
    while True:
        page = store.listing_page(pairs, BASE_URL)
        answers.append((page.items, page.next_url))
        if page.next_url is None:
            return answers
        pairs = parse_qsl(urlsplit(page.next_url).query, keep_blank_values=True)


@pytest.mark.parametrize(
    "params",
    [
        [("limit", "100"), ("sort", "downloads"), ("expand[]", "downloads")],  # the crawler's
        [("limit", "70")],
        [("limit", "90"), ("sort", "likes"), ("direction", "1")],
        [("limit", "200"), ("sort", "createdAt"), ("full", "true")],
        [("limit", "50"), ("search", "bert")],  # a filter: the slow, lazy path
        [("limit", "100"), ("sort", "id")],
    ],
)
def test_listing_equals_a_store_holding_every_copy(base, materialized, params):
    scaled = ScaledStore(base, COPIES)
    assert pages(scaled, params) == pages(materialized, params)


def test_pages_chain_over_unique_ids_and_count_every_copy(base):
    scaled = ScaledStore(base, COPIES)
    answers = pages(scaled, [("limit", "100"), ("sort", "downloads")])
    ids = [item["id"] for items, _ in answers for item in items]
    visible = len(base) - 1  # the private model is never listed
    assert len(ids) == len(set(ids)) == visible * (COPIES + 1) == len(scaled) - COPIES - 1
    assert [n is None for _, n in answers] == [False] * (len(answers) - 1) + [True]
    assert sum(i.startswith("scale-copy-3--") or i == "scale-copy-3/legacy-name" for i in ids) == (
        visible
    )


def test_a_copy_answers_as_its_original_with_its_own_ids(base):
    scaled = ScaledStore(base, COPIES)
    original = base.models[0]
    copied_id = copy_id(original["id"], 2)
    assert copied_id == "scale-copy-2--" + original["id"]
    assert split_copy(copied_id) == (original["id"], 2)
    record = scaled.get(copied_id)
    assert record["id"] == record["modelId"] == copied_id
    assert record["_id"] != original["_id"]
    assert {k: v for k, v in record.items() if k not in ("id", "modelId", "_id", "author")} == {
        k: v for k, v in original.items() if k not in ("id", "modelId", "_id", "author")
    }
    assert scaled.get("scale-copy-4--" + original["id"]) is None  # beyond the copies
    assert scaled.get("scale-copy-1/legacy-name")["id"] == "scale-copy-1/legacy-name"
    assert scaled.readme("scale-copy-1--acme/no-downloads") == b"# card\n"
    assert scaled.readme("scale-copy-1--" + original["id"]) is None
    assert scaled.org("scale-copy-3--acme") == {"name": "scale-copy-3--acme", "isVerified": True}
    assert scaled.org("acme") == {"name": "acme", "isVerified": True}
    assert scaled.org("scale-copy-3--nobody") is None
    assert scaled.commit("scale-copy-1--acme/no-downloads") == placeholder_commit(
        "scale-copy-1--acme/no-downloads"
    )


def test_scaled_hub_serves_copies_over_http(base, start_hub):
    hub = start_hub(ScaledStore(base, 1))
    url, seen = f"{hub.url}/api/models?limit=200&sort=downloads", []
    while url:
        response = httpx2.get(url)
        seen += [item["id"] for item in response.json()]
        url = response.links.get("next", {}).get("url")
    copied = "scale-copy-1--acme/no-downloads"
    assert httpx2.get(f"{hub.url}/api/models/{copied}").json()["id"] == copied
    assert httpx2.get(f"{hub.url}/{copied}/resolve/main/README.md").content == b"# card\n"
    assert httpx2.get(f"{hub.url}/api/organizations/scale-copy-1--acme/overview").status_code == 200
    assert len(seen) == len(set(seen)) == 2 * (len(base) - 1)
    stats = hub.stats()
    assert stats["buckets"] == {"api": stats["models_list"] + 2, "resolvers": 1, "pages": 0}


def test_ids_that_already_look_like_copies_are_refused():
    store = ReplayStore.from_records([synthetic_record("scale-copy-1--acme/x")])
    with pytest.raises(ValueError, match="already look like copies"):
        ScaledStore(store, 1)
