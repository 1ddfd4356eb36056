"""Card-text signals of JSON Lines cards, for `ptm cards signals`: read and check the
input lines, score them in batches (in worker processes when asked), write the output
lines in input order.

Worker processes import this module, not the CLI: it imports only the detectors, so a
worker starts in a fraction of a second.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from multiprocessing import get_context
from typing import IO

from tqdm import tqdm

from pipeline.analyze.cardtext import card_signals
from pipeline.errors import PipelineError

BATCH_SIZE = 256
Card = tuple[object, str | None]


def iter_cards(handle: IO[str], name: str) -> Iterator[Card]:
    """(id, body) per non-blank line; a bad line raises `PipelineError` naming it."""
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        where = f"{name} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise PipelineError(f"{where}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise PipelineError(
                f'{where}: expected an object {{"id": ..., "body": ...}}, '
                f"got {type(record).__name__}"
            )
        if "id" not in record:
            raise PipelineError(f'{where}: no "id"')
        identifier = record["id"]
        if isinstance(identifier, bool) or not isinstance(identifier, str | int):
            raise PipelineError(
                f'{where}: "id" must be a string or an integer, not {type(identifier).__name__}'
            )
        if "body" not in record:
            raise PipelineError(f'{where}: no "body" (use null for an unknown card)')
        body = record["body"]
        if body is not None and not isinstance(body, str):
            raise PipelineError(
                f'{where}: "body" must be a string or null, not {type(body).__name__}'
            )
        yield identifier, body


def signal_lines(cards: list[Card]) -> str:
    """The output lines of a batch of (id, body) pairs."""
    return "".join(
        json.dumps({"id": identifier, "signals": card_signals(body)}, ensure_ascii=False) + "\n"
        for identifier, body in cards
    )


def card_batches(cards: Iterable[Card], size: int = BATCH_SIZE) -> Iterator[list[Card]]:
    """`cards` in lists of `size` (the last one shorter)."""
    cards = iter(cards)
    while batch := list(islice(cards, size)):
        yield batch


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def write_signals(source: IO[str], name: str, out: IO[str], jobs: int = 1) -> int:
    """Write one signals line per card of `source` to `out`, in input order, scoring the
    cards in `jobs` processes; the number of cards. A bad line raises `PipelineError`."""
    count = 0
    with contextlib.ExitStack() as stack:
        bar = stack.enter_context(
            tqdm(desc="cards", unit=" cards", file=sys.stderr, disable=None, leave=False)
        )
        pool: ProcessPoolExecutor | None = None
        pending: deque[tuple[int, Future[str]]] = deque()
        for batch in card_batches(iter_cards(source, name)):
            if pool is None and jobs > 1 and count:
                # a second batch: worth the processes' start-up. "spawn", as the parent may
                # run threads (the progress bar's) that "fork" would copy mid-operation
                pool = stack.enter_context(
                    ProcessPoolExecutor(jobs, mp_context=get_context("spawn"))
                )
            count += len(batch)
            if pool is None:
                out.write(signal_lines(batch))
                bar.update(len(batch))
                continue
            pending.append((len(batch), pool.submit(signal_lines, batch)))
            while len(pending) >= 4 * jobs:
                _write_oldest(pending, out, bar)
        while pending:
            _write_oldest(pending, out, bar)
    return count


def _write_oldest(pending: deque[tuple[int, Future[str]]], out: IO[str], bar: tqdm) -> None:
    size, lines = pending.popleft()
    out.write(lines.result())
    bar.update(size)
