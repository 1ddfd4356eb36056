"""What a crawl will cost before it spends anything: requests per stage and rate-limit bucket,
and the time they need at the Hub's quotas (docs/hub-api.md §7).

The Hub counts requests per bucket in fixed 5-minute windows, so a stage of n requests in a
bucket of quota q per window w needs n / q x w of that bucket's time, whatever the
concurrency. The listing comes first (its pages are the frame every sample is drawn from);
the per-model stages then run side by side (`run.py`), so the crawl's time is the listing's
plus the longest bucket's. `rate_limit_minutes` is the other figure, the sum over buckets
(the one configs/hub.yaml is held to: at most 60 minutes at 2.5M models).

Two plans: `estimate_plan`, from the configuration and a number of models (before the
listing, or `ptm plan`), and `phases_plan`, from the exact work of a crawl whose listing is
done. `refusal` says, when a plan exceeds `crawl.max_hours`, which stage to sample and to
what size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.config import Config, resolve_cap
from pipeline.crawl.sampling import ALL, stage_sizes
from pipeline.errors import SnapshotError
from pipeline.snapshot.reader import latest_complete_snapshot, read_manifest

HUB_MODELS_LATE_2026 = 2_500_000
"""Models on the live Hub in late 2026: the estimate when no earlier snapshot says."""
NAMESPACES_PER_MODEL = 0.199
"""Author namespaces per model: 75,459 for the 380,000 models of the recorded July-2024
listing (../shared/data/hub-2024-07/model_lists)."""
NAMES_PER_MODEL = 0.0734
"""Names to resolve per model with `resolve_names: all`: 27,876 for those 380,000 models
(`benchmarks/names.py`)."""
REQUESTS_PER_NAME = 1.4
"""Requests a name takes (one, plus one per redirect hop): 1.02 for all 27,876 names of
those 380,000 models, 1.40 for the 800 most-referenced of the 2.5M-model scale run
(`benchmarks/scale.py`: 1,123 requests; renamed datasets are referenced most): the
plan takes the larger."""
HUB_WINDOW_S = 300.0
"""The Hub's fixed window (docs/hub-api.md §7); its table of quotas is per such window."""
RESOLVERS_BY_API_QUOTA = {
    500: 3000,
    1000: 5000,
    2500: 12000,
    3000: 20000,
    6000: 50000,
    10000: 100000,
}
"""The resolvers quota of the plan whose api quota is the key (docs/hub-api.md §7): the
listing's `RateLimit-Policy` names the api bucket only."""
STAGE_BUCKET = {
    "listing": "api",
    "cards": "resolvers",
    "security": "api",
    "orgs": "api",
    "names": "api",
    "commits": None,  # git smart-HTTP: not in a Hub rate-limit bucket
}
SAMPLE_KEY = {
    "cards": "crawl.cards_sample",
    "security": "crawl.security_sample",
    "orgs": "crawl.orgs_sample",
    "names": "crawl.resolve_names (top N)",
    "commits": "crawl.commits_sample",
}


@dataclass(frozen=True)
class StageCost:
    """One stage: its requests, their bucket (None: not rate-limited) and what they are."""

    stage: str
    requests: int
    bucket: str | None
    what: str


