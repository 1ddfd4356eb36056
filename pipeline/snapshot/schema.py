"""Schemas of the snapshot tables (pyarrow). Bump `SCHEMA_VERSION` when a column changes.

Every row starts with the provenance envelope (`ENVELOPE`): which snapshot it belongs to,
when it was fetched (UTC), by which crawler version, from which endpoint. The data
dictionary in README.md ("Snapshot tables") explains what each column means.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 2

TIMESTAMP = pa.timestamp("ms", tz="UTC")

ENVELOPE = [
    pa.field("snapshot_id", pa.string(), nullable=False),
    pa.field("fetched_at", TIMESTAMP, nullable=False),
    pa.field("crawler_version", pa.string(), nullable=False),
    pa.field("origin", pa.string(), nullable=False),
]

MODELS = pa.schema(
    [
        *ENVELOPE,
        pa.field("id", pa.string(), nullable=False),
        pa.field("uuid", pa.string(), nullable=False),
        pa.field("author", pa.string()),
        pa.field("sha", pa.string()),
        pa.field("created_at", TIMESTAMP),
        pa.field("last_modified", TIMESTAMP),
        pa.field("downloads", pa.int64()),
        pa.field("downloads_all_time", pa.int64()),
        pa.field("likes", pa.int64()),
        pa.field("trending_score", pa.float64()),
        pa.field("pipeline_tag", pa.string()),
        pa.field("library_name", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("gated", pa.string()),
        pa.field("private", pa.bool_()),
        pa.field("disabled", pa.bool_()),
        pa.field("card_data", pa.string()),
        pa.field("model_index", pa.string()),
        pa.field("config_model_type", pa.string()),
        pa.field("architectures", pa.list_(pa.string())),
        pa.field("base_models", pa.list_(pa.string())),
        pa.field("datasets", pa.list_(pa.string())),
        pa.field("license", pa.string()),
        pa.field("safetensors_total", pa.int64()),
        pa.field("n_files", pa.int64()),
        pa.field("n_spaces", pa.int64()),
        pa.field("extra_json", pa.string()),
        # Raw fields present but unusable (beyond int64, not finite, impossible date, wrong
        # type): their column is null and extra_json keeps the value as received.
        pa.field("invalid_fields", pa.list_(pa.string())),
    ]
)

ERRORS = pa.schema(
    [
        *ENVELOPE,
        pa.field("stage", pa.string(), nullable=False),
        pa.field("model_id", pa.string()),
        pa.field("url", pa.string()),
        pa.field("http_status", pa.int32()),
        pa.field("error_code", pa.string()),
        pa.field("message", pa.string(), nullable=False),
        pa.field("attempts", pa.int32()),
    ]
)

FILES = pa.schema(
    [
        *ENVELOPE,
        pa.field("model_id", pa.string(), nullable=False),
        pa.field("path", pa.string(), nullable=False),
        pa.field("size", pa.int64()),
        pa.field("blob_id", pa.string()),
        pa.field("lfs_sha256", pa.string()),
        # safetensors, pytorch-pickle, tf-h5, keras, flax-msgpack, onnx, gguf, ggml, tflite,
        # coreml, openvino, pickle, joblib, ckpt, npz, mlx; null for files that hold no weights.
        pa.field("format", pa.string()),
        pa.field("is_weight", pa.bool_(), nullable=False),
    ]
)

CARDS = pa.schema(
    [
        *ENVELOPE,
        pa.field("model_id", pa.string(), nullable=False),
        pa.field("sha", pa.string()),
        pa.field("has_readme", pa.bool_()),
        # ok, missing (no README.md in the repo), not-fetched, error
        pa.field("readme_status", pa.string(), nullable=False),
        pa.field("length", pa.int64()),
        pa.field("front_matter_valid", pa.bool_()),
        pa.field("front_matter_error", pa.string()),
        pa.field("sections", pa.list_(pa.string())),
        pa.field("is_template", pa.bool_()),
        pa.field("body", pa.string()),
        # The README was longer than the parse limit: length is the full size, everything
        # else (front matter, sections, body) was measured on its first bytes.
        pa.field("body_truncated", pa.bool_()),
    ]
)

ORGS = pa.schema(
    [
        *ENVELOPE,
        pa.field("name", pa.string(), nullable=False),
        pa.field("kind", pa.string()),  # org, not-org (a user, or gone), unknown (failed)
        pa.field("is_verified", pa.bool_()),
        pa.field("plan", pa.string()),
        pa.field("num_models", pa.int64()),
        pa.field("fullname", pa.string()),
    ]
)

SECURITY = pa.schema(
    [
        *ENVELOPE,
        pa.field("model_id", pa.string(), nullable=False),
        pa.field("scans_done", pa.bool_()),
        pa.field("files_with_issues", pa.list_(pa.string())),
        pa.field("levels", pa.list_(pa.string())),
    ]
)

COMMITS = pa.schema(
    [
        *ENVELOPE,
        pa.field("model_id", pa.string(), nullable=False),
        pa.field("n_commits", pa.int64()),
        pa.field("n_signed", pa.int64()),
        pa.field("first_commit_at", TIMESTAMP),
        pa.field("last_commit_at", TIMESTAMP),
        pa.field("sample_stratum", pa.string()),
    ]
)

CHANGES = pa.schema(
    [
        *ENVELOPE,
        pa.field("model_id", pa.string(), nullable=False),
        # new, changed, deleted; no-sha: re-fetched because without a sha a change is
        # invisible; retry: unchanged, but the base snapshot has no good row for it
        pa.field("change", pa.string(), nullable=False),
        pa.field("previous_sha", pa.string()),
        pa.field("sha", pa.string()),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "models": MODELS,
    "errors": ERRORS,
    "files": FILES,
    "cards": CARDS,
    "orgs": ORGS,
    "security": SECURITY,
    "commits": COMMITS,
    "changes": CHANGES,
}
