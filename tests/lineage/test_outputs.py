"""Licences along edges (synthetic pairs: the sample has no upgrade), the permissiveness
table, and the stage's outputs on the real sample: CSVs, figure, report section, also
when drawn and written from the CSVs read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from pipeline.analyze.vocabulary import HUB_LICENSES
from pipeline.errors import SnapshotError
from pipeline.lineage.analyses import lineage_tables
from pipeline.lineage.command import run_lineage
from pipeline.lineage.graph import build_graph
from pipeline.lineage.licenses import PERMISSIVENESS, UNRANKED, rank
from pipeline.lineage.plot import draw
from pipeline.lineage.report import TITLE, section
from tests.lineage.test_graph import metric, synthetic

REQUIRED = ("models_with_declared_base", "edges", "dangling_references", "max_depth")


def test_license_upgrades_are_counted_and_listed_by_downloads() -> None:
    """Synthetic: the issue's examples (cc-by-nc-4.0 or llama2 base, apache-2.0 or mit
    derivative), a downgrade, a same-tier pair and unranked licences."""
    frame = synthetic(
        [
            {"id": "nc", "license": "cc-by-nc-4.0"},
            {"id": "llama", "license": "llama2"},
            {"id": "mit", "license": "MIT"},
            {"id": "a", "license": "apache-2.0", "tags": ["base_model:nc"], "downloads": 5},
            {"id": "b", "license": "mit", "tags": ["base_model:llama"], "downloads": 50},
            {"id": "c", "license": "llama2", "tags": ["base_model:mit"], "downloads": 9},
            {"id": "d", "license": "bsd-3-clause", "tags": ["base_model:mit"]},
            {"id": "e", "license": "other", "tags": ["base_model:nc"]},
            {"id": "f", "license": "apache-2.0", "tags": ["base_model:nowhere"]},
        ]
    )
    tables = lineage_tables(build_graph(frame))
    upgrades = tables["lineage_license_upgrades"]
    assert upgrades["model"].tolist() == ["b", "a"]  # most downloaded first
    assert upgrades["base_license"].tolist() == ["llama2", "cc-by-nc-4.0"]
    edges = tables["lineage_license_edges"].set_index("comparison")["edges"]
    assert edges["more permissive than the base"] == 2
    assert edges["less permissive than the base"] == 1
    assert edges["same tier"] == 1
    assert edges["derived licence not ranked"] == 1
    assert edges["base not in the snapshot"] == 1
    assert metric(tables, "license_more_permissive_models") == 2


def test_permissiveness_table_ranks_only_hub_licences() -> None:
    assert set(PERMISSIVENESS) <= HUB_LICENSES
    assert not set(UNRANKED) & set(PERMISSIVENESS)
    ranks = rank(pd.Series(["cc-by-nc-4.0", "llama2", "gpl-3.0", "Apache-2.0", "cc0-1.0", "other"]))
    assert ranks.tolist()[:5] == [1, 2, 3, 4, 5] and ranks.isna().tolist()[-1]


def test_run_lineage_on_the_sample(sample_snapshot_folder: Path, tmp_path: Path) -> None:
    written = run_lineage(sample_snapshot_folder, tmp_path)
    names = {p.name for p in written}
    assert {"lineage.csv", "lineage.png", "lineage.pdf", "lineage.md"} <= names
    summary = pd.read_csv(tmp_path / "lineage.csv")
    assert list(summary.columns) == ["metric", "value"]
    values = summary.set_index("metric")["value"]
    assert all(name in values.index for name in REQUIRED)
    assert int(values["models_with_declared_base"]) == 1129
    assert int(values["edges"]) == 1152
    assert int(values["dangling_references"]) == 1032
    assert int(values["max_depth"]) == 4
    text = (tmp_path / "lineage.md").read_text(encoding="utf-8")
    assert text.startswith(TITLE) and "| 1 | non-commercial or no-derivatives |" in text


def test_section_and_figure_from_the_csvs(sample_snapshot_folder: Path, tmp_path: Path) -> None:
    run_lineage(sample_snapshot_folder, tmp_path)
    tables = {p.stem: pd.read_csv(p) for p in tmp_path.glob("lineage*.csv")}
    lines = section(tables)
    assert lines[0] == TITLE
    body = "\n".join(lines)
    assert "**1,129** of 7,868 (14.3%)" in body and "**1,152** model -> base edges" in body
    assert "quastrinos/race-openbook-finetuned-deberta-v3-large-mcqa-TPU-v1" in body
    assert "| 2024 | 3,903 |" in body and "2,024" not in body  # years read back as numbers
    fig = draw(tables)
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    fan_in = fig.axes[1]
    assert fan_in.get_xscale() == "log" and fan_in.get_yscale() == "log"


def test_section_without_tables() -> None:
    assert "not computed" in "\n".join(section({}))


def test_incomplete_snapshot_is_refused(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    with pytest.raises(SnapshotError, match="is incomplete"):
        run_lineage(tmp_path, tmp_path / "results")
