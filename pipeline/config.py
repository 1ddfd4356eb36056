"""Configuration: one YAML file (under `configs/`) plus `--set section.key=value` overrides.

Every key is a field of a frozen dataclass, one per section (`HubSettings`, `CrawlSettings`,
...), with its type and default; anything else is rejected before any work starts, with a
message that names the key. Relative paths are resolved against the working
directory. The Hub token is never part of the configuration: it is read from `HF_TOKEN` (or
the huggingface_hub login) at the moment a request is made.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from types import UnionType
from typing import Any, get_args, get_origin, get_type_hints

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


SampleSize = int | str
"""A stage's sample: the string `all` or a whole number of units (at least 1)."""

SAMPLE_KEYS = ("cards_sample", "security_sample", "orgs_sample", "commits_sample")


class _Section:
    """A configuration section: typed fields; `section["key"]` reads like the YAML."""

    def __getitem__(self, key: str) -> Any:
        if key not in {f.name for f in fields(self)}:  # type: ignore[arg-type]
            raise KeyError(key)
        return getattr(self, key)


@dataclass(frozen=True)
class HubSettings(_Section):
    # null: the HF_ENDPOINT environment variable, else the live Hub.
    # "replay": start the replay Hub over `replay.data` and crawl that.
    endpoint: str | None = None


@dataclass(frozen=True)
class ReplaySettings(_Section):
    data: str = "data/hub-2024-07"
    latency_ms: float = 0.0


@dataclass(frozen=True)
class CrawlSettings(_Section):
    expand: list[str] = field(default_factory=lambda: list(DEFAULT_LISTING_EXPAND))
    page_size: int = 1000
    max_pages: int | None = None
    timeout_s: float = 30.0
    max_retries: int = 6
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    # Requests per window for the api bucket when the Hub sends no RateLimit-Policy
    # header (Free user plan, docs/hub-api.md §7).
    api_quota: int = 1000
    resolvers_quota: int = 5000
    pages_quota: int = 200
    window_s: float = 300.0
    keep_raw: bool = True
    progress: bool = True
    # Per-model requests, for what the listing cannot return: "cards" (README, one
    # resolver request per model), "security" (one API request per model).
    details: list[str] = field(default_factory=lambda: ["cards"])
    orgs: bool = True
    detail_batch: int = 100
    keep_card_body: bool = False
    # A previous complete snapshot: per-model requests only for new or changed models.
    since: str | None = None
    # After a crawl, keep only the newest N complete snapshots of the store (null: all).
    keep_last: int | None = None
    # Signed commits, read from git commit objects (a tree-less partial clone per repo):
    # "off", "sample" (commits_per_stratum models from each downloads decile), "all".
    commits: str = "off"
    commits_per_stratum: int = 100
    commits_seed: int = 0
    commits_timeout_s: float = 120.0
    # Where the git repositories are served; null: the Hub endpoint itself.
    git_endpoint: str | None = None
    # Per-model and per-namespace stages: "all" (a census) or a sample size, drawn
    # stratified from the listing and kept as a panel by incremental crawls
    # (`pipeline/crawl/sampling.py`). `commits_sample: all` with `commits: sample` means
    # `commits_per_stratum` models per downloads decile in all; the commit sample is seeded
    # by `commits_seed`, the others by `sample_seed`.
    cards_sample: SampleSize = "all"
    security_sample: SampleSize = "all"
    orgs_sample: SampleSize = "all"
    commits_sample: SampleSize = "all"
    sample_seed: int = 0
    # Names the analyses need that the listing does not hold (base-model references, dataset
    # names without a namespace, and paper ids with resolve_paper_ids), one API request each:
    # "off", "top N" (the N most-referenced first) or "all".
    resolve_names: str = "off"
    resolve_paper_ids: bool = False
    # Reuse an earlier snapshot's resolutions younger than this (days).
    names_max_age_days: float = 30.0
    # Refuse, before spending, a crawl whose plan (`ptm plan`) needs more hours than this
    # at the Hub's quotas; the message names the stage to sample. null: no limit.
    max_hours: float | None = None
    # Models the plan printed before the listing assumes; null: the newest complete
    # snapshot's count in the store, else 2,500,000 (the live Hub, late 2026).
    expected_models: int | None = None
    # When the crawl completes, rewrite each table into a few large Parquet files sorted by
    # its key, before the manifest (`pipeline/snapshot/compact.py`).
    compact: bool = True


