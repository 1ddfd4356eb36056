"""The plan before the spend: requests per stage and bucket, times, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.crawl.phases import Phase
from pipeline.crawl.plan import (
    CrawlPlan,
    announced_quotas,
    config_plan,
    phases_plan,
    refusal,
    work_of,
)

ROOT = Path(__file__).resolve().parents[2]
FREE = ({"api": 1000, "resolvers": 5000, "pages": 200}, 300.0, "free tier")


def hub_plan(config: str, *overrides: str, models: int = 2_500_000) -> CrawlPlan:
    settings = load_config(ROOT / "configs" / config, ["paths.snapshots=/nonexistent", *overrides])
    return config_plan(settings, (models, "test"), FREE)


def test_default_live_run_fits_an_hour_of_rate_limit_time_at_2_5m_models() -> None:
    plan = hub_plan("hub.yaml")
    stages = {c.stage: c for c in plan.stages}
    # Every figure and table: cards (Table I), security and orgs (Table IV), commits, names.
    assert set(stages) == {"listing", "cards", "security", "orgs", "names", "commits"}
    assert stages["listing"].requests == 2500
    requests = plan.bucket_requests()
    by_hand = (requests["api"] / 1000 + requests["resolvers"] / 5000) * 5
    assert plan.rate_limit_minutes() == pytest.approx(by_hand)
    assert plan.rate_limit_minutes() <= 60
    assert stages["commits"].bucket is None  # git is not rate-limited by the Hub
    # Side by side: the listing, then the longest bucket, not the sum.
    api_after = (requests["api"] - 2500) / 1000 * 5
    assert plan.predicted_hours() == pytest.approx((12.5 + max(api_after, 15.0)) / 60)
    assert refusal(plan, 1.0) is None


def test_census_states_its_cost_in_days() -> None:
    plan = hub_plan("hub-census.yaml")
    assert plan.predicted_hours() > 24 * 7
    header = (ROOT / "configs" / "hub-census.yaml").read_text(encoding="utf-8")
    assert f"{plan.bucket_requests()['resolvers']:,} resolvers requests" in header


def test_the_listing_config_is_minutes() -> None:
    plan = hub_plan("hub-listing.yaml")
    assert plan.rate_limit_minutes() < 30
    assert {c.stage for c in plan.stages} == {"listing", "names"}


def test_refusal_names_the_stage_to_sample_and_a_size_that_fits() -> None:
    plan = hub_plan("hub.yaml", "crawl.cards_sample=all")
    reason = refusal(plan, 1.0)
    assert reason is not None and "cards" in reason and "crawl.cards_sample" in reason
    size = int(reason.split("at most ")[1].split(" ")[0].replace(",", ""))
    assert refusal(hub_plan("hub.yaml", f"crawl.cards_sample={size}"), 1.0) is None
    assert refusal(hub_plan("hub.yaml", f"crawl.cards_sample={size + 6000}"), 1.0) is not None


def test_refusal_of_the_api_bucket_names_its_largest_stage() -> None:
    reason = refusal(hub_plan("hub.yaml", "crawl.security_sample=all"), 2.0)
    assert reason is not None and "crawl.security_sample" in reason


def test_quotas_come_from_the_listings_ratelimit_policy() -> None:
    headers = {
        "RateLimit": '"api";r=2499;t=120',
        "RateLimit-Policy": '"fixed window";"api";q=2500;w=300',
    }
    quotas, window, announced = announced_quotas(headers, FREE[0], 300.0)
    assert announced and window == 300.0
    assert quotas["api"] == 2500 and quotas["resolvers"] == 12000  # the PRO row
    quotas, _, announced = announced_quotas({}, FREE[0], 300.0)
    assert not announced and quotas == FREE[0]


def test_after_the_listing_the_plan_counts_the_phases_work() -> None:
    config = load_config(ROOT / "configs" / "hub.yaml", ["paths.snapshots=/nonexistent"])
    phases = [
        Phase("details", print, [("a/b", None)] * 10),
        Phase("orgs", print, ["a"] * 4),
        Phase("names", print, [("x", "model", 1)] * 100),
    ]
    work = work_of(phases, ("cards", "security"))
    assert work == {"cards": 10, "security": 10, "orgs": 4, "names": 140}
    plan = phases_plan(config_plan(config, (50, "test"), FREE), work, 50, 1, FREE[0])
    assert plan.listing_minutes() == 0.0
    assert plan.bucket_requests(after_listing=True) == {"api": 154, "resolvers": 10}
    assert "done" in plan.render() and "50 models listed" in plan.render()
