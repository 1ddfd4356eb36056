"""Attribute coverage on the bundled sample, with files from the records' siblings and the
15 real READMEs bundled with the sample as the stored card bodies."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.analyze.coverage import (
    ALL_FACTORS,
    FACTORS,
    GROUPS,
    SOURCES,
    coverage_breakdown,
    coverage_summary,
    popularity_deciles,
)
from pipeline.analyze.source import MemorySource
from pipeline.figures import analyze_source


def _analysis(tables: dict, manifest: dict | None = None):
    measured = {"tables": {name: {} for name in tables}} if manifest is None else manifest
    return analyze_source(MemorySource(".", measured, None, tables), with_figure1=False)


@pytest.fixture(scope="module")
def full(sample_table, sample_files, sample_cards):
    return _analysis({"models": sample_table, "files": sample_files, "cards": sample_cards})


@pytest.fixture(scope="module")
def models_only(sample_table):
    return _analysis({"models": sample_table})


def _row(per_model: pd.DataFrame, model_id: str) -> pd.Series:
    return per_model.set_index("id").loc[model_id]


def test_every_factor_has_sources_and_columns(full) -> None:
    assert set(SOURCES) == set(ALL_FACTORS) and len(ALL_FACTORS) == 18
    per_model = full.per_model
    assert len(per_model) == 7868
    for factor in ALL_FACTORS:
        assert str(per_model[factor].dtype) == "boolean"
        assert f"{factor}_evidence" in per_model
    summary = full.tables["attribute_coverage"]
    assert list(summary["factor"]) == list(ALL_FACTORS)
    assert (summary["present"] + summary["absent"] + summary["unknown"] == 7868).all()


def test_files_decide_what_tags_cannot(sample_records, full, models_only) -> None:
    """framework_support from the file list vs the Hub's format tags; file-only factors are
    unknown, not false, when the snapshot has no files table."""
    record = next(r for r in sample_records if r["id"] == "Qwen/Qwen2-72B-Instruct-AWQ")
    assert all(not s["rfilename"].endswith(".bin") for s in record["siblings"])
    row = _row(full.per_model, "Qwen/Qwen2-72B-Instruct-AWQ")
    assert bool(row["quantized_variants"]) and row["quantized_variants_evidence"] == "tags"
    assert bool(row["framework_support"]) is False  # safetensors only
    assert bool(row["demos"]) and row["demos_evidence"] == "api"  # used by a Space
    bare = _row(models_only.per_model, "Qwen/Qwen2-72B-Instruct-AWQ")
    assert pd.isna(bare["environment_image"]) and pd.isna(bare["training_configuration"])
    summary = models_only.tables["attribute_coverage"].set_index("factor")
    assert summary.loc["documentation", "unknown"] == 7868
    assert summary.loc["hardware_requirements", "unknown"] == 7868


def test_training_args_file_is_training_configuration(sample_records, full) -> None:
    with_args = {
        r["id"]
        for r in sample_records
        if any(s["rfilename"].endswith("training_args.bin") for s in r.get("siblings", []))
    }
    assert len(with_args) > 1000
    per_model = full.per_model.set_index("id")
    assert per_model.loc[sorted(with_args), "training_configuration"].all()


def test_card_text_evidence_from_real_readmes(full) -> None:
    """ufal/robeczech-base: its README names the hardware (8 QUADRO P5000 GPUs) and the
    architecture; listing record without card data, so card_yaml cannot show them."""
    row = _row(full.per_model, "ufal/robeczech-base")
    assert (
        bool(row["hardware_specification"])
        and row["hardware_specification_evidence"] == "card_text"
    )
    assert bool(row["documentation"]) and row["documentation_evidence"] == "cards"
    assert bool(row["original_paper"])
    assert pd.isna(_row(full.per_model, "Qwen/Qwen2-72B-Instruct-AWQ")["latency"])


def test_scores_and_bounds(full) -> None:
    per_model = full.per_model
    for group in GROUPS:
        n = len(FACTORS[group])
        low, high = per_model[f"{group}_score_min"], per_model[f"{group}_score_max"]
        assert ((low >= 0) & (low <= high) & (high <= 1)).all()
        known = per_model[f"{group}_known"]
        score = per_model[f"{group}_score"]
        assert (score[known > 0] >= low[known > 0] - 1e-12).all()
        assert (per_model[f"{group}_present"] <= known).all() and (known <= n).all()


def test_breakdowns(full) -> None:
    by_task = full.tables["attribute_coverage_by_task"]
    assert by_task["models"].sum() == 7868 and "other" in set(by_task["task"])
    deciles = full.tables["attribute_coverage_by_popularity"]
    assert list(deciles["popularity_decile"]) == [str(d) for d in range(1, 11)]
    assert deciles["models"].sum() == 7868
    years = full.tables["attribute_coverage_by_year"]
    assert years["year"].astype(int).min() == 2022  # the Hub's creation dates start 2022-03-02
    again = coverage_breakdown(full.per_model, "task")
    pd.testing.assert_frame_equal(again, by_task)
    summary = coverage_summary(full.per_model)
    table = full.tables["attribute_coverage"]
    assert summary.equals(table[list(summary.columns)])
    # plus the card-text columns: detector rate and error-corrected share (cards/correction)
    assert {"text_rate", "text_corrected", "text_corrected_low"} <= set(table.columns)


def test_popularity_deciles_equal_sizes() -> None:
    # synthetic: 20 models, 2 without counts, ties
    downloads = pd.Series([5] * 10 + list(range(8)) + [None, None], dtype="Int64")
    deciles = popularity_deciles(downloads)
    assert deciles.isna().sum() == 2
    assert deciles.dropna().value_counts().tolist() == [2] * 9 or deciles.max() == 10


def test_junk_records_count_as_unknown() -> None:
    """Synthetic junk (made up here): wrong shapes everywhere must not raise."""
    frame = pd.DataFrame(
        {
            "id": ["a/x", "b/y", None],
            "pipeline_tag": [3, None, "fill-mask"],
            "tags": ["not-a-list", None, ["arxiv:1910.09700", "arxiv:2106.09685"]],
            "card_data": ["{not json", '{"widget": [{"text": "hi"}]}', "[1, 2]"],
            "downloads": ["many", 3, None],
            "license": [["mit"], "MIT", "other"],
            "n_spaces": [None, 2, "x"],
        }
    )
    analysis = _analysis({"models": frame})
    per_model = analysis.per_model
    assert len(per_model) == 3
    assert bool(per_model.loc[1, "demos"])  # widget in the card
    assert bool(per_model.loc[1, "license"])  # "MIT" is the identifier mit
    assert bool(per_model.loc[2, "original_paper"])  # the template's arXiv id does not count
    quality = analysis.tables["data_quality"].set_index("field")["models_missing"]
    assert quality["tags"] == 2 and quality["downloads"] == 2


def test_license_recognition() -> None:
    # synthetic licence values, one per case
    table = pa.table(
        {
            "id": ["a", "b", "c", "d", "e"],
            "pipeline_tag": pa.nulls(5, pa.string()),
            "tags": [[], [], [], [], []],
            "license": ["apache-2.0", "other", "unknown", None, "llama3"],
        }
    )
    per_model = _analysis({"models": table}).per_model
    assert per_model["license"].tolist() == [True, False, False, False, True]
