"""Schemas of the snapshot tables (pyarrow). Bump `SCHEMA_VERSION` when a column changes.

Every row starts with the provenance envelope (`ENVELOPE`): which snapshot it belongs to,
when it was fetched (UTC), by which crawler version, from which endpoint. Every column's
meaning is its field's `description` metadata (`pipeline.dictionary.column`); README.md's
"Snapshot tables" is generated from it (`scripts/data_dictionary.py`).
"""

from __future__ import annotations

import pyarrow as pa

from pipeline.dictionary import column

SCHEMA_VERSION = 4
"""3: the sampling design's columns (`DESIGN`) in cards, security, orgs and commits."""

TIMESTAMP = pa.timestamp("ms", tz="UTC")
ENVELOPE = [
    column("snapshot_id", pa.string(), "the snapshot the row belongs to", nullable=False),
    column("fetched_at", TIMESTAMP, "when the row's data was fetched (UTC)", nullable=False),
    column("crawler_version", pa.string(), "the crawler's version", nullable=False),
    column("origin", pa.string(), "the Hub endpoint crawled", nullable=False),
]


def design_columns(unit: str, stratum: str) -> list[pa.Field]:
    """The sampling design of a per-model or per-namespace stage (`crawl/sampling.py`):
    each row's stratum, inclusion probability and stratum size."""
    return [
        column(
            "sample_stratum",
            pa.string(),
            f"the stratum the {unit} was drawn from ({stratum}); null when the stage measured "
            "every one (a census)",
        ),
        column(
            "inclusion_probability",
            pa.float64(),
            f"probability that the {unit} is in the sample: n_h / N_h of its stratum (1 in a "
            "census); an estimate weights it by its inverse",
        ),
        column(
            "stratum_size",
            pa.int64(),
            f"N_h: {unit}s of the listing in its stratum (null in a census)",
        ),
    ]


MODEL_DESIGN = design_columns("model", "task group `|` downloads decile within it")

MODELS = pa.schema(
    [
        *ENVELOPE,
        column("id", pa.string(), "the model's repo id (`author/name`)", nullable=False),
        column(
            "uuid",
            pa.string(),
            "sha1 of `hf:model:<id>`, stable across snapshots",
            nullable=False,
        ),
        column("author", pa.string(), "the namespace (user or organization)"),
        column("sha", pa.string(), "the commit the record describes"),
        column(
            "created_at",
            TIMESTAMP,
            "UTC; never before 2022-03-02T23:29:04Z, when the Hub began recording it",
        ),
        column("last_modified", TIMESTAMP, "UTC, the last commit"),
        column("downloads", pa.int64(), "downloads in the last 30 days"),
        column("downloads_all_time", pa.int64(), "downloads since the Hub began counting"),
        column("likes", pa.int64(), "likes"),
        column("trending_score", pa.float64(), "the Hub's trending score"),
        column("pipeline_tag", pa.string(), "the model's task"),
        column("library_name", pa.string(), "the library that loads it"),
        column("tags", pa.list_(pa.string()), "the Hub's tags (list)"),
        column("gated", pa.string(), "`false`, `auto` or `manual`"),
        column("private", pa.bool_(), "private repo"),
        column("disabled", pa.bool_(), "disabled repo"),
        column("card_data", pa.string(), "the card's YAML front matter as JSON text"),
        column("model_index", pa.string(), "the Hub's processed model-index as JSON text"),
        column("config_model_type", pa.string(), "`model_type` of the repo's config"),
        column("architectures", pa.list_(pa.string()), "`architectures` of the config (list)"),
        column(
            "base_models",
            pa.list_(pa.string()),
            "list, from `base_model:` tags, else the card",
        ),
        column(
            "datasets",
            pa.list_(pa.string()),
            "list: the card's `datasets` and the `dataset:` tags",
        ),
        column("license", pa.string(), "the card's `license`, else the `license:` tag"),
        column(
            "safetensors_total", pa.int64(), "`safetensors.total`: parameters in safetensors files"
        ),
        column("n_files", pa.int64(), "files in the repo"),
        column("n_spaces", pa.int64(), "Spaces using the model"),
        column("extra_json", pa.string(), "every field of the record the columns do not hold"),
        column(
            "invalid_fields",
            pa.list_(pa.string()),
            "raw fields present but unusable (beyond int64, not finite, impossible date, wrong "
            "type): their column is null, never clamped, and extra_json keeps the value as "
            "received (list)",
        ),
    ]
)

