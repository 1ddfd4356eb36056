"""All analyses of one snapshot in one pass over each table (bounded memory).

`analyze_source(source)` reads the `models` table once in record batches, feeding the
Figure 6 and 7 counters and the per-model evidence; then the `files` and `cards` tables
(when crawled) for their per-model evidence; then the small tables (`orgs`, `commits`,
`security`, `errors`). It returns the named result tables and a `context` dict for the
report (population, which tables were measured, counts of missing fields).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from pipeline.analyze import coverage as cov
from pipeline.analyze.documentation import documentation_tables
from pipeline.analyze.evidence import (
    MODEL_COLUMNS,
    card_evidence,
    file_evidence,
    model_evidence,
    quantized_bases,
)
from pipeline.analyze.figure1 import figure1_summary, figure1_table, read_paper_packages
from pipeline.analyze.figure6 import ArchitectureCounter, DatasetCounter, config_model_types
from pipeline.analyze.figure7 import Figure7Counter
from pipeline.analyze.lists import column_or_nulls, decoded, flatten
from pipeline.analyze.source import BATCH_ROWS, Source
from pipeline.analyze.table4 import table4
from pipeline.paper import load_paper_numbers

FILE_COLUMNS = ("model_id", "path", "format", "is_weight")
CARD_COLUMNS = ("model_id", "readme_status", "is_template", "body")


@dataclass
class Analysis:
    """Result tables (name -> DataFrame; written as `<name>.csv`), per-model coverage
    (written as Parquet) and the report context."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    per_model: pd.DataFrame | None = None
    context: dict = field(default_factory=dict)


