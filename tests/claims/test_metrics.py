"""Value parsing, metric names and scales. Most inputs are real values from the sample's
model-index, the curated card bodies or the ICWSM files; synthetic ones say so."""

from __future__ import annotations

import math

import pytest

from pipeline.claims.metrics import (
    canonical_metric,
    metric_from_label,
    metrics_in_label,
    parse_value,
    to_percentage_points,
    unit_scale,
)

# (raw value, expected float or None, expected status, reason fragment or None)
VALUES = [
    (0.91, 0.91, "ok", None),
    (71.2, 71.2, "ok", None),  # eevvgg/sentimenTw-political, f1 macro
    (60, 60.0, "ok", None),  # an int (QuantFactory/NeuralDaredevil-8B-abliterated-GGUF mc2)
    ("96.3 ± 2.6", 96.3, "ok", None),  # 1aurent/swin_tiny_patch4_window7_224.CTransPath
    ("-327.63 +/- 25.14", -327.63, "ok", None),  # an RL model's mean_reward
    ("500.00 +/- 0.00", 500.0, "ok", None),
    ("**73.70%**", 73.70, "ok", None),  # alexandrainst/scandi-nli-large card table
    ("0.9518", 0.9518, "ok", None),  # speechbrain/vad-crdnn-libriparty card table
    ("0.9242", 0.9242, "ok", None),  # ICWSM reported macro-F1
    ("85.3%", 85.3, "ok", None),  # synthetic: percent sign without emphasis
    ("20.0 (± 1.2)", 20.0, "ok", None),  # synthetic: parenthesised uncertainty
    ({"wer_result_on_test": None}, None, "unparsed", "nested value (dict)"),  # qqpann/...
    ("-", None, "unparsed", "placeholder"),  # ICWSM: adnanakbr/... has no reported value
    ("98.50      91.42", None, "unparsed", "several numbers"),  # ufal/robeczech-base table
    ("tf.Tensor(0.1999889, shape=(), dtype=float32)", None, "unparsed", "not a number"),
    (None, None, "unparsed", "null value"),  # synthetic from here on
    (math.nan, None, "unparsed", "NaN"),
    (math.inf, None, "unparsed", "infinite"),
    (True, None, "unparsed", "boolean"),
    ([0.5], None, "unparsed", "nested value (list)"),
    ("", None, "unparsed", "empty string"),
    ("None", None, "unparsed", "placeholder"),
    ("n/a", None, "unparsed", "placeholder"),
    ("20 ± x", None, "unparsed", "uncertainty is not a number"),
    ("1,234", None, "unparsed", "several numbers"),
]


@pytest.mark.parametrize(("raw", "value", "status", "reason"), VALUES)
def test_parse_value(raw: object, value: float | None, status: str, reason: str | None) -> None:
    parsed = parse_value(raw)
    assert parsed.status == status
    assert parsed.value == (pytest.approx(value) if value is not None else None)
    if reason is None:
        assert parsed.reason is None
    else:
        assert reason in parsed.reason
    if raw is not None:
        assert parsed.text is not None  # the raw value is always kept as text


def test_parse_value_keeps_percent_sign_and_uncertainty() -> None:
    assert parse_value("**73.70%**").percent_sign
    assert not parse_value("73.70").percent_sign
    assert parse_value("96.3 ± 2.6").uncertainty == pytest.approx(2.6)


@pytest.mark.parametrize(
    ("metric_type", "metric_name", "args", "expected", "noted"),
    [
        ("acc", "accuracy", None, "accuracy", False),  # Open LLM Leaderboard bot (MMLU)
        ("acc_norm", "normalized accuracy", None, "acc_norm", False),
        ("accuracy", "ROC AUC", None, "auc", True),  # 28 metrics of the sample
        ("f1 macro", None, None, "f1_macro", False),  # eevvgg/sentimenTw-political
        ("f1_macro", "f1-macro", None, "f1_macro", False),
        ("f1", "F1", None, "f1", False),
        ("f1", None, {"average": "macro"}, "f1_macro", False),  # synthetic args
        ("wer", "Test WER", None, "wer", False),
        ("matthews_correlation", "Matthews Correlation", None, "mcc", False),
        ("exact_match", "Exact Match", None, "exact_match", False),
        ("mean_reward", "mean_reward", None, "mean_reward", False),  # unknown id keeps slug
        ("cosine_accuracy", "Cosine Accuracy", None, "cosine_accuracy", False),
        ("map_at_10", None, None, "map_at_10", False),
        (None, "Macro-F1", None, "f1_macro", False),  # synthetic: name only
        (None, None, None, None, False),
        (42, ["junk"], "macro", None, False),  # synthetic junk types
    ],
)
def test_canonical_metric(
    metric_type: object, metric_name: object, args: object, expected: str | None, noted: bool
) -> None:
    canonical, note = canonical_metric(metric_type, metric_name, args)
    assert canonical == expected
    assert (note is not None) is noted


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        # real card-table headers
        ("**Macro-F1**", ["f1_macro"]),
        ("Test F-Score", ["f1"]),
        ("Validation Accuracy", ["accuracy"]),
        ("Rougelsum", ["rougelsum"]),
        ("ROUGE-L", ["rougel"]),
        ("Wer", ["wer"]),
        ("EM/F1", ["exact_match", "f1"]),
        ("Semant. PTG  (Avg) (F1)", ["f1"]),
        ("Train Accuracy", []),  # training, not a claim
        ("Validation Loss", []),
        ("Gen Len", []),
        ("Score", []),
        ("[ARC](https://arxiv.org/abs/1803.05457)", []),  # a benchmark, not a metric
    ],
)
def test_metrics_in_header(label: str, expected: list[str]) -> None:
    assert metrics_in_label(label, header=True) == expected


def test_metric_from_label_junk() -> None:
    for junk in (None, "", "   ", 3, {"a": 1}):
        assert metric_from_label(junk) is None


@pytest.mark.parametrize(
    ("metric", "value", "percent", "declared", "scale"),
    [
        ("accuracy", 0.91, False, None, "fraction"),
        ("accuracy", 91.0, False, None, "percent"),
        ("accuracy", 1.0, False, None, "fraction"),
        ("accuracy", 0.5, True, None, "percent"),  # a % sign decides
        ("accuracy", 136.0, False, None, "unknown"),
        ("accuracy", -3.0, False, None, "unknown"),
        ("mcc", -0.2, False, None, "fraction"),
        ("wer", 12.3, False, None, "percent"),
        ("perplexity", 12.3, False, None, "raw"),
        ("mean_reward", -327.63, False, None, "raw"),
        ("f1_macro", 1.36, False, "fraction", "unknown"),  # ICWSM sakasa007/...
        ("f1_macro", 0.9242, False, "fraction", "fraction"),
        ("accuracy", None, False, None, None),
    ],
)
def test_unit_scale(
    metric: str, value: float | None, percent: bool, declared: str | None, scale: str | None
) -> None:
    got, reason = unit_scale(metric, value, percent, declared)
    assert got == scale
    assert (reason is not None) == (scale == "unknown")


def test_to_percentage_points() -> None:
    assert to_percentage_points(0.91, "fraction") == pytest.approx(91.0)
    assert to_percentage_points(91.0, "percent") == 91.0
    for value, scale in (
        (12.0, "raw"),
        (0.5, "unknown"),
        (None, "fraction"),
        (math.nan, "percent"),
    ):
        assert math.isnan(to_percentage_points(value, scale))