ERRORS = pa.schema(
    [
        *ENVELOPE,
        column(
            "stage",
            pa.string(),
            "the crawl stage that failed (`listing`, `parse`, `cards`, ...)",
            False,
        ),
        column("model_id", pa.string(), "the model (or author) concerned"),
        column("url", pa.string(), "the URL asked"),
        column("http_status", pa.int32(), "the last HTTP status"),
        column("error_code", pa.string(), "the Hub's `X-Error-Code`"),
        column("message", pa.string(), "what went wrong", nullable=False),
        column("attempts", pa.int32(), "requests made, retries included"),
    ]
)

FILES = pa.schema(
    [
        *ENVELOPE,
        column("model_id", pa.string(), "the model", nullable=False),
        column("path", pa.string(), "the file's path in the repo", nullable=False),
        column("size", pa.int64(), "bytes (when the Hub sent it)"),
        column("blob_id", pa.string(), "git blob id (when the Hub sent it)"),
        column("lfs_sha256", pa.string(), "LFS sha256 (when the Hub sent it)"),
        column(
            "format",
            pa.string(),
            "weight format from the file name: safetensors, pytorch-pickle, tf-h5, keras, "
            "flax-msgpack, onnx, gguf, ggml, tflite, coreml, openvino, pickle, joblib, ckpt, "
            "npz, mlx; null for non-weights",
        ),
        column("is_weight", pa.bool_(), "the file holds weights", nullable=False),
    ]
)

CARDS = pa.schema(
    [
        *ENVELOPE,
        column("model_id", pa.string(), "the model", nullable=False),
        column("sha", pa.string(), "the commit read"),
        column("has_readme", pa.bool_(), "the repo has a README.md (null: unknown)"),
        column(
            "readme_status",
            pa.string(),
            "`ok`, `missing`, `gated`, `error`, or `not-recorded` when a replay Hub has no "
            "recording of it",
            nullable=False,
        ),
        column("length", pa.int64(), "characters of the whole README"),
        column(
            "front_matter_valid",
            pa.bool_(),
            "the YAML front matter loads (safe loader within limits, `crawl/boundedyaml.py`)",
        ),
        column("front_matter_error", pa.string(), "why it does not"),
        column("sections", pa.list_(pa.string()), "Markdown headings (list)"),
        column(
            "is_template",
            pa.bool_(),
            "fewer than 300 characters of prose once the template's placeholders are removed",
        ),
        column("body", pa.string(), "the README text (with `crawl.keep_card_body`)"),
        column(
            "body_truncated",
            pa.bool_(),
            "the README was over 1 MB: `length` is its full size, everything else was "
            "measured on its first 1 MB",
        ),
        *MODEL_DESIGN,
    ]
)

ORGS = pa.schema(
    [
        *ENVELOPE,
        column("name", pa.string(), "the author namespace", nullable=False),
        column(
            "kind",
            pa.string(),
            "`org`; `not-org` when the organization overview answers 404 (a user, or gone); "
            "`unknown` when the request failed",
        ),
        column("is_verified", pa.bool_(), "the organization is verified"),
        column("plan", pa.string(), "its Hub plan"),
        column("num_models", pa.int64(), "its models"),
        column("fullname", pa.string(), "its display name"),
        *design_columns("namespace", "decile of its models' summed downloads"),
    ]
)

