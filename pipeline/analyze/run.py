"""One pass over a snapshot for every analysis (bounded memory).

`scan_source(source)` reads the `models` table once in record batches, feeding the
Figure 6 and 7 counters and the per-model evidence; then the `files` and `cards` tables
(when crawled) for their per-model evidence, and assesses the attribute coverage. The
figure modules (`pipeline.figures`, one per figure or table) turn the `Scan` into result
tables; the small tables (`orgs`, `commits`, `security`) are read by the ones that need them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from pipeline.analyze import coverage as cov
from pipeline.analyze.evidence import (
    MODEL_COLUMNS,
    card_evidence,
    file_evidence,
    model_evidence,
    quantized_bases,
)
from pipeline.analyze.figure6 import ArchitectureCounter, DatasetCounter, config_model_types
from pipeline.analyze.figure7 import Figure7Counter
from pipeline.analyze.lists import column_or_nulls, decoded, flatten
from pipeline.analyze.source import BATCH_ROWS, Source
from pipeline.analyze.table4 import table4
from pipeline.estimate import DESIGN_COLUMNS
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

    def __init__(self, renames: dict[str, str] | None = None) -> None:
        self.counts: dict[str, int] = {}
        self.renames = dict(renames or {})  # legacy name -> current id (`analyze/names.py`)

    def add(self, batch: pa.RecordBatch) -> None:
        from pipeline.analyze.names import current

        values, rows = flatten(column_or_nulls(batch, "base_models", pa.list_(pa.string())))
        if not len(values):
            return
        names = current(decoded(values), self.renames).to_numpy(zero_copy_only=False)
        pairs = pd.DataFrame({"row": rows, "name": names})
        for name, count in pairs.drop_duplicates().groupby("name").size().items():
            self.counts[name] = self.counts.get(name, 0) + int(count)

    def top(self) -> tuple[str, int] | None:
        if not self.counts:
            return None
        return min(self.counts.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class Scan:
    """What one pass over a snapshot gives every figure and table: the counters fed by the
    `models` batches, the per-model evidence and coverage, and the detail tables' evidence.
    The figure modules (`pipeline.figures`) turn it into result tables."""

    source: Source
    paper: dict
    with_figure1: bool
    figure7: Figure7Counter
    datasets: DatasetCounter
    architectures: ArchitectureCounter
    base_models: _BaseModelCounter
    models: pd.DataFrame
    quantized: set[str]
    files: pd.DataFrame | None = None
    cards: pd.DataFrame | None = None
    availability: cov.Availability = field(default_factory=cov.Availability)
    per_model: pd.DataFrame | None = None

    def diagnostics(self) -> dict[str, int]:
        """How Figure 7's claims were decided (`Figure7Counter.diagnostics`)."""
        return self.figure7.diagnostics()

    def context(self) -> dict:
        """The report context: population, measured tables, evidence availability."""
        source, files, cards = self.source, self.files, self.cards
        return {
            "models": len(self.models),
            "measured_tables": sorted(
                name
                for name in ("models", "errors", "files", "cards", "orgs", "security", "commits")
                if source.measured(name)
            ),
            "availability": self.availability.__dict__,
            "architecture_config_only_none_share": self.architectures.config_only_none_share(),
            "files_models": None if files is None else len(files),
            "cards_models": None if cards is None else len(cards),
            "cards_with_body": None if cards is None else int(cards["has_body"].sum()),
        }


def scan_source(
    source: Source,
    paper: dict | None = None,
    batch_rows: int = BATCH_ROWS,
    with_figure1: bool = True,
) -> Scan:
    """One pass over the snapshot behind `source` (see the module docstring)."""
    scan = _scan_models(source, batch_rows)
    scan.paper = load_paper_numbers() if paper is None else paper
    scan.with_figure1 = with_figure1
    if source.measured("files"):
        scan.files = file_evidence(source.batches("files", FILE_COLUMNS, batch_rows))
    if source.measured("cards"):
        scan.cards = card_evidence(source.batches("cards", CARD_COLUMNS, batch_rows))
    scan.availability = cov.Availability(
        card_yaml=_field(source, "cardData", scan.models["card_data_present"].any()),
        api=_field(source, "config", True),
        spaces=_field(source, "spaces", True),
        files=scan.files is not None,
        cards=scan.cards is not None,
    )
    scan.per_model = cov.assess_coverage(
        scan.models, scan.files, scan.cards, scan.availability, scan.quantized
    )
    return scan