@dataclass(frozen=True)
class DaskSettings(_Section):
    # null: a local cluster; "tcp://host:8786": an existing Dask scheduler.
    scheduler: str | None = None
    workers: int = 2
    # Crawl tasks wait on the network, not the CPU: several per worker let the stages that
    # spend different rate-limit buckets run at the same time. Requests in flight are set
    # by the rate budget (quota x latency), not by this.
    threads_per_worker: int = 4
    processes: bool = False


@dataclass(frozen=True)
class ClaimsSettings(_Section):
    # Measured values the claims are compared with (`ptm discrepancy --help`).
    sources: list[str] = field(default_factory=lambda: ["icwsm", "leaderboard", "hub-verified"])
    tolerance_pp: float = 0.5


@dataclass(frozen=True)
class PathsSettings(_Section):
    snapshots: str = "snapshots"
    results: str = "results"
    # After each complete crawl, copy the snapshot to this fsspec URL (s3://bucket/hub,
    # gs://..., file:///...), manifest last; null: local only.
    publish: str | None = None


SECTIONS: dict[str, type[_Section]] = {
    "hub": HubSettings,
    "replay": ReplaySettings,
    "crawl": CrawlSettings,
    "dask": DaskSettings,
    "claims": ClaimsSettings,
    "paths": PathsSettings,
}
DETAIL_STAGES = ("cards", "security")


def _defaults(section: type[_Section]) -> dict[str, Any]:
    return asdict(section())  # type: ignore[call-arg]


# Every declared key with its default, section by section (the README's table).
DEFAULTS: dict[str, dict[str, Any]] = {name: _defaults(cls) for name, cls in SECTIONS.items()}


@dataclass(frozen=True)
class Config:
    """A validated configuration: one typed section per YAML section (`config.crawl.page_size`;
    `config["crawl"]["page_size"]` reads the same), plus where it came from."""

    hub: HubSettings
    replay: ReplaySettings
    crawl: CrawlSettings
    dask: DaskSettings
    claims: ClaimsSettings
    paths: PathsSettings
    source: str

    def __getitem__(self, section: str) -> _Section:
        if section not in SECTIONS:
            raise KeyError(section)
        return getattr(self, section)

    @property
    def values(self) -> dict[str, dict[str, Any]]:
        """The effective configuration as plain data, section by section."""
        return {name: asdict(self[name]) for name in SECTIONS}  # type: ignore[call-overload]

    @property
    def config_hash(self) -> str:
        """A short hash of the effective configuration (recorded in every manifest)."""
        canonical = json.dumps(self.values, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def endpoint(self) -> str:
        """The Hub endpoint to crawl: the configured URL, else `HF_ENDPOINT`, else the live Hub."""
        configured = self.hub.endpoint
        if configured:
            return str(configured).rstrip("/")
        return os.environ.get("HF_ENDPOINT", LIVE_ENDPOINT).rstrip("/")

    def path(self, key: str) -> Path:
        """The path `paths.<key>`."""
        return Path(self.paths[key])


def _check_type(where: str, kind: Any, value: Any) -> Any:
    """`value` checked against a field's type (`int`, `float`, `bool`, `str`, `list[str]`,
    each optionally `| None`); `ConfigError` naming the key otherwise."""
    if kind == SampleSize:
        if value == "all" or (
            isinstance(value, int) and not isinstance(value, bool) and value >= 1
        ):
            return value
        raise ConfigError(
            f"{where}: expected all or a sample size (a whole number >= 1), got {value!r}"
        )
    nullable = isinstance(kind, UnionType) and type(None) in get_args(kind)
    base = next(k for k in get_args(kind) if k is not type(None)) if nullable else kind
    if value is None:
        if nullable:
            return None
        raise ConfigError(f"{where}: must not be null")
    if base is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if base is int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{where}: expected a non-negative whole number, got {value!r}")
        return value
    if base is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where}: expected a non-negative number, got {value!r}")
        return float(value)
    if get_origin(base) is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    return value


