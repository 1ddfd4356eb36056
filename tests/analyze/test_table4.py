"""Table IV: Wilson interval, each row's definition, and the sample's measured rows."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from pipeline.analyze.source import MemorySource
from pipeline.analyze.table4 import COLUMNS, NOT_MEASURED, table4
from pipeline.figures import analyze_source
from pipeline.snapshot.formats import PICKLE_BASED
from pipeline.stats import wilson_interval


def test_wilson_interval() -> None:
    # reference values of the Wilson score interval (z = 1.96)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(132, 63182) == pytest.approx((0.00176, 0.00248), abs=1e-5)
    low, high = wilson_interval(0, 0)
    assert low != low and high != high  # NaN


@pytest.fixture(scope="module")
def sample_table4(sample_table, sample_files) -> pd.DataFrame:
    source = MemorySource(
        ".",
        {"tables": {"models": {}, "files": {}}},
        None,
        {"models": sample_table, "files": sample_files},
    )
    return analyze_source(source, with_figure1=False).tables["table4"].set_index("mitigation")


def test_sample_rows(sample_records, sample_table4) -> None:
    assert list(sample_table4.reset_index().columns) == list(COLUMNS)
    claims = sample_table4.loc["machine_parseable_claims"]
    assert (claims["numerator"], claims["denominator"]) == (1060, 7868)
    for row in ("organization_verification", "signed_commits", "security_scan_findings"):
        assert sample_table4.loc[row, "status"] == NOT_MEASURED
    assert sample_table4.loc["organization_verification", "paper_value"] == "199/6,243 (3.19%)"
    assert sample_table4["definition"].str.len().min() > 20


def test_pickle_only_share_equals_independent_count(sample_records, sample_table4) -> None:
    """Independent: formats by plain suffix, training-state names excluded by hand."""
    state = ("training_args", "optimizer", "scheduler", "scaler", "rng_state", "random_states")
    suffixes = {
        ".safetensors": "s",
        ".bin": "p",
        ".pt": "p",
        ".pth": "p",
        ".pkl": "p",
        ".pickle": "p",
        ".joblib": "p",
        ".ckpt": "p",
        ".h5": "o",
        ".keras": "o",
        ".msgpack": "o",
        ".onnx": "o",
        ".gguf": "o",
        ".ggml": "o",
        ".tflite": "o",
        ".mlmodel": "o",
        ".npz": "o",
    }
    with_weights = pickle_only = 0
    for record in sample_records:
        kinds = set()
        for sibling in record.get("siblings") or []:
            path = sibling["rfilename"]
            name = os.path.basename(path).lower()
            stem, suffix = os.path.splitext(name)
            if any(stem.startswith(s) for s in state) or stem.endswith("optimizer"):
                continue
            if ".mlpackage/" in path or "ggml" in name or "openvino" in path.lower():
                kinds.add("o")
                continue
            if suffix in suffixes:
                kinds.add(suffixes[suffix])
        if kinds:
            with_weights += 1
            pickle_only += kinds == {"p"}
    row = sample_table4.loc["pickle_only_weights"]
    assert (row["numerator"], row["denominator"]) == (pickle_only, with_weights)
    assert {"pytorch-pickle", "pickle", "joblib", "ckpt"} == PICKLE_BASED


def test_fan_in_rows(sample_records, sample_table4) -> None:
    from collections import Counter

    bases = Counter()
    for record in sample_records:
        tags = [t.split(":")[-1] for t in record.get("tags", []) if t.startswith("base_model:")]
        if not tags:
            card = record.get("cardData") or {}
            value = card.get("base_model") if isinstance(card, dict) else None
            tags = (
                [value]
                if isinstance(value, str)
                else [v for v in value or [] if isinstance(v, str)]
            )
        bases.update(set(tags))
    name, count = min(bases.items(), key=lambda kv: (-kv[1], kv[0]))
    row = sample_table4.loc["base_model_fan_in"]
    assert row["numerator"] == count and row["measured_value"].startswith(name)


def test_other_tables_synthetic() -> None:
    """Synthetic orgs/commits/security rows (made up here: the sample has none)."""
    orgs = pd.DataFrame(
        {
            "name": ["a", "b", "c", "d"],
            "kind": ["org", "org", "user", "org"],
            "is_verified": [True, False, False, None],
        }
    )
    commits = pd.DataFrame(
        {
            "model_id": ["a/1", "b/2", "c/3"],
            "n_commits": [3, 1, None],
            "n_signed": [1, 0, None],
            "sample_stratum": ["top", "top", "top"],
        }
    )
    security = pd.DataFrame(
        {
            "model_id": ["a/1", "b/2", "c/3"],
            "scans_done": [True, True, None],
            "files_with_issues": [["x.pkl"], [], None],
        }
    )
    table = table4(
        population=100,
        claims=(1, 10),
        top_dataset=("squad", 5),
        top_base_model=None,
        orgs=orgs,
        commits=commits,
        security=security,
        files=None,
    ).set_index("mitigation")
    assert (table.loc["organization_verification", ["numerator", "denominator"]] == [1, 2]).all()
    signed = table.loc["signed_commits"]
    assert (signed["numerator"], signed["denominator"]) == (1, 2)
    assert signed["ci_low"] == pytest.approx(wilson_interval(1, 2)[0])
    assert "95% CI" in signed["measured_value"]
    assert (table.loc["security_scan_findings", ["numerator", "denominator"]] == [1, 2]).all()
    assert table.loc["pickle_only_weights", "status"] == NOT_MEASURED
    assert table.loc["base_model_fan_in", "measured_value"] == "none"
    empty_orgs = table4(
        population=1,
        claims=None,
        top_dataset=None,
        top_base_model=None,
        orgs=orgs.assign(kind="unknown", is_verified=None),
    )
    assert empty_orgs.iloc[0]["status"].startswith("not measured: none of 4")