def _scan_models(source: Source, batch_rows: int) -> Scan:
    """Read `models` once in record batches, feeding every counter and the evidence."""
    from pipeline.analyze.names import name_maps

    types = config_model_types(source.batches("models", ["config_model_type"], batch_rows))
    maps = name_maps(source)
    scan = Scan(
        source,
        {},
        True,
        Figure7Counter(),
        DatasetCounter(maps.datasets),
        ArchitectureCounter(types),
        _BaseModelCounter(maps.models),
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


def figure7_diagnostics_table(diagnostics: dict[str, int]) -> pd.DataFrame:
    """`figure7_diagnostics.csv`: one row per diagnostic (`measure`, `count`)."""
    return pd.DataFrame({"measure": list(diagnostics), "count": list(diagnostics.values())})


def table4_of(scan: Scan) -> pd.DataFrame:
    """Table IV from the counters, the small tables and the file evidence."""
    source = scan.source
    diagnostics = scan.diagnostics()
    dataset_table = scan.datasets.table(scan.paper)
    top_dataset = None
    named = dataset_table[dataset_table["kind"] == "top"]
    if len(named):
        top_dataset = (str(named.iloc[0]["dataset"]), int(named.iloc[0]["models"]))
    return table4(
        population=len(scan.models),
        claims=(diagnostics["models_with_claims"], diagnostics["models"]),
        top_dataset=top_dataset,
        top_base_model=scan.base_models.top(),
        orgs=_small(source, "orgs", ["name", "kind", "is_verified", *DESIGN_COLUMNS]),
        commits=_small(source, "commits", ["model_id", "n_commits", "n_signed", *DESIGN_COLUMNS]),
        security=_small(
            source, "security", ["model_id", "scans_done", "files_with_issues", *DESIGN_COLUMNS]
        ),
        files=scan.files,
        paper=scan.paper,
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


def unusable_value_rows(source: Source, batch_rows: int = BATCH_ROWS) -> pd.DataFrame:
    """Data-quality rows for values the crawl could not store: per field of `models` that
    held an unusable value (`invalid_fields`), and READMEs measured truncated."""
    per_field: Counter[str] = Counter()
    any_field = 0
    for batch in source.batches("models", ["invalid_fields"], batch_rows):
        listed = column_or_nulls(batch, "invalid_fields", pa.list_(pa.string()))
        for fields in listed.to_pylist():
            if fields:
                any_field += 1
                per_field.update(fields)
    rows = [
        (
            "any field (unusable value)",
            any_field,
            "present but not storable (beyond int64, not finite, impossible date, wrong "
            "type): null in its column, kept as received in extra_json",
        ),
        *(
            (f"{field} (unusable value)", count, "null; kept as received in extra_json")
            for field, count in sorted(per_field.items())
        ),
    ]
    if source.measured("cards"):
        truncated = sum(
            sum(
                1
                for flag in column_or_nulls(batch, "body_truncated", pa.bool_()).to_pylist()
                if flag
            )
            for batch in source.batches("cards", ["body_truncated"], batch_rows)
        )
        rows.append(
            ("README (over the size limit)", truncated, "measured on its first 1 MB; flagged")
        )
    return pd.DataFrame(rows, columns=["field", "models_missing", "treated_as"])


def _field(source: Source, name: str, default: bool) -> bool:
    measured = source.field_measured(name)
    return bool(default) if measured is None else measured


def _small(source: Source, name: str, columns: list[str]) -> pd.DataFrame | None:
    return source.read(name, columns) if source.measured(name) else None


def snapshot_date(manifest: dict) -> str | None:
    for key in ("data_recorded_at", "finished_at", "snapshot_id"):
        value = manifest.get(key)
        if isinstance(value, str) and len(value) >= 10:
            return value if key == "data_recorded_at" else value[:10]
    return None


def _empty_models_batch() -> pa.RecordBatch:
    from pipeline.snapshot.schema import MODELS

    schema = pa.schema([MODELS.field(c) for c in MODEL_COLUMNS])
    return pa.RecordBatch.from_pylist([], schema=schema)
