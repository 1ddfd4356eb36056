"""Configuration: one YAML file (under `configs/`) plus `--set section.key=value` overrides.

Every key is declared in `DEFAULTS` with its type; anything else is rejected before any work
starts, with a message that names the key. Relative paths are resolved against the working
directory. The Hub token is never part of the configuration: it is read from `HF_TOKEN` (or
the huggingface_hub login) at the moment a request is made.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError

LIVE_ENDPOINT = "https://huggingface.co"
REPLAY = "replay"

# Fields the Hub's listing can return with `expand` (docs/hub-api.md §1) that the analyses use.
DEFAULT_LISTING_EXPAND = [
    "author",
    "cardData",
    "config",
    "createdAt",
    "disabled",
    "downloads",
    "downloadsAllTime",
    "gated",
    "lastModified",
    "library_name",
    "likes",
    "model-index",
    "pipeline_tag",
    "private",
    "safetensors",
    "sha",
    "siblings",
    "spaces",
    "tags",
    "transformersInfo",
    "trendingScore",
]

DEFAULTS: dict[str, dict[str, Any]] = {
    "hub": {
        # null: the HF_ENDPOINT environment variable, else the live Hub.
        # "replay": start the replay Hub over `replay.data` and crawl that.
        "endpoint": None,
    },
    "replay": {
        "data": "data/hub-2024-07",
        "latency_ms": 0.0,
    },
    "crawl": {
        "expand": DEFAULT_LISTING_EXPAND,
        "page_size": 1000,
        "max_pages": None,
        "timeout_s": 30.0,
        "max_retries": 6,
        "backoff_base_s": 1.0,
        "backoff_cap_s": 60.0,
        # Requests per window for the api bucket when the Hub sends no RateLimit-Policy
        # header (Free user plan, docs/hub-api.md §7).
        "api_quota": 1000,
        "resolvers_quota": 5000,
        "pages_quota": 200,
        "window_s": 300.0,
        "keep_raw": True,
        "progress": True,
        # Per-model requests, for what the listing cannot return: "cards" (README, one
        # resolver request per model), "security" (one API request per model).
        "details": ["cards"],
        "orgs": True,
        "detail_batch": 100,
        "keep_card_body": False,
        # A previous complete snapshot: per-model requests only for new or changed models.
        "since": None,
        # After a crawl, keep only the newest N complete snapshots of the store (null: all).
        "keep_last": None,
        # Signed commits, read from git commit objects (a tree-less partial clone per repo):
        # "off", "sample" (commits_per_stratum models from each downloads decile), "all".
        "commits": "off",
        "commits_per_stratum": 100,
        "commits_seed": 0,
        "commits_timeout_s": 120.0,
        # Where the git repositories are served; null: the Hub endpoint itself.
        "git_endpoint": None,
    },
    "dask": {
        # null: a local cluster; "tcp://host:8786": an existing Dask scheduler.
        "scheduler": None,
        "workers": 2,
        "processes": False,
    },
    "claims": {
        # Measured values the claims are compared with (`ptm discrepancy --help`).
        "sources": ["icwsm", "leaderboard", "hub-verified"],
        "tolerance_pp": 0.5,
    },
    "paths": {
        "snapshots": "snapshots",
        "results": "results",
        # After each complete crawl, copy the snapshot to this fsspec URL (s3://bucket/hub,
        # gs://..., file:///...), manifest last; null: local only.
        "publish": None,
    },
}

# What a value of each declared key may be (None always allowed where the default is None).
_NULLABLE = {
    ("hub", "endpoint"),
    ("crawl", "max_pages"),
    ("crawl", "since"),
    ("crawl", "keep_last"),
    ("paths", "publish"),
    ("crawl", "git_endpoint"),
    ("dask", "scheduler"),
}
DETAIL_STAGES = ("cards", "security")


@dataclass(frozen=True)
class Config:
    """A validated configuration: `values[section][key]`, plus where it came from."""

    values: dict[str, dict[str, Any]]
    source: str

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.values[section]

    @property
    def config_hash(self) -> str:
        """A short hash of the effective configuration (recorded in every manifest)."""
        canonical = json.dumps(self.values, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def endpoint(self) -> str:
        """The Hub endpoint to crawl: the configured URL, else `HF_ENDPOINT`, else the live Hub."""
        configured = self.values["hub"]["endpoint"]
        if configured:
            return str(configured).rstrip("/")
        return os.environ.get("HF_ENDPOINT", LIVE_ENDPOINT).rstrip("/")

    def path(self, key: str) -> Path:
        return Path(self.values["paths"][key])


def _check_type(where: str, default: Any, value: Any, nullable: bool) -> Any:
    if value is None:
        if nullable:
            return None
        raise ConfigError(f"{where}: must not be null")
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if isinstance(default, int) or where.endswith(("max_pages", "keep_last")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{where}: expected a non-negative whole number, got {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where}: expected a non-negative number, got {value!r}")
        return float(value)
    if isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    return value


def validate(raw: Any, source: str) -> Config:
    """Merge `raw` over the defaults, rejecting unknown keys and wrong types."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the configuration must be a mapping of sections")
    values = copy.deepcopy(DEFAULTS)
    for section, keys in raw.items():
        if section not in DEFAULTS:
            known = ", ".join(DEFAULTS)
            raise ConfigError(f"{source}: unknown section {section!r} (known: {known})")
        if keys is None:
            continue
        if not isinstance(keys, dict):
            raise ConfigError(f"{source}: section {section!r} must be a mapping")
        for key, value in keys.items():
            if key not in DEFAULTS[section]:
                known = ", ".join(DEFAULTS[section])
                raise ConfigError(f"{source}: unknown key {section}.{key} (known: {known})")
            if (section, key) == ("crawl", "commits") and value is False:
                value = "off"  # YAML 1.1 reads a bare `off` as false
            values[section][key] = _check_type(
                f"{source}: {section}.{key}",
                DEFAULTS[section][key],
                value,
                (section, key) in _NULLABLE,
            )
    scheduler = values["dask"]["scheduler"]
    if scheduler and not str(scheduler).startswith("tcp://"):
        raise ConfigError(
            f"{source}: dask.scheduler must be null or tcp://host:port, got {scheduler!r}"
        )
    if values["crawl"]["page_size"] < 1 or values["crawl"]["page_size"] > 1000:
        raise ConfigError(f"{source}: crawl.page_size must be between 1 and 1000")
    unknown_stages = sorted(set(values["crawl"]["details"]) - set(DETAIL_STAGES))
    if unknown_stages:
        raise ConfigError(
            f"{source}: crawl.details: unknown stage(s) {unknown_stages} (known: {DETAIL_STAGES})"
        )
    commits = values["crawl"]["commits"]
    if commits not in ("off", "sample", "all"):
        raise ConfigError(f"{source}: crawl.commits must be off, sample or all, got {commits!r}")
    if values["crawl"]["keep_last"] is not None and values["crawl"]["keep_last"] < 1:
        raise ConfigError(f"{source}: crawl.keep_last must be null or at least 1")
    if values["crawl"]["detail_batch"] < 1:
        raise ConfigError(f"{source}: crawl.detail_batch must be at least 1")
    if values["dask"]["workers"] < 1:
        raise ConfigError(f"{source}: dask.workers must be at least 1")
    return Config(values=values, source=source)


