"""`ptm plan`: what a crawl of this configuration will cost, before it spends anything."""

from __future__ import annotations

import argparse
import sys

from pipeline.cli.arguments import add_config_arguments, config_from_args
from pipeline.cli.endpoint import hub_endpoint
from pipeline.config import Config
from pipeline.crawl.plan import (
    announced_quotas,
    config_plan,
    configured_quotas,
    expected_models,
    refusal,
)
from pipeline.errors import HubError
from pipeline.hub.client import HubClient


def asked_quotas(config: Config) -> tuple[dict[str, int], float, str]:
    """The quotas of the Hub's `RateLimit-Policy`, from one listing request of one model
    (one api request); the configured ones when the Hub sends none or cannot be reached."""
    configured = configured_quotas(config)
    window_s = config.crawl.window_s
    try:
        with hub_endpoint(config) as endpoint:
            response = HubClient(endpoint).get("/api/models", [("limit", "1")])
    except HubError as error:
        print(
            f"could not ask the Hub for its quotas ({error}); using the configured ones",
            file=sys.stderr,
        )
        return configured, window_s, "configured; the Hub could not be asked"
    quotas, window_s, announced = announced_quotas(response.headers, configured, window_s)
    source = (
        f"announced by {endpoint} (RateLimit-Policy; resolvers from the same plan's row)"
        if announced
        else f"configured; {endpoint} sent no RateLimit-Policy"
    )
    return quotas, window_s, source


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    models = (args.models, "--models") if args.models else expected_models(config)
    quotas = None if args.offline else asked_quotas(config)
    plan = config_plan(config, models, quotas)
    print(plan.render())
    reason = refusal(plan, config.crawl.max_hours)
    if reason is not None:
        print(f"refused: {reason}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="requests per stage and rate-limit bucket, and the time they need",
        description=(
            "Print, per stage of a crawl of this configuration (listing, cards, security, "
            "orgs, names, commits), the requests it sends, the Hub rate-limit bucket they "
            "count against (api, resolvers; git clones count against none) and the minutes "
            "of that bucket's quota they need; then the total per bucket, the rate-limit "
            "time (sum over buckets) and the predicted wall time (the listing, then the "
            "per-model stages side by side). The quotas are those the Hub announces in the "
            "RateLimit-Policy header of one listing request (one api request), or the "
            "configured ones with --offline. Exits 1 when the plan exceeds crawl.max_hours, "
            "naming the stage to sample. `ptm crawl` prints the same plan first, and again "
            "with exact counts once the listing is done."
        ),
    )
    add_config_arguments(parser)
    parser.add_argument(
        "--models",
        type=int,
        default=None,
        metavar="N",
        help="models to plan for (default: crawl.expected_models, else the newest complete "
        "snapshot's count, else 2,500,000, the live Hub in late 2026)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="send no request: plan at the configured quotas",
    )
    parser.set_defaults(func=run)
