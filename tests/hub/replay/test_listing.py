"""Listing semantics of `GET /api/models` over HTTP against the real sample (and pure helpers)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from pipeline.hub.replay.listing import DEFAULT_ITEM_KEYS, decode_cursor, encode_cursor
from pipeline.hub.replay.wire import QueryError
from tests.hub.replay.helpers import synthetic_record


def _get(http, hub, params):
    return http.get(f"{hub.url}/api/models", params=params)


def test_default_items_have_the_documented_keys_only(http, replay_hub, sample_records):
    response = _get(http, replay_hub, {"limit": 50})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    items = response.json()
    assert [i["id"] for i in items] == [r["id"] for r in sample_records[:50]]
    for item, record in zip(items, sample_records, strict=False):
        assert set(item) == {k for k in DEFAULT_ITEM_KEYS if k in record}
        assert all(item[k] == record[k] for k in item)
        assert "sha" not in item and "siblings" not in item and "inferenceStatus" not in item


def test_expand_returns_only_id_and_requested_fields(http, replay_hub, sample_records):
    # `expand[]` and `expand` are one parameter (docs/hub-api.md §1).
    params = [("expand", "author"), ("expand[]", "sha"), ("expand", "likes"), ("limit", "1000")]
    items = _get(http, replay_hub, params).json()
    assert len(items) == 1000
    for item, record in zip(items, sample_records, strict=False):
        wanted = {"_id", "id", "author", "sha", "likes"}
        assert set(item) == wanted & set(record)
    listing_only = next(i for i in items if "sha" not in i)  # a record recorded without sha
    assert set(listing_only) == {"_id", "id", "likes"}


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"expand": "bogus"}, "invalid expand value 'bogus'"),
        ({"expand": "baseModels"}, "only accepted by /api/models/{repo_id}"),
        ({"expand[]": "usedStorage"}, "'usedStorage'"),
        ({"limit": "0"}, "'limit' must be a positive integer"),
        ({"limit": "ten"}, "'limit'"),
        ({"cursor": "!!"}, "invalid cursor"),
        ({"sort": "stars"}, "invalid sort 'stars'"),
        ({"gated": "maybe"}, "'gated' must be true or false"),
        ({"inference": "warm"}, "'inference' is not supported"),
    ],
)
def test_bad_queries_answer_400_naming_the_input(http, replay_hub, params, fragment):
    response = _get(http, replay_hub, params)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    assert fragment in response.headers["x-error-message"]


def test_search_author_filter_pipeline_tag(http, replay_hub, sample_records):
    def ids(params):
        return [i["id"] for i in _get(http, replay_hub, params).json()]

    assert ids({"search": "BERT"}) == [r["id"] for r in sample_records if "bert" in r["id"].lower()]
    assert ids({"author": "qualcomm"}) == [
        r["id"] for r in sample_records if r["id"].split("/")[0] == "qualcomm"
    ]
    both = [r["id"] for r in sample_records if {"pytorch", "jax"} <= set(r["tags"])]
    assert ids([("filter", "pytorch"), ("filter", "jax")]) == both and len(both) == 19
    # A library or task matches as a filter value too.
    assert ids({"filter": "peft"}) == [
        r["id"] for r in sample_records if "peft" in r["tags"] or r.get("library_name") == "peft"
    ]
    assert ids({"pipeline_tag": "text-classification"}) == [
        r["id"] for r in sample_records if r.get("pipeline_tag") == "text-classification"
    ]
    assert ids({"author": "qualcomm", "search": "zzz-no-such"}) == []


def test_sort_is_descending_with_missing_values_last(http, replay_hub, sample_records):
    items = []
    url = f"{replay_hub.url}/api/models?sort=lastModified&expand=lastModified"
    while url:
        response = http.get(url)
        items += response.json()
        url = response.links.get("next", {}).get("url")
    dated = [r for r in sample_records if "lastModified" in r]
    undated = [r["id"] for r in sample_records if "lastModified" not in r]
    expected = sorted(dated, key=lambda r: r["lastModified"], reverse=True)
    assert [i["id"] for i in items] == [r["id"] for r in expected] + undated
    likes = [i["likes"] for i in _get(http, replay_hub, {"sort": "likes", "limit": 500}).json()]
    assert likes == sorted(likes, reverse=True) and likes[0] == max(
        r["likes"] for r in sample_records
    )


def test_cursor_pagination_yields_each_model_once_with_absolute_links(
    http, replay_hub, sample_records
):
    query = {"limit": 700, "filter": "region:us", "expand": "downloads"}
    url, pages, seen = f"{replay_hub.url}/api/models", 0, []
    response = http.get(url, params=query)
    while True:
        pages += 1
        seen += [i["id"] for i in response.json()]
        link = response.headers.get("link")
        if link is None:
            break
        next_url = response.links["next"]["url"]
        assert link == f'<{next_url}>; rel="next"'
        assert next_url.startswith(f"{replay_hub.url}/api/models?")
        kept = [(k, v) for k, v in parse_qsl(urlsplit(next_url).query) if k != "cursor"]
        assert kept == [("limit", "700"), ("filter", "region:us"), ("expand", "downloads")]
        response = http.get(next_url)
    expected = [r["id"] for r in sample_records if "region:us" in r["tags"]]
    assert seen == expected and len(set(seen)) == len(seen)
    assert pages == -(-len(expected) // 700)


def test_limit_is_capped_at_1000(http, replay_hub):
    response = _get(http, replay_hub, {"limit": 5000})
    assert len(response.json()) == 1000 and "link" in response.headers


def test_full_card_data_and_config_projections(http, replay_hub, sample_records):
    items = _get(http, replay_hub, {"full": "true", "limit": 100}).json()
    for item, record in zip(items, sample_records, strict=False):
        assert set(item) == set(record) - {"cardData", "config"}
        assert item.get("siblings") == record.get("siblings")
    extra = _get(http, replay_hub, {"cardData": "true", "config": "true", "limit": 100}).json()
    for item, record in zip(extra, sample_records, strict=False):
        expected = {k for k in DEFAULT_ITEM_KEYS if k in record} | (
            {"cardData", "config"} & set(record)
        )
        assert set(item) == expected


def test_gated_filter_uses_only_recorded_values(start_hub):
    # SYNTHETIC store: one gated, one open, one without a recorded `gated`.
    from pipeline.hub.replay.store import ReplayStore

    records = [
        synthetic_record("a/gated", gated="manual"),
        synthetic_record("a/open"),
        {k: v for k, v in synthetic_record("a/unknown").items() if k != "gated"},
        synthetic_record("a/private", private=True),
    ]
    hub = start_hub(ReplayStore.from_records(records))
    import httpx2

    def ids(params):
        return [i["id"] for i in httpx2.get(f"{hub.url}/api/models", params=params).json()]

    assert ids({"gated": "true"}) == ["a/gated"]
    assert ids({"gated": "false"}) == ["a/open"]
    assert ids({}) == ["a/gated", "a/open", "a/unknown"]  # private models are never listed


def test_cursor_round_trip_and_rejection():
    assert decode_cursor(encode_cursor(1234)) == 1234
    for bad in ("", "abc", encode_cursor(-1), "eyJvZmZzZXQiOiJ4In0"):
        with pytest.raises(QueryError, match="invalid cursor"):
            decode_cursor(bad)
