"""Builders for SYNTHETIC test data (tiny stores for cases the real sample does not contain).

Every record built here is made up; tests using them say so in a comment.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pipeline.hub.replay.store import ReplayStore


def synthetic_record(model_id: str, **fields: Any) -> dict[str, Any]:
    """A SYNTHETIC model_info-shaped record with the keys real records always have."""
    digest = hashlib.sha1(model_id.encode("utf-8")).hexdigest()
    record: dict[str, Any] = {
        "_id": digest[:24],
        "id": model_id,
        "modelId": model_id,
        "author": model_id.split("/", 1)[0] if "/" in model_id else "legacy",
        "sha": digest,
        "lastModified": "2024-01-01T00:00:00.000Z",
        "private": False,
        "disabled": False,
        "gated": False,
        "tags": ["transformers", "region:us"],
        "downloads": 10,
        "likes": 1,
        "siblings": [{"rfilename": "README.md"}, {"rfilename": "config.json"}],
        "spaces": [],
        "createdAt": "2023-01-01T00:00:00.000Z",
        "inferenceStatus": "not-loaded",
    }
    record.update(fields)
    return record


def synthetic_store(**extra: Any) -> ReplayStore:
    """A SYNTHETIC store: one normal, gated (auto and manual), private and disabled model."""
    records = [
        synthetic_record("acme/open"),
        synthetic_record("acme/gated-auto", gated="auto"),
        synthetic_record("acme/gated-manual", gated="manual"),
        synthetic_record("acme/secret", private=True),
        synthetic_record("acme/off", disabled=True),
        synthetic_record("legacy-model"),
    ]
    readmes = {
        model_id: f"# {model_id}\n".encode()
        for model_id in ("acme/open", "acme/gated-auto", "acme/off", "legacy-model")
    }
    return ReplayStore.from_records(records, readmes=readmes, **extra)
