"""`ptm replay-hub`: serve recorded Hub data on 127.0.0.1 for offline tests and benchmarks.

Thin: flags to `ReplayKnobs`, load the `ReplayStore`, start a `ReplayHub`, print one line and
block until Ctrl-C. User errors (bad data directory, non-loopback host, bad knob, busy port)
are raised as `HubError`, which the CLI prints as one line.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import HubError
from pipeline.hub.replay.server import ReplayHub, ReplayKnobs, ensure_loopback
from pipeline.hub.replay.store import ReplayStore
from pipeline.paths import HUB_SAMPLE

DEFAULT_DATA = HUB_SAMPLE


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `replay-hub` sub-command; its `func` is `run`."""
    parser = subparsers.add_parser(
        "replay-hub",
        help="serve recorded Hub data over HTTP for offline tests and benchmarks",
        description=(
            "Serve recorded Hugging Face Hub data (listing, model_info, README resolve) in the "
            "Hub's own wire format on a loopback address, so huggingface_hub and the crawler "
            "can run offline with HF_ENDPOINT pointed at it. Optional knobs add latency, rate "
            "limits and seeded faults."
        ),
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help="recorded data directory (default: %(default)s)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        metavar="N",
        help="port; 0 picks a free one (default: %(default)s)",
    )
    _add_knob_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault RNG")
    parser.add_argument(
        "--require-token", action="store_true", help="answer 401 to requests without a bearer token"
    )
    parser.set_defaults(func=run)
    return parser


def _add_knob_arguments(parser: argparse.ArgumentParser) -> None:
    """Latency, rate limit and fault knobs of `replay-hub`."""
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, metavar="MS", help="delay added to every request"
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        metavar="N",
        help="requests per window per bucket (api/resolvers/pages); off if unset",
    )
    parser.add_argument(
        "--rate-window",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="fixed rate-limit window (default: %(default)s)",
    )
    parser.add_argument(
        "--error-5xx-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="probability of an injected 5xx per request",
    )
    parser.add_argument(
        "--error-429-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="probability of an injected 429 per request",
    )
    parser.add_argument(
        "--timeout-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="probability of stalling --timeout-s before answering",
    )
    parser.add_argument(
        "--timeout-s",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="stall length for --timeout-rate (default: %(default)s)",
    )
    parser.add_argument(
        "--truncate-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="probability of sending only half of the body",
    )


def knobs_from_args(args: argparse.Namespace) -> ReplayKnobs:
    """The knobs the flags ask for. :raises HubError: a knob is out of range (named)."""
    try:
        return ReplayKnobs(
            latency_ms=args.latency_ms,
            rate_limit=args.rate_limit,
            rate_window_s=args.rate_window,
            error_5xx_rate=args.error_5xx_rate,
            error_429_rate=args.error_429_rate,
            timeout_rate=args.timeout_rate,
            timeout_s=args.timeout_s,
            truncate_rate=args.truncate_rate,
            seed=args.seed,
            require_token=args.require_token,
        )
    except ValueError as error:
        raise HubError(str(error)) from error


def build_hub(args: argparse.Namespace) -> ReplayHub:
    """A (not yet started) replay Hub for the flags. :raises HubError: naming the bad input."""
    try:
        host = ensure_loopback(args.host)
    except ValueError as error:
        raise HubError(f"--host: {error}") from error
    knobs = knobs_from_args(args)
    try:
        store = ReplayStore.load(args.data)
    except (FileNotFoundError, ValueError) as error:
        raise HubError(f"--data {args.data}: {error}") from error
    return ReplayHub(store, knobs=knobs, host=host, port=args.port)


def _block_until_interrupted(hub: ReplayHub) -> None:
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        return


def run(
    args: argparse.Namespace,
    wait: Callable[[ReplayHub], None] = _block_until_interrupted,
) -> int:
    """Serve until Ctrl-C (or until `wait` returns, in tests); 0 on a clean stop."""
    hub = build_hub(args)
    try:
        hub.start()
    except OSError as error:
        raise HubError(f"cannot listen on {args.host}:{args.port}: {error}") from error
    try:
        print(
            f"replay Hub serving {len(hub.store)} models at {hub.url} (Ctrl-C to stop)",
            flush=True,
        )
        wait(hub)
    finally:
        hub.stop()
    return 0
