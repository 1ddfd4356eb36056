"""Scheduled crawls: the GitHub workflow, and the cron line and systemd units of
docs/scheduling.md, are valid and run the same incremental crawl."""

from __future__ import annotations

import argparse
import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pipeline.cli import evolution as evolution_command
from pipeline.cli import snapshots as snapshots_command

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "scheduled-crawl.yml"
DOC = ROOT / "docs" / "scheduling.md"
CRAWL = "ptm crawl --config configs/hub.yaml --incremental"
CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def check_cron(expression: str) -> None:
    fields = expression.split()
    assert len(fields) == 5, expression
    for field, (low, high) in zip(fields, CRON_RANGES, strict=True):
        for part in field.split(","):
            base = part.split("/")[0]
            if base == "*":
                continue
            for value in base.split("-"):
                assert low <= int(value) <= high, f"{field} out of range in {expression!r}"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_the_workflow_is_scheduled(workflow: dict) -> None:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    for entry in triggers["schedule"]:
        check_cron(entry["cron"])
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_the_workflow_crawls_incrementally_and_uploads_the_snapshot(workflow: dict) -> None:
    steps = workflow["jobs"]["crawl"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    assert "actions/upload-artifact" in uses and "actions/cache/restore" in uses
    assert steps[1]["with"]["python-version"] == "3.11"
    runs = [s.get("run", "") for s in steps]
    assert "make setup" in runs
    crawl = next(s for s in steps if "ptm crawl" in s.get("run", ""))
    assert "--incremental" in crawl["run"] and '--config "$CONFIG"' in crawl["run"]
    assert workflow["env"]["CONFIG"] == "configs/hub.yaml"
    assert crawl["env"] == {"HF_TOKEN": "${{ secrets.HF_TOKEN }}"}
    assert sum("secrets." in str(s) for s in steps) == 1  # the token goes to the crawl only
    save = next(s for s in steps if s.get("uses", "").startswith("actions/cache/save"))
    assert save["if"] == "always()"  # an interrupted crawl resumes in the next run
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "${{ steps.latest.outputs.folder }}"
    assert upload["with"]["if-no-files-found"] == "error"
    assert (ROOT / "configs" / "hub.yaml").exists()


def test_the_cron_line_runs_the_incremental_crawl() -> None:
    (cron,) = blocks("cron")
    line = cron.strip()
    check_cron(" ".join(line.split()[:5]))
    assert CRAWL in line and "/etc/ptm/hf.env" in line and "hf_" not in line


def test_the_systemd_units_are_a_valid_pair() -> None:
    service_text, timer_text = blocks("ini")
    service, timer = configparser.ConfigParser(), configparser.ConfigParser()
    service.optionxform = timer.optionxform = str  # keys are case-sensitive
    service.read_string(service_text)
    timer.read_string(timer_text)
    assert service["Service"]["Type"] == "oneshot"
    assert CRAWL in service["Service"]["ExecStart"]
    assert shlex.split(service["Service"]["ExecStart"])[0].startswith("/")  # absolute
    assert service["Service"]["EnvironmentFile"] == "/etc/ptm/hf.env"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    if shutil.which("systemd-analyze"):
        checked = subprocess.run(
            ["systemd-analyze", "calendar", timer["Timer"]["OnCalendar"]],
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stderr


def test_the_documented_commands_of_this_issue_parse() -> None:
    parser = argparse.ArgumentParser(prog="ptm")
    subparsers = parser.add_subparsers(dest="command")
    snapshots_command.register(subparsers)
    evolution_command.register(subparsers)
    text = DOC.read_text(encoding="utf-8")
    commands = re.findall(r"\.venv/bin/ptm ((?:snapshots|evolution|diff)[^\n`#]*)", text)
    assert len(commands) >= 4
    for command in commands:
        parser.parse_args(shlex.split(command))