@dataclass(frozen=True)
class CrawlPlan:
    """The stages of a crawl and the quotas they are spent against."""

    models: int
    models_source: str
    stages: tuple[StageCost, ...]
    quotas: Mapping[str, int]
    window_s: float
    quotas_source: str
    listing_done: bool = False

    def bucket_requests(self, *, after_listing: bool = False) -> dict[str, int]:
        """Requests per bucket (of the per-model stages only, with `after_listing`)."""
        totals: dict[str, int] = {}
        for cost in self.stages:
            if cost.bucket is None or (after_listing and cost.stage == "listing"):
                continue
            totals[cost.bucket] = totals.get(cost.bucket, 0) + cost.requests
        return totals

    def minutes(self, bucket: str, requests: int) -> float:
        """Minutes of `bucket`'s quota that `requests` take."""
        return requests / max(self.quotas.get(bucket, 1), 1) * self.window_s / 60

    def rate_limit_minutes(self) -> float:
        """The sum over buckets of the time their requests need (the listing included)."""
        return sum(self.minutes(b, n) for b, n in self.bucket_requests().items())

    def listing_minutes(self) -> float:
        if self.listing_done:
            return 0.0
        listing = next((c for c in self.stages if c.stage == "listing"), None)
        return self.minutes("api", listing.requests) if listing else 0.0

    def per_model_minutes(self) -> dict[str, float]:
        return {b: self.minutes(b, n) for b, n in self.bucket_requests(after_listing=True).items()}

    def predicted_hours(self) -> float:
        """Listing, then the per-model stages side by side: the longest bucket's time."""
        per_model = self.per_model_minutes()
        return (self.listing_minutes() + max(per_model.values(), default=0.0)) / 60

    def render(self) -> str:
        """The plan as the lines printed by `ptm plan` and at the start of a crawl."""
        used = {c.bucket for c in self.stages}
        window = f"{self.window_s / 60:g} min" if self.window_s >= 60 else f"{self.window_s:g} s"
        quotas = ", ".join(
            f"{b} {q:,} per {window}" for b, q in sorted(self.quotas.items()) if b in used
        )
        lines = [
            f"plan: {self.models:,} models ({self.models_source}); quotas {quotas} "
            f"({self.quotas_source})",
            f"  {'stage':<9} {'requests':>12}  {'bucket':<9} {'minutes':>9}  what",
        ]
        for cost in self.stages:
            done = cost.stage == "listing" and self.listing_done
            minutes = (
                "done"
                if done
                else "-"
                if cost.bucket is None
                else f"{self.minutes(cost.bucket, cost.requests):,.1f}"
            )
            lines.append(
                f"  {cost.stage:<9} {cost.requests:>12,}  {cost.bucket or 'git':<9} "
                f"{minutes:>9}  {cost.what}"
            )
        buckets = ", ".join(
            f"{b} {n:,} ({self.minutes(b, n):,.1f} min)"
            for b, n in sorted(self.bucket_requests().items())
        )
        per_model = ", ".join(f"{b} {m:,.1f}" for b, m in sorted(self.per_model_minutes().items()))
        lines += [
            f"  total: {buckets}; rate-limit time {self.rate_limit_minutes():,.1f} min "
            "(sum over buckets)",
            f"  predicted: {self.predicted_hours():,.2f} h = listing "
            f"{self.listing_minutes():,.1f} min, then the per-model stages side by side "
            f"(longest bucket of: {per_model or 'none'} min). The listing is one page at a "
            "time: at least pages x the time a page takes.",
        ]
        return "\n".join(lines)


def expected_models(config: Config) -> tuple[int, str]:
    """Models a crawl of `config` should expect before its listing, and why:
    `crawl.expected_models`, else the store's newest complete snapshot, else the live Hub."""
    if config.crawl.expected_models is not None:
        return config.crawl.expected_models, "crawl.expected_models"
    try:
        latest = latest_complete_snapshot(config.path("snapshots"))
        return read_manifest(latest)["tables"]["models"]["rows"], f"as in snapshot {latest.name}"
    except (SnapshotError, KeyError, OSError):
        return HUB_MODELS_LATE_2026, "the live Hub in late 2026, an estimate"


def configured_quotas(config: Config) -> dict[str, int]:
    """The quotas the configuration assumes until the Hub's headers say otherwise."""
    crawl = config.crawl
    return {"api": crawl.api_quota, "resolvers": crawl.resolvers_quota, "pages": crawl.pages_quota}


def config_plan(
    config: Config,
    models: tuple[int, str] | None = None,
    quotas: tuple[Mapping[str, int], float, str] | None = None,
) -> CrawlPlan:
    """`estimate_plan` for a configuration: `models` (count, source) defaults to
    `expected_models`, `quotas` (quotas, window, source) to the configured ones."""
    count, source = models or expected_models(config)
    limits, window_s, limits_source = quotas or (
        configured_quotas(config),
        config.crawl.window_s,
        "configured, until the Hub's RateLimit-Policy says otherwise",
    )
    return estimate_plan(
        config.crawl,
        count,
        quotas=limits,
        window_s=window_s,
        models_source=source,
        quotas_source=limits_source,
    )


def sample_count(size: int | str, frame: int) -> int:
    """Units a stage measures: the whole frame for `all`, else the sample (at most all)."""
    return frame if size == ALL else min(int(size), frame)


def estimate_plan(
    crawl: Any,
    models: int,
    *,
    quotas: Mapping[str, int],
    window_s: float,
    models_source: str,
    quotas_source: str,
) -> CrawlPlan:
    """The cost of crawling `models` models with the configuration's `crawl` section."""
    namespaces = max(1, round(models * NAMESPACES_PER_MODEL))
    sizes = stage_sizes(crawl)
    stages = [
        StageCost(
            "listing",
            math.ceil(models / crawl.page_size),
            "api",
            f"pages of {crawl.page_size} (a census)",
        )
    ]
    for stage in ("cards", "security"):
        if stage in sizes:
            n = sample_count(sizes[stage][0], models)
            stages.append(StageCost(stage, n, STAGE_BUCKET[stage], _what(n, models)))
    if "orgs" in sizes:
        n = sample_count(sizes["orgs"][0], namespaces)
        what = _what(n, namespaces, unit="namespaces (~0.2 a model)")
        stages.append(StageCost("orgs", n, "api", what))
    cap = resolve_cap(crawl.resolve_names)
    if cap != 0:
        wanted = round(models * NAMES_PER_MODEL)
        names = wanted if cap is None else min(cap, wanted)
        stages.append(
            StageCost(
                "names",
                math.ceil(names * REQUESTS_PER_NAME),
                "api",
                f"{names:,} names (of ~{wanted:,}), +1 request per redirect hop",
            )
        )
    if "commits" in sizes:
        n = sample_count(sizes["commits"][0], models)
        stages.append(StageCost("commits", n, None, _what(n, models, "repos")))
    return CrawlPlan(models, models_source, tuple(stages), dict(quotas), window_s, quotas_source)


