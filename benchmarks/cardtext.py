"""Card-text detectors benchmark: cards per second, current detectors vs the baseline.

    .venv/bin/python benchmarks/cardtext.py [--repeat 5]

Data: the 364 real card bodies of `../shared/data/model-cards/card-text-samples.json`.
Each engine runs `card_signals` over all of them `--repeat` times; the best pass counts.
Engines: `current` (`pipeline.analyze.cardtext`: rules and the token model),
`current, 2 processes` (the cards split over a `multiprocessing` pool of 2 workers, the
machine's cores; pool start-up excluded), `ptm cards signals --jobs N` (the command end to
end in a subprocess, interpreter and worker start-up, JSON in and out included, over the
cards repeated `--copies` times), `round 2` (the detectors as merged after round 2
of issue 10, `benchmarks/cardtext_round2.py`: the in-run baseline of the ratio column),
`round 1` (`benchmarks/cardtext_round1.py`) and `before issue 10`
(`benchmarks/cardtext_baseline.py`). Results go to stdout and to `benchmarks/README.md`,
with the micro P/R/F1 of each on the labelled set's held-out part
(`pipeline.cards.labels.TEST_PART`, never used for tuning). The benchmark measures; it
asserts nothing. (It reads the held-out cards, so round 3 ran it only after its one
measurement on them.)
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import cardtext_baseline  # noqa: E402
import cardtext_round1  # noqa: E402
import cardtext_round2  # noqa: E402
from readme_section import machine, update_readme  # noqa: E402

from pipeline.analyze import cardtext  # noqa: E402

SOURCE = ROOT.parent / "shared" / "data" / "model-cards" / "card-text-samples.json"
TARGET = 10_000


def _run(bodies: list[str]) -> int:
    for body in bodies:
        cardtext.card_signals(body)
    return len(bodies)


def best_rate(function, bodies: list[str], repeat: int) -> float:
    """Cards per second of the best of `repeat` passes."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for body in bodies:
            function(body)
        best = min(best, time.perf_counter() - start)
    return len(bodies) / best


def pool_rate(bodies: list[str], repeat: int) -> float:
    chunks = [bodies[0::2], bodies[1::2]]
    with Pool(2) as pool:
        pool.map(_run, chunks)  # warm up
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            pool.map(_run, chunks)
            best = min(best, time.perf_counter() - start)
    return len(bodies) / best


def command_rate(bodies: list[str], jobs: int, copies: int, repeat: int) -> float:
    """Cards per second of `ptm cards signals --jobs JOBS`, end to end, best of `repeat`."""
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.jsonl", Path(folder) / "out.jsonl"
        lines = [json.dumps({"id": i, "body": body}) + "\n" for i, body in enumerate(bodies)]
        source.write_text("".join(lines * copies), encoding="utf-8")
        command = [sys.executable, "-m", "pipeline.cli", "cards", "signals"]
        command += ["--input", str(source), "--output", str(target), "--jobs", str(jobs)]
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
            best = min(best, time.perf_counter() - start)
    return len(bodies) * copies / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--copies", type=int, default=100, help="input copies for the command (default 100)"
    )
    args = parser.parse_args()
    bodies = [c["modelcard_text"] for c in json.loads(SOURCE.read_text())]
    mean_chars = sum(map(len, bodies)) / len(bodies)
    current = best_rate(cardtext.card_signals, bodies, args.repeat)
    round2 = best_rate(cardtext_round2.card_signals, bodies, args.repeat)
    round1 = best_rate(cardtext_round1.card_signals, bodies, args.repeat)
    baseline = best_rate(cardtext_baseline.card_signals, bodies, args.repeat)
    parallel = pool_rate(bodies, args.repeat)
    command = {
        jobs: command_rate(bodies, jobs, args.copies, min(args.repeat, 3)) for jobs in (1, 2)
    }

    from pipeline.cards.evaluation import evaluate_cards, markdown_table, target_failures
    from pipeline.cards.labels import TEST_PART, load_labelled_set, select

    test = select(load_labelled_set(), TEST_PART)
    quality = {
        name: evaluate_cards(test, function).set_index("attribute").loc["micro"]
        for name, function in (
            ("current", cardtext.card_signals),
            ("round2", cardtext_round2.card_signals),
            ("round1", cardtext_round1.card_signals),
            ("baseline", cardtext_baseline.card_signals),
        )
    }
    table = evaluate_cards(test, cardtext.card_signals)
    failures = target_failures(table)
    rows = [
        ("current", current, quality["current"]),
        ("current, 2 processes", parallel, quality["current"]),
        *(
            (f"`ptm cards signals --jobs {jobs}`, end to end", rate, quality["current"])
            for jobs, rate in command.items()
        ),
        ("round 2 (in-run baseline)", round2, quality["round2"]),
        ("round 1", round1, quality["round1"]),
        ("before issue 10", baseline, quality["baseline"]),
    ]
    lines = [
        "## Card-text detectors: cards per second",
        "",
        "`.venv/bin/python benchmarks/cardtext.py` (written by that command; do not edit by "
        f"hand). Data: the {len(bodies)} real card bodies of "
        "`../shared/data/model-cards/card-text-samples.json` (mean "
        f"{mean_chars:,.0f} characters). Each rate is the best of {args.repeat} passes over "
        f"all cards (the command: best of {min(args.repeat, 3)} runs over the cards repeated "
        f"{args.copies} times, {len(bodies) * args.copies:,} cards, start-up and JSON "
        f"included); quality = micro precision / recall / F1 on the {len(test)} cards of the "
        f"labelled held-out part {TEST_PART} (`data/card-labels/`, never used for tuning).",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Versions: Python {platform.python_version()}",
        "",
        "| detectors | cards/s | x round 2 | micro P | micro R | micro F1 |",
        "|---|---|---|---|---|---|",
    ]
    for name, rate, q in rows:
        lines.append(
            f"| {name} | {rate:,.0f} | {rate / round2:.2f}x | {q['precision']:.3f} | "
            f"{q['recall']:.3f} | {q['f1']:.3f} |"
        )
    verdict = "met" if parallel >= TARGET else "**not met**"
    lines += [
        "",
        f"Target (issue 10): {TARGET:,} cards/s on this machine: {verdict} "
        f"({parallel:,.0f} cards/s with both cores).",
        "",
        f"Quality of the current detectors per attribute on the {len(test)} {TEST_PART} cards "
        "(precision and recall: 95% Wilson intervals; F1 and micro intervals: 95% bootstrap "
        f"over cards), as `ptm cards evaluate --part {TEST_PART}`:",
        "",
        markdown_table(table),
        "",
        "Quality targets (micro F1 >= 0.9; precision >= 0.8 and recall >= 0.7 for every "
        "attribute with >= 5 positives): "
        + ("met." if not failures else "**not met**: " + "; ".join(failures) + "."),
    ]
    text = "\n".join(lines)
    print(text)
    update_readme(
        ROOT / "benchmarks" / "README.md",
        text,
        "<!-- cardtext benchmark: start -->",
        "<!-- cardtext benchmark: end -->",
    )


if __name__ == "__main__":
    main()