SECURITY = pa.schema(
    [
        *ENVELOPE,
        column("model_id", pa.string(), "the model", nullable=False),
        column("scans_done", pa.bool_(), "the Hub's scans have run"),
        column("files_with_issues", pa.list_(pa.string()), "files the scans flagged (list)"),
        column("levels", pa.list_(pa.string()), "their levels (list)"),
        *MODEL_DESIGN,
    ]
)

COMMITS = pa.schema(
    [
        *ENVELOPE,
        column("model_id", pa.string(), "the sampled model", nullable=False),
        column("n_commits", pa.int64(), "commits in its history"),
        column(
            "n_signed",
            pa.int64(),
            "commits with a `gpgsig` header, read from a tree-less partial clone",
        ),
        column("first_commit_at", TIMESTAMP, "UTC"),
        column("last_commit_at", TIMESTAMP, "UTC"),
        *MODEL_DESIGN,
    ]
)

CHANGES = pa.schema(
    [
        *ENVELOPE,
        column("model_id", pa.string(), "the model", nullable=False),
        column(
            "change",
            pa.string(),
            "`new`, `changed`, `deleted`; `no-sha`: re-fetched because without a sha a change "
            "is invisible; `retry`: unchanged, but the base snapshot has no good row for it",
            nullable=False,
        ),
        column("previous_sha", pa.string(), "its sha in the base snapshot"),
        column("sha", pa.string(), "its sha now"),
    ]
)

NAMES = pa.schema(
    [
        *ENVELOPE,
        column(
            "name",
            pa.string(),
            "a model or dataset name an analysis needs, as written (paper id, base-model "
            "reference, dataset name) that the listing does not hold",
            nullable=False,
        ),
        column("kind", pa.string(), "`model` or `dataset`", nullable=False),
        column("resolved_id", pa.string(), "its current id; null when the Hub has none"),
        column(
            "how",
            pa.string(),
            "`redirect` (the Hub answered 307 to the current id), `found` (200 as written), "
            "`not-found` (RepoNotFound/404), `error` (see `errors`)",
            nullable=False,
        ),
        column("http_status", pa.int32(), "the status of the last answer"),
        column(
            "evidence",
            pa.string(),
            "only from a replay Hub: `recorded`, `inferred` (by a rule, not observed) or "
            "`synthetic`; null from the live Hub",
        ),
        column("references", pa.int64(), "models of the snapshot that name it (its priority)"),
        column("resolved_at", TIMESTAMP, "when it was resolved (UTC; older when reused)"),
    ]
)

# What one row of each table is, for the data dictionary.
ROWS: dict[str, str] = {
    "models": "one row per model",
    "files": "one row per file, from the listing's `siblings`",
    "cards": "one row per model, with `details: [cards]`",
    "orgs": "one row per author namespace",
    "security": "one row per model, with `details: [security]`",
    "commits": "one row per sampled repo, with `crawl.commits`",
    "changes": "one row per model re-fetched or deleted, in incremental crawls",
    "names": "one row per name resolved, with `crawl.resolve_names`",
    "errors": "one row per failure",
}

# The key each table's compacted files are sorted by (`snapshot/compact.py`); rows with equal
# keys keep their crawl order (part by part).
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "models": ("id",),
    "files": ("model_id", "path"),
    "cards": ("model_id",),
    "orgs": ("name",),
    "security": ("model_id",),
    "commits": ("model_id",),
    "changes": ("model_id",),
    "names": ("name", "kind"),
    "errors": ("model_id", "stage"),
}

TABLES: dict[str, pa.Schema] = {
    "models": MODELS,
    "errors": ERRORS,
    "files": FILES,
    "cards": CARDS,
    "orgs": ORGS,
    "security": SECURITY,
    "commits": COMMITS,
    "changes": CHANGES,
    "names": NAMES,
}