def phases_plan(
    plan: CrawlPlan,
    work: Mapping[str, int],
    models: int,
    listing_pages: int,
    quotas: Mapping[str, int],
) -> CrawlPlan:
    """The plan once the listing (`listing_pages` requests) is done: the exact per-model
    work (`stage -> requests`, from the crawl's phases) at the quotas the Hub announced."""
    stages = [StageCost("listing", listing_pages, "api", f"{models:,} models listed")]
    stages += [
        StageCost(stage, n, STAGE_BUCKET[stage], f"{n:,} to fetch")
        for stage, n in work.items()
        if n
    ]
    return CrawlPlan(
        models,
        "listed",
        tuple(stages),
        dict(quotas),
        plan.window_s,
        "announced by the Hub" if quotas != plan.quotas else plan.quotas_source,
        listing_done=True,
    )


def refusal(plan: CrawlPlan, max_hours: float | None) -> str | None:
    """None when the plan fits `max_hours` (or there is no limit); else why not, naming the
    stage to sample and a size that fits."""
    if max_hours is None or plan.predicted_hours() <= max_hours:
        return None
    per_model = plan.per_model_minutes()
    if not per_model:
        return (
            f"crawl.max_hours={max_hours:g}: the listing alone needs "
            f"{plan.predicted_hours():.2f} h; raise crawl.max_hours"
        )
    bucket = max(per_model, key=lambda b: per_model[b])
    in_bucket = [c for c in plan.stages if c.bucket == bucket and c.stage != "listing"]
    stage = max(in_bucket, key=lambda c: c.requests)
    room_min = max_hours * 60 - plan.listing_minutes()
    others = sum(c.requests for c in in_bucket if c is not stage)
    fits = math.floor(room_min * 60 / plan.window_s * plan.quotas.get(bucket, 1)) - others
    advice = (
        f"set {SAMPLE_KEY[stage.stage]} to at most {fits:,}"
        if fits > 0
        else f"sample {stage.stage} and the other {bucket} stages"
    )
    return (
        f"crawl.max_hours={max_hours:g}: the plan needs {plan.predicted_hours():.2f} h, most of "
        f"it {stage.stage} ({stage.requests:,} requests of the {bucket} bucket, "
        f"{plan.minutes(bucket, stage.requests) / 60:.2f} h); {advice} (or raise "
        "crawl.max_hours). Nothing was fetched for the per-model stages."
    )


def announced_quotas(
    headers: Mapping[str, str], fallback: Mapping[str, int], window_s: float
) -> tuple[dict[str, int], float, bool]:
    """Quotas and window from a response's `RateLimit-Policy` (the api bucket's; resolvers
    from the same plan's row of the Hub's table); `fallback` when the header is absent.
    The third value says whether the Hub announced them."""
    from huggingface_hub.utils import parse_ratelimit_headers

    limits = {k: v for k, v in headers.items() if k.lower() in ("ratelimit", "ratelimit-policy")}
    info = parse_ratelimit_headers(limits) if limits else None
    if info is None or not info.limit:
        return dict(fallback), window_s, False
    quotas = dict(fallback)
    quotas[info.resource_type] = info.limit
    window = float(info.window_seconds or window_s)
    if info.resource_type == "api" and window == HUB_WINDOW_S:
        quotas["resolvers"] = RESOLVERS_BY_API_QUOTA.get(info.limit, quotas.get("resolvers", 1))
    return quotas, window, True


def _what(n: int, frame: int, unit: str = "models") -> str:
    share = n / frame if frame else 0.0
    kind = "a census" if n >= frame else f"a stratified sample of {share:.2%}"
    return f"{n:,} of {frame:,} {unit}: {kind}"


def work_of(phases: Sequence[Any], settings_stages: Sequence[str]) -> dict[str, int]:
    """Requests per stage of a crawl's `Phase`s (`phases.py`): one per item and stage."""
    work: dict[str, int] = {}
    for phase in phases:
        if phase.name.startswith("details"):
            stages = phase.settings.stages if phase.settings else settings_stages
            for stage in stages:
                work[stage] = work.get(stage, 0) + len(phase.items)
        else:
            requests = len(phase.items)
            if phase.name == "names":
                requests = math.ceil(requests * REQUESTS_PER_NAME)
            work[phase.name] = work.get(phase.name, 0) + requests
    return work
