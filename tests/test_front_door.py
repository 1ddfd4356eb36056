"""The front door is documented: every Make target has a help line, the README names the
two commands a newcomer needs, and every `ptm` sub-command appears in the README."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_make_target_has_a_help_line() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    documented = set(re.findall(r"^## ([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    assert targets and targets == documented


def test_readme_gives_the_two_commands_and_every_subcommand() -> None:
    from pipeline.cli import build_parser

    readme = (ROOT / "README.md").read_text()
    assert "make measure" in readme and "make test" in readme
    commands = build_parser()._subparsers._group_actions[0].choices
    missing = [name for name in commands if f"`ptm {name}" not in readme]
    assert not missing, f"README does not document: {missing}"