class _BaseModelCounter:
    """Counts, per base model, the models that name it (`base_models` column)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, batch: pa.RecordBatch) -> None:
        values, rows = flatten(column_or_nulls(batch, "base_models", pa.list_(pa.string())))
        if not len(values):
            return
        names = decoded(values).to_numpy(zero_copy_only=False)
        pairs = pd.DataFrame({"row": rows, "name": names})
        for name, count in pairs.drop_duplicates().groupby("name").size().items():
            self.counts[name] = self.counts.get(name, 0) + int(count)

    def top(self) -> tuple[str, int] | None:
        if not self.counts:
            return None
        return min(self.counts.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class _ModelPass:
    """What one pass over the `models` table gives: the counters and per-model evidence."""

    figure7: Figure7Counter
    datasets: DatasetCounter
    architectures: ArchitectureCounter
    base_models: _BaseModelCounter
    models: pd.DataFrame
    quantized: set[str]


def analyze_source(
    source: Source,
    paper: dict | None = None,
    batch_rows: int = BATCH_ROWS,
    with_figure1: bool = True,
) -> Analysis:
    """Every result table of the snapshot behind `source` (see the module docstring)."""
    if paper is None:
        paper = load_paper_numbers()
    scan = _scan_models(source, batch_rows)
    models = scan.models
    files = None
    if source.measured("files"):
        files = file_evidence(source.batches("files", FILE_COLUMNS, batch_rows))
    cards = None
    if source.measured("cards"):
        cards = card_evidence(source.batches("cards", CARD_COLUMNS, batch_rows))
    availability = cov.Availability(
        card_yaml=_field(source, "cardData", models["card_data_present"].any()),
        api=_field(source, "config", True),
        spaces=_field(source, "spaces", True),
        files=files is not None,
        cards=cards is not None,
    )
    per_model = cov.assess_coverage(models, files, cards, availability, scan.quantized)
    tables = _figure_tables(scan, per_model, paper)
    diagnostics = scan.figure7.diagnostics()
    documentation, top_undocumented = documentation_tables(
        models,
        cards,
        cards_measured=cards is not None,
        card_data_measured=availability.card_yaml,
        paper=paper,
    )
    tables["documentation"] = documentation
    tables["documentation_top_models"] = top_undocumented
    tables["table4"] = _table4(source, scan, tables["figure6_datasets"], files, paper)
    if with_figure1:
        figure1 = figure1_table(
            read_paper_packages(), models["downloads"], _snapshot_date(source.manifest)
        )
        tables["figure1"] = figure1
        tables["figure1_summary"] = figure1_summary(figure1)
    tables["data_quality"] = data_quality(models, diagnostics)
    context = {
        "models": len(models),
        "measured_tables": sorted(
            name
            for name in ("models", "errors", "files", "cards", "orgs", "security", "commits")
            if source.measured(name)
        ),
        "availability": availability.__dict__,
        "architecture_config_only_none_share": scan.architectures.config_only_none_share(),
        "files_models": None if files is None else len(files),
        "cards_models": None if cards is None else len(cards),
        "cards_with_body": None if cards is None else int(cards["has_body"].sum()),
    }
    return Analysis(tables=tables, per_model=per_model, context=context)


def _scan_models(source: Source, batch_rows: int) -> _ModelPass:
    """Read `models` once in record batches, feeding every counter and the evidence."""
    types = config_model_types(source.batches("models", ["config_model_type"], batch_rows))
    scan = _ModelPass(
        Figure7Counter(),
        DatasetCounter(),
        ArchitectureCounter(types),
        _BaseModelCounter(),
        pd.DataFrame(),
        set(),
    )
    evidence_parts: list[pd.DataFrame] = []
    columns = list(
        dict.fromkeys(
            [
                *MODEL_COLUMNS,
                *Figure7Counter.columns,
                *DatasetCounter.columns,
                *ArchitectureCounter.columns,
            ]
        )
    )
    for batch in source.batches("models", columns, batch_rows):
        assessed = scan.figure7.add(batch)
        scan.datasets.add(batch)
        scan.architectures.add(batch)
        scan.base_models.add(batch)
        evidence_parts.append(model_evidence(batch, assessed))
        scan.quantized |= quantized_bases(batch)
    scan.models = (
        pd.concat(evidence_parts, ignore_index=True)
        if evidence_parts
        else model_evidence(_empty_models_batch(), None)
    )
    return scan


def _figure_tables(scan: _ModelPass, per_model: pd.DataFrame, paper: dict) -> dict:
    """Figures 7 and 6 and the attribute coverage tables, in their written order."""
    tables: dict[str, pd.DataFrame] = {}
    tables["figure7"] = scan.figure7.table()
    diagnostics = scan.figure7.diagnostics()
    tables["figure7_diagnostics"] = pd.DataFrame(
        {"measure": list(diagnostics), "count": list(diagnostics.values())}
    )
    tables["figure6_datasets"] = scan.datasets.table(paper)
    tables["figure6_architectures"] = scan.architectures.table(paper)
    tables["attribute_coverage"] = cov.coverage_summary(per_model)
    tables["attribute_coverage_by_task"] = cov.coverage_breakdown(per_model, "task")
    tables["attribute_coverage_by_popularity"] = cov.coverage_breakdown(
        per_model, "popularity_decile"
    )
    tables["attribute_coverage_by_year"] = cov.coverage_breakdown(per_model, "year")
    return tables


def _table4(
    source: Source,
    scan: _ModelPass,
    dataset_table: pd.DataFrame,
    files: pd.DataFrame | None,
    paper: dict,
) -> pd.DataFrame:
    """Table IV from the counters, the small tables and the file evidence."""
    diagnostics = scan.figure7.diagnostics()
    top_dataset = None
    named = dataset_table[~dataset_table["dataset"].isin(["None", "other"])]
    if len(named):
        top_dataset = (str(named.iloc[0]["dataset"]), int(named.iloc[0]["models"]))
    return table4(
        population=len(scan.models),
        claims=(diagnostics["models_with_claims"], diagnostics["models"]),
        top_dataset=top_dataset,
        top_base_model=scan.base_models.top(),
        orgs=_small(source, "orgs", ["name", "kind", "is_verified"]),
        commits=_small(source, "commits", ["model_id", "n_commits", "n_signed", "sample_stratum"]),
        security=_small(source, "security", ["model_id", "scans_done", "files_with_issues"]),
        files=files,
        paper=paper,
    )


def data_quality(models: pd.DataFrame, diagnostics: dict[str, int]) -> pd.DataFrame:
    """How many models lack (or have unusable) each field the analyses read; such values
    count as unknown, never as an error."""
    rows = [
        ("tags", int((~models["tags_known"]).sum()), "no tag list: tag evidence unknown"),
        (
            "pipeline_tag",
            int((models["task"] == "other").sum()),
            "no paper task (null or another task): counted as 'other'",
        ),
        ("downloads", int(models["downloads"].isna().sum()), "no download count: no decile"),
        ("created_at", int(models["year"].isna().sum()), "no creation date: year 'unknown'"),
        (
            "card_data",
            int((~models["card_data_present"]).sum()),
            "no card YAML in the record (no card, no front matter, or not requested)",
        ),
        (
            "card_data/model_index JSON",
            int(diagnostics.get("unparseable_json", 0)),
            "not valid JSON: the claim was read from the tags",
        ),
        ("n_spaces", int((~models["spaces_known"]).sum()), "Spaces list not in the record"),
        ("n_files", int(models["n_files"].isna().sum()), "file list not in the record"),
    ]
    return pd.DataFrame(rows, columns=["field", "models_missing", "treated_as"])


def _field(source: Source, name: str, default: bool) -> bool:
    measured = source.field_measured(name)
    return bool(default) if measured is None else measured


def _small(source: Source, name: str, columns: list[str]) -> pd.DataFrame | None:
    return source.read(name, columns) if source.measured(name) else None


def _snapshot_date(manifest: dict) -> str | None:
    for key in ("data_recorded_at", "finished_at", "snapshot_id"):
        value = manifest.get(key)
        if isinstance(value, str) and len(value) >= 10:
            return value if key == "data_recorded_at" else value[:10]
    return None


def _empty_models_batch() -> pa.RecordBatch:
    from pipeline.snapshot.schema import MODELS

    schema = pa.schema([MODELS.field(c) for c in MODEL_COLUMNS])
    return pa.RecordBatch.from_pylist([], schema=schema)
