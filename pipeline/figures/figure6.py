"""Figure 6: share of models per training dataset and per architecture (top ten, None,
other, and the paper's names), log scale.

Counted by `pipeline.analyze.figure6`, drawn by `pipeline.plot.figure6`; the paper's numbers
are `figure_6` in the reference file.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipeline.analyze.run import Scan
from pipeline.dictionary import column
from pipeline.figures.spec import Figure, Tables
from pipeline.text import NOT_MEASURED, float_or_none, pct, reading


def compute(scan: Scan) -> dict[str, pd.DataFrame]:
    """`figure6_datasets` and `figure6_architectures`."""
    return {
        "figure6_datasets": scan.datasets.table(scan.paper),
        "figure6_architectures": scan.architectures.table(scan.paper),
    }


def draw(tables: Tables, suffix: str):
    """Two panels, datasets and architectures, measured beside the paper."""
    from pipeline.plot.figure6 import plot_figure6  # matplotlib only when drawing

    return plot_figure6(tables["figure6_datasets"], tables["figure6_architectures"], suffix)


def section(tables: Tables, context: dict, paper: dict) -> list[str]:
    """Dataset and architecture shares beside the paper's, and where architectures came from."""
    datasets, architectures = tables.get("figure6_datasets"), tables.get("figure6_architectures")
    analysis = context.get("analysis") or {}
    lines = ["## Figure 6: training datasets and architectures", ""]
    if datasets is None or architectures is None:
        return [*lines, f"Figure 6: {NOT_MEASURED} (figure6 tables missing).", ""]
    lines += [
        "Share of models per training dataset (card `datasets` and `dataset:` tags; a model "
        "naming several datasets counts for each) and per architecture (config `model_type`, "
        "else the model-type tag). Rows marked *paper's* are the paper's names outside this "
        "snapshot's top ten.",
        "",
        *_share_rows(datasets, "dataset"),
        "",
        *_share_rows(architectures, "architecture"),
    ]
    if "architecture_source" in architectures.columns:
        tagged = int(
            pd.to_numeric(architectures["models_from_tag"], errors="coerce")
            .fillna(0)[architectures["kind"].isin(["top", "other"])]
            .sum()
        )
        none_config = analysis.get("architecture_config_only_none_share")
        lines += [
            "",
            f"Architecture source: {tagged:,} models have no config and are counted by their "
            "model-type tag (`architecture_source` = tag or config+tag in "
            "figure6_architectures.csv)."
            + (
                f" Read from the config only, as in the paper, `None` would be "
                f"{100 * none_config:.1f}% (paper: 34.4%)."
                if isinstance(none_config, float)
                else ""
            ),
        ]
    return [*lines, "", "![Figure 6](figure6.png)", ""]


def _share_rows(table: pd.DataFrame, key: str) -> list[str]:
    lines = [
        f"| {key} | paper % | measured models | measured % | reading |",
        "|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        name = str(getattr(row, key))
        kind = getattr(row, "kind", "top")
        label = f"{name} *(paper's)*" if kind == "paper" else name
        paper = float_or_none(row.paper_percent)
        measured = float_or_none(row.percent)
        paper_text = "-" if paper is None else f"{paper:g}%"
        lines.append(
            f"| {label} | {paper_text} | {int(row.models):,} | {pct(measured)} | "
            f"{reading(measured, paper) if paper is not None else 'not among the paper bars'} |"
        )
    return lines


_SHARE = [
    column("kind", pa.string(), "top (this snapshot's top ten), none, other, or paper"),
    column("models", pa.int64(), "models naming it"),
    column("share", pa.float64(), "models / all models"),
    column("percent", pa.float64(), "100 x share"),
]
SCHEMAS = {
    "figure6_datasets": pa.schema(
        [
            column("dataset", pa.string(), "dataset id; `None`: no dataset; `other`: the rest"),
            *_SHARE,
            column("paper_percent", pa.float64(), "the paper's percent, when it has a bar"),
        ]
    ),
    "figure6_architectures": pa.schema(
        [
            column(
                "architecture",
                pa.string(),
                "config `model_type`, else the model-type tag; `None`: neither",
            ),
            *_SHARE,
            column("models_from_config", pa.int64(), "of them, read from the config"),
            column("models_from_tag", pa.int64(), "of them, read from the model-type tag"),
            column("architecture_source", pa.string(), "config, tag or config+tag"),
            column("paper_percent", pa.float64(), "the paper's percent, when it has a bar"),
        ]
    ),
}


FIGURE = Figure(
    schemas=SCHEMAS,
    name="figure6",
    tables=("figure6_datasets", "figure6_architectures"),
    compute=compute,
    section=section,
    definitions=(
        (
            "figure6_datasets.csv",
            "per dataset: models naming it (card `datasets` ∪ `dataset:` tags), "
            "share of all models; `None` = no dataset, `other` = datasets outside the top ten; "
            "a model with several datasets counts for each; `kind` = top/none/other/paper.",
        ),
        (
            "figure6_architectures.csv",
            "per architecture: models (config `model_type`, else the "
            "first model-type tag), `models_from_config`, `models_from_tag`, "
            "`architecture_source`; `None` = neither.",
        ),
    ),
    paper_key="figure_6",
    draw=draw,
    draw_inputs=("figure6_datasets", "figure6_architectures"),
)
