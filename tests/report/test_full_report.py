"""The full report over a snapshot written to disk: every section, the paper population,
the extra-sections hook and the self-contained HTML page."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli.analyze import analyze_snapshot
from pipeline.cli.plot import plot_results
from pipeline.cli.report import write_report
from pipeline.report.html import markdown_to_html
from pipeline.text import reading
from tests.analyze.sample_models import records_to_files, records_to_full_models, write_snapshot

SECTIONS = [
    "## Provenance",
    "## Figure 1:",
    "## Figure 6:",
    "## Figure 7:",
    "## Table IV:",
    "## Attribute coverage (paper Table I)",
    "## Documentation:",
    "## Missing or unusable fields",
    "## Definitions",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory, sample_records) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("report")
    snapshot = write_snapshot(
        root / "2024-07-11T120000Z",
        {
            "models": records_to_full_models(sample_records),
            "files": records_to_files(sample_records),
            "errors": pd.DataFrame(),
        },
        endpoint="http://127.0.0.1:1",
        finished_at="2024-07-11T12:00:00Z",
        data_recorded_at="2024-07-09..2024-07-11",
        listing={"expand": ["cardData", "config", "siblings", "spaces", "tags"]},
    )
    results = root / "results"
    analyze_snapshot(snapshot, results, population="paper")
    plot_results(results)
    write_report(snapshot, results, extra_sections=["## Claimed vs actual\n\nAppended here."])
    return snapshot, results


def test_every_section_in_order(built) -> None:
    text = (built[1] / "report.md").read_text()
    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    assert text.index("## Claimed vs actual") < text.index("## Definitions")
    assert "Appended here." in text


def test_population_and_provenance(built) -> None:
    text = (built[1] / "report.md").read_text()
    assert "**the paper's population**" in text and "of the paper's 63,367 ids" in text
    assert "Hub data recorded: 2024-07-09..2024-07-11" in text
    assert "Not crawled (not measured in this snapshot): cards, orgs, commits, security" in text


def test_tables_beside_the_paper(built) -> None:
    text = (built[1] / "report.md").read_text()
    assert re.search(r"\| None \| 82\.1% \| [\d,]+ \| [\d.]+% \| ", text)
    assert "| signed_commits | 132/63,182 (0.21%) | not measured in this snapshot |" in text
    assert "| pickle_only_weights | - |" in text
    assert "| portability | license | card_yaml |" in text


def test_html_is_self_contained(built) -> None:
    page = (built[1] / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("data:image/png;base64,") == 4  # figures 1, 6, 7 and the reuse graph
    assert not re.search(r'src="(?!data:)', page)  # no external assets
    assert "<table>" in page and "<h2>Table IV: adoption of mitigations</h2>" in page


def test_markdown_to_html_escapes_and_converts(tmp_path: Path) -> None:
    page = markdown_to_html(
        "# T <x>\n\npara with `code` and **bold**\n\n- a\n- b\n\n| h | i |\n|---|---|\n| 1 | 2 |\n"
        "\n![missing](nothing.png)\n",
        images=tmp_path,
    )
    assert "<h1>T &lt;x&gt;</h1>" in page and "<code>code</code>" in page
    assert "<strong>bold</strong>" in page and "<li>a</li><li>b</li>" in page
    assert "<td>1</td><td>2</td>" in page and "not available" in page


def test_reading() -> None:
    assert reading(None, 3.0) == "not measured"
    assert reading(3.0, None) == "no paper value"
    assert reading(10.2, 10.0).startswith("about the same")
    assert reading(0.5, 0.0).startswith("higher") or reading(0.5, 0.0).startswith("about")
    assert reading(20.0, 10.0) == "higher than the paper (+10.0 pp, 2x the paper's)"
    assert reading(0.0, 0.5) == "lower than the paper (-0.5 pp)"
