"""`ptm cards signals` and `ptm cards evaluate`, end to end through the CLI's main()."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.analyze.cardtext import SIGNALS
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