def parse_override(text: str) -> tuple[str, str, Any]:
    """Split `section.key=value`; the value is read as YAML (`3`, `true`, `[a, b]`, `null`)."""
    if "=" not in text or "." not in text.split("=", 1)[0]:
        raise ConfigError(f"--set {text!r}: expected section.key=value")
    dotted, value = text.split("=", 1)
    section, key = dotted.split(".", 1)
    try:
        parsed = yaml.safe_load(value) if value else None
    except yaml.YAMLError as error:
        raise ConfigError(f"--set {text!r}: value is not valid YAML ({error})") from error
    return section, key, parsed


def load_config(path: Path | None, overrides: list[str] | None = None) -> Config:
    """Read a YAML configuration and apply `--set` overrides; raises `ConfigError`."""
    raw: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError as error:
            raise ConfigError(f"configuration file {path} does not exist") from error
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read configuration file {path}: {error}") from error
        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise ConfigError(f"{path} is not valid YAML: {error}") from error
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: the configuration must be a mapping of sections")
    for text in overrides or []:
        section, key, value = parse_override(text)
        section_values = raw.setdefault(section, {})
        if not isinstance(section_values, dict):
            raise ConfigError(f"{source}: section {section!r} must be a mapping")
        section_values[key] = value
    return validate(raw, source)
