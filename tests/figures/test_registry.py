"""The figure registry: every module of pipeline/figures is registered once, in report order,
and `ptm plot` and the report loop over it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import figures
from pipeline.figures import FIGURES, MODULES, report_sections, result_tables
from pipeline.paper import load_paper_numbers

PACKAGE = Path(figures.__file__).parent


def test_every_figure_module_is_registered() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "spec"}
    assert sorted(modules) == sorted(MODULES)
    names = [figure.name for figure in FIGURES]
    assert len(set(names)) == len(names)
    assert len(set(result_tables())) == len(result_tables()), "two figures write one table"


def test_the_report_order_is_the_registry_order() -> None:
    figure7 = pd.DataFrame({"task": [], "models_with_claims": [], "models": [], "share": []})
    lines = report_sections({"figure7": figure7}, {}, load_paper_numbers())
    headings = [line for line in lines if line.startswith("## ")]
    assert len(headings) == len(FIGURES)
    assert headings[0].startswith("## Figure 1") and headings[2].startswith("## Figure 7")
