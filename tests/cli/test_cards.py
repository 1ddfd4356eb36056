"""`ptm cards signals` and `ptm cards evaluate`, end to end through the CLI's main()."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.analyze.cardtext import SIGNALS, card_signals
from pipeline.cards.labels import read_cards
from pipeline.cards.signals import BATCH_SIZE
from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_signals_end_to_end(tmp_path: Path) -> None:
    # synthetic cards: one with front matter, one without, one unknown body
    source = _write(
        tmp_path / "in.jsonl",
        [
            json.dumps({"id": "a/b", "body": "---\nlicense: mit\n---\n- learning_rate: 2e-05\n"}),
            "",
            json.dumps({"id": 7, "body": "Trained on 8x A100 GPUs. See arxiv.org/abs/2106.09685"}),
            json.dumps({"id": "c", "body": None}),
        ],
    )
    out = tmp_path / "out.jsonl"
    assert main(["cards", "signals", "--input", str(source), "--output", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a/b", 7, "c"]
    assert all(list(r["signals"]) == list(SIGNALS) for r in rows)
    assert rows[0]["signals"]["hyperparameters"] is True
    assert rows[0]["signals"]["paper"] is False
    assert rows[1]["signals"]["training_hardware"] is True and rows[1]["signals"]["paper"] is True
    assert set(rows[2]["signals"].values()) == {None}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected an object"),
        ('{"body": "x"}', 'line 2: no "id"'),
        ('{"id": "x"}', 'line 2: no "body"'),
        ('{"id": "x", "body": 3}', 'line 2: "body" must be a string or null'),
        ('{"id": [1], "body": "x"}', 'line 2: "id" must be a string or an integer'),
    ],
)
def test_bad_line_is_named_and_nothing_is_written(tmp_path: Path, capsys, line, message) -> None:
    source = _write(tmp_path / "in.jsonl", [json.dumps({"id": "ok", "body": "x"}), line])
    out = tmp_path / "out.jsonl"
    assert main(["cards", "signals", "--input", str(source), "--output", str(out)]) == 2
    error = capsys.readouterr().err
    assert "ptm cards: error:" in error and message in error and str(source) in error
    assert not out.exists() and not list(tmp_path.glob("*.tmp*"))


def _real_cards(tmp_path: Path) -> tuple[Path, list[dict]]:
    """The 364 real cards of the labelled set, three times over, as command input: one batch
    read before the worker processes start and four for them, more than one in flight."""
    cards = read_cards() * 3
    assert len(cards) > 4 * BATCH_SIZE
    lines = [json.dumps({"id": c["model_id"], "body": c["body"]}) for c in cards]
    return _write(tmp_path / "in.jsonl", lines), cards


def test_worker_processes_give_the_same_lines_in_input_order(tmp_path: Path) -> None:
    source, cards = _real_cards(tmp_path)
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}.jsonl"
        args = ["cards", "signals", "--input", str(source), "--output", str(out)]
        assert main([*args, "--jobs", jobs]) == 0
        outputs[jobs] = out.read_text(encoding="utf-8")
    assert outputs["2"] == outputs["1"]
    rows = [json.loads(line) for line in outputs["2"].splitlines()]
    assert [r["id"] for r in rows] == [c["model_id"] for c in cards]
    assert [r["signals"] for r in rows] == [card_signals(c["body"]) for c in cards]


def test_a_bad_line_after_the_first_batch_stops_the_workers_and_writes_nothing(
    tmp_path: Path, capsys
) -> None:
    source, cards = _real_cards(tmp_path)
    with source.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "late", "body": 3}\n')
    out = tmp_path / "out.jsonl"
    args = ["cards", "signals", "--input", str(source), "--output", str(out), "--jobs", "2"]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert f'line {len(cards) + 1}: "body" must be a string or null' in error
    assert not out.exists() and not list(tmp_path.glob("*.tmp*"))


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_a_whole_number_of_at_least_one(jobs: str, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["cards", "signals", "--input", "-", "--output", "-", "--jobs", jobs])
    assert stop.value.code == 2
    assert f"{jobs!r}: must be a whole number >= 1" in capsys.readouterr().err


def test_missing_input_is_an_error(tmp_path: Path, capsys) -> None:
    code = main(["cards", "signals", "--input", str(tmp_path / "nope"), "--output", "-"])
    assert code == 2 and "cannot read" in capsys.readouterr().err


def test_help_explains_input_and_output() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "cards", "signals", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    for word in ('{"id": ..., "body": ...}', "front matter", "null", *SIGNALS):
        assert word in result.stdout


def test_stdin_to_stdout() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "cards", "signals", "--input", "-", "--output", "-"],
        input=json.dumps({"id": "x", "body": "- Transformers 4.21.0"}) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    row = json.loads(result.stdout)
    assert row["id"] == "x" and row["signals"]["framework_versions"] is True


def test_evaluate_prints_the_table(capsys) -> None:
    assert main(["cards", "evaluate", "--part", "dev"]) == 0
    out = capsys.readouterr().out
    assert "dev part: 80 cards" in out and "| **micro** |" in out and "targets:" in out