def _section(name: str, keys: Any, source: str) -> _Section:
    """One typed section from its YAML mapping; unknown keys and wrong types are rejected."""
    cls = SECTIONS[name]
    if keys is None:
        return cls()
    if not isinstance(keys, dict):
        raise ConfigError(f"{source}: section {name!r} must be a mapping")
    types = get_type_hints(cls)
    known = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    values = {}
    for key, value in keys.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key {name}.{key} (known: {', '.join(known)})")
        if (name, key) in (("crawl", "commits"), ("crawl", "resolve_names")) and value is False:
            value = "off"  # YAML 1.1 reads a bare `off` as false
        if (name, key) == ("crawl", "resolve_names") and _whole(value):
            value = f"top {value}"
        values[key] = _check_type(f"{source}: {name}.{key}", types[key], value)
    return cls(**values)


def validate(raw: Any, source: str) -> Config:
    """Merge `raw` over the defaults, rejecting unknown sections and keys and wrong types."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the configuration must be a mapping of sections")
    for section in raw:
        if section not in SECTIONS:
            known = ", ".join(SECTIONS)
            raise ConfigError(f"{source}: unknown section {section!r} (known: {known})")
    sections = {name: _section(name, raw.get(name), source) for name in SECTIONS}
    config = Config(**sections, source=source)  # type: ignore[arg-type]
    _check_ranges(config, source)
    return config


def _check_ranges(config: Config, source: str) -> None:
    """Rules across the types: ranges, known names, URL shapes."""
    crawl, dask = config.crawl, config.dask
    if dask.scheduler and not str(dask.scheduler).startswith("tcp://"):
        raise ConfigError(
            f"{source}: dask.scheduler must be null or tcp://host:port, got {dask.scheduler!r}"
        )
    if crawl.page_size < 1 or crawl.page_size > 1000:
        raise ConfigError(f"{source}: crawl.page_size must be between 1 and 1000")
    unknown_stages = sorted(set(crawl.details) - set(DETAIL_STAGES))
    if unknown_stages:
        raise ConfigError(
            f"{source}: crawl.details: unknown stage(s) {unknown_stages} (known: {DETAIL_STAGES})"
        )
    if crawl.commits not in ("off", "sample", "all"):
        raise ConfigError(
            f"{source}: crawl.commits must be off, sample or all, got {crawl.commits!r}"
        )
    if crawl.commits == "all" and crawl.commits_sample != "all":
        raise ConfigError(
            f"{source}: crawl.commits_sample is {crawl.commits_sample!r} but crawl.commits is "
            "all: set crawl.commits to sample"
        )
    resolve_cap(crawl.resolve_names, source)
    if crawl.keep_last is not None and crawl.keep_last < 1:
        raise ConfigError(f"{source}: crawl.keep_last must be null or at least 1")
    if crawl.max_hours is not None and not crawl.max_hours > 0:
        raise ConfigError(f"{source}: crawl.max_hours must be null or > 0")
    if crawl.expected_models is not None and crawl.expected_models < 1:
        raise ConfigError(f"{source}: crawl.expected_models must be null or at least 1")
    if crawl.detail_batch < 1:
        raise ConfigError(f"{source}: crawl.detail_batch must be at least 1")
    if dask.workers < 1:
        raise ConfigError(f"{source}: dask.workers must be at least 1")
    if dask.threads_per_worker < 1:
        raise ConfigError(f"{source}: dask.threads_per_worker must be at least 1")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def resolve_cap(value: str, source: str = "configuration") -> int | None:
    """`crawl.resolve_names` as a cap: 0 for `off`, None for `all`, N for `top N`."""
    text = str(value).strip().lower()
    if text == "off":
        return 0
    if text == "all":
        return None
    parts = text.split()
    if len(parts) == 2 and parts[0] == "top" and parts[1].isdigit() and int(parts[1]) > 0:
        return int(parts[1])
    raise ConfigError(
        f"{source}: crawl.resolve_names must be off, all or 'top N' (N > 0), got {value!r}"
    )


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
