"""Metric names, reported values and their scales. Pure; nothing here raises on junk.

Every claim and every measurement goes through the same three steps:

1. `canonical_metric` maps a metric id or a free-text label to one canonical name
   (`acc` and `Accuracy` -> `accuracy`, `Macro-F1` and `f1` with `average: macro` ->
   `f1_macro`, `rouge-L` -> `rougel`, `Test WER` -> `wer`). Unknown ids keep a slug of
   themselves, so two sources using the same unknown id still meet.
2. `parse_value` turns a reported value (`0.91`, `"85.3%"`, `"20.0 ± 1.2"`, `None`, a dict,
   NaN, ...) into a float or an explicit reason why not.
3. `unit_scale` says whether a number is a `fraction` (0-1), a `percent` (0-100), `raw`
   (the metric is not a proportion: perplexity, reward, runtime, unknown ids) or `unknown`
   (a proportion metric whose value fits neither scale, e.g. an F1 of 136).
   `to_percentage_points` puts fractions and percents on one scale.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Final

# Metric kinds: a proportion lives in [0, 1] (or 0-100 as a percent), a correlation in
# [-1, 1], a raw metric has its own units and is never converted to percentage points.
PROPORTION: Final = "proportion"
CORRELATION: Final = "correlation"
RAW: Final = "raw"

FRACTION: Final = "fraction"
PERCENT: Final = "percent"
RAW_SCALE: Final = "raw"
UNKNOWN_SCALE: Final = "unknown"
SCALES: Final = (FRACTION, PERCENT, RAW_SCALE)

OK: Final = "ok"
UNPARSED: Final = "unparsed"


@dataclass(frozen=True)
class MetricInfo:
    kind: str
    higher_is_better: bool | None


_HIGHER = MetricInfo(PROPORTION, True)
_LOWER = MetricInfo(PROPORTION, False)

METRICS: Final[dict[str, MetricInfo]] = {
    **{
        name: _HIGHER
        for name in [
            *("accuracy", "acc_norm", "balanced_accuracy", "top5_accuracy", "exact_match"),
            *("f1", "f1_macro", "f1_micro", "f1_weighted", "f1_samples"),
            *("precision", "precision_macro", "precision_micro", "precision_weighted"),
            *("recall", "recall_macro", "recall_micro", "recall_weighted"),
            *("bleu", "sacrebleu", "rouge1", "rouge2", "rougel", "rougelsum", "meteor", "chrf"),
            *("map", "mrr", "ndcg", "auc", "mc1", "mc2", "pass@1", "pass@10", "win_rate"),
        ]
    },
    "wer": _LOWER,
    "cer": _LOWER,
    "ter": _LOWER,
    "mcc": MetricInfo(CORRELATION, True),
    "pearson": MetricInfo(CORRELATION, True),
    "spearman": MetricInfo(CORRELATION, True),
    "perplexity": MetricInfo(RAW, False),
    "loss": MetricInfo(RAW, False),
}

# Exact aliases, keyed by `slug()` of the id.
ALIASES: Final[dict[str, str]] = {
    "acc": "accuracy",
    "top1_accuracy": "accuracy",
    "top_1_accuracy": "accuracy",
    "acc@1": "accuracy",
    "accuracy_top1": "accuracy",
    "top5": "top5_accuracy",
    "top_5_accuracy": "top5_accuracy",
    "acc@5": "top5_accuracy",
    "normalized_accuracy": "acc_norm",
    "acc_normalized": "acc_norm",
    "f1_score": "f1",
    "f_score": "f1",
    "f1score": "f1",
    "fscore": "f1",
    "f_measure": "f1",
    "macro_f1": "f1_macro",
    "f1macro": "f1_macro",
    "macro_f1_score": "f1_macro",
    "f1_score_macro": "f1_macro",
    "micro_f1": "f1_micro",
    "weighted_f1": "f1_weighted",
    "macro_precision": "precision_macro",
    "macro_recall": "recall_macro",
    "em": "exact_match",
    "exact": "exact_match",
    "exact_match_score": "exact_match",
    "rouge_1": "rouge1",
    "rouge_2": "rouge2",
    "rouge_l": "rougel",
    "rouge_lsum": "rougelsum",
    "rouge_l_sum": "rougelsum",
    "mean_average_precision": "map",
    "matthews_correlation": "mcc",
    "pearsonr": "pearson",
    "spearmanr": "spearman",
    "roc_auc": "auc",
    "auroc": "auc",
    "ppl": "perplexity",
    "word_error_rate": "wer",
    "char_error_rate": "cer",
    "character_error_rate": "cer",
    "chrf++": "chrf",
}

# Ids that are proportions by their shape (retrieval @k, sentence-transformers evaluators).
_PROPORTION_IDS = re.compile(
    r"^(?:(?:map|mrr|ndcg|precision|recall|accuracy|hit_rate)(?:_at_|@)\d+"
    r"|pass@\d+|cosine_(?:accuracy|f1|precision|recall|ap))$"
)

# Free-text labels (model-index `name`, table headers): first match wins, so the more
# specific patterns come first (macro F1 before F1, acc_norm before accuracy).
_LABEL_PATTERNS: Final = [
    (re.compile(p), name)
    for p, name in (
        (r"\bacc(?:uracy)?[ -]?norm|\bnormali[sz]ed acc", "acc_norm"),
        (r"\bbalanced acc", "balanced_accuracy"),
        (r"\btop[ -]?5\b", "top5_accuracy"),
        (r"\bmacro\b.*\bf[ -]?1\b|\bf[ -]?1\b.*\bmacro\b|\bmacro[ -]?f\b", "f1_macro"),
        (r"\bmicro\b.*\bf[ -]?1\b|\bf[ -]?1\b.*\bmicro\b", "f1_micro"),
        (r"\bweighted\b.*\bf[ -]?1\b|\bf[ -]?1\b.*\bweighted\b", "f1_weighted"),
        (r"\bmacro\b.*\bprecision\b|\bprecision\b.*\bmacro\b", "precision_macro"),
        (r"\bmacro\b.*\brecall\b|\brecall\b.*\bmacro\b", "recall_macro"),
        (r"\bf[ -]?1\b|\bf[ -]?score|\bf[ -]?measure", "f1"),
        (r"\bexact[ -]?match|\bem\b", "exact_match"),
        (r"\bmean average precision\b|\bmap\b", "map"),
        (r"\bprecision\b", "precision"),
        (r"\brecall\b", "recall"),
        (r"\broc[ -]?auc\b|\bauc\b|\bauroc\b", "auc"),
        (r"\bacc(?:uracy)?\b|\bacc\.|\btop[ -]?1\b", "accuracy"),
        (r"\bsacre ?bleu\b", "sacrebleu"),
        (r"\bbleu\b", "bleu"),
        (r"\brouge[ -]?1\b", "rouge1"),
        (r"\brouge[ -]?2\b", "rouge2"),
        (r"\brouge[ -]?l[ -]?sum\b", "rougelsum"),
        (r"\brouge[ -]?l\b", "rougel"),
        (r"\bwer\b|\bword error rate", "wer"),
        (r"\bcer\b|\bchar(?:acter)? error rate", "cer"),
        (r"\bperplexity\b|\bppl\b", "perplexity"),
        (r"\bmatthews\b|\bmcc\b", "mcc"),
        (r"\bpearson", "pearson"),
        (r"\bspearman", "spearman"),
        (r"\bmeteor\b", "meteor"),
        (r"\bchrf", "chrf"),
        (r"\bter\b", "ter"),
    )
]
# Table headers naming these are not held-out performance claims.
_NOT_A_CLAIM_LABEL = re.compile(r"\bloss\b|\btrain(?:ing)?\b")

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*`]|<[^>]+>")
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
_UNCERTAINTY = re.compile(r"^(?P<value>\S+)\s*\(?\s*(?:±|\+/-|\+-)\s*(?P<error>[^\s)]+)\s*\)?$")
_PLACEHOLDERS = {"none", "null", "nan", "n/a", "na", "-", "--", "—", "–", "tbd", "todo", "?"}
MAX_TEXT = 200


def plain_text(text: str) -> str:
    """Markdown cell or label as plain text: links to their text, no emphasis, HTML or
    backticks, whitespace collapsed."""
    text = _LINK.sub(r"\1", text)
    text = _MARKUP.sub("", text).replace("__", "")
    return " ".join(text.split())


def slug(text: str) -> str:
    """`F1 (macro)` -> `f1_macro`: lowercase, every run of other characters one `_`."""
    return re.sub(r"[^a-z0-9@+]+", "_", plain_text(text).lower()).strip("_")


def metric_from_label(label: object, *, header: bool = False) -> str | None:
    """The canonical metric a free-text label names, or None.

    With `header=True` (a table header cell), labels about training (loss, train
    accuracy) name no claim."""
    if not isinstance(label, str) or not label.strip():
        return None
    text = plain_text(label).lower().replace("_", " ")
    if header and _NOT_A_CLAIM_LABEL.search(text):
        return None
    known = _lookup(slug(text))
    if known:
        return known
    for pattern, name in _LABEL_PATTERNS:
        if pattern.search(text):
            return name
    return None


def metrics_in_label(label: object, *, header: bool = False) -> list[str]:
    """All metrics of a label such as `EM/F1` (one per `/`-separated part), else the one
    metric of the whole label; empty when a part names none."""
    if not isinstance(label, str):
        return []
    parts = [p for p in plain_text(label).split("/") if p.strip()]
    if len(parts) > 1:
        names = [metric_from_label(p, header=header) for p in parts]
        if all(names):
            return [n for n in names if n]
    whole = metric_from_label(label, header=header)
    return [whole] if whole else []


def _lookup(key: str) -> str | None:
    if key in METRICS:
        return key
    if key in ALIASES:
        return ALIASES[key]
    if _PROPORTION_IDS.match(key):
        return key
    return None


def canonical_metric(
    metric_type: object, metric_name: object = None, metric_args: object = None
) -> tuple[str | None, str | None]:
    """(canonical metric, note) from a model-index metric's `type`, `name` and `args`.

    The `type` (the metric id) wins, unless the `name` names a different known metric:
    28 metrics of the July 2024 sample are typed `accuracy` but named `ROC AUC`, so the
    name is the more specific of the two there; the note says so. An unknown `type`
    keeps its slug (`mean_reward`, `hamming_score`); the `name` is used only when there
    is no `type`. `args` with `average: macro|micro|weighted` qualifies f1/precision/recall.
    """
    type_text = metric_type if isinstance(metric_type, str) and metric_type.strip() else None
    from_type = _lookup(slug(type_text)) if type_text else None
    from_name = metric_from_label(metric_name)
    note = None
    if from_type and from_name and from_type != from_name:
        canonical = from_name
        note = f"metric type {type_text!r} disagrees with name {metric_name!r}; using the name"
    elif from_type:
        canonical = from_type
    elif type_text:
        canonical = slug(type_text) or None
    else:
        canonical = from_name or (slug(metric_name) if isinstance(metric_name, str) else None)
        canonical = canonical or None
    average = _average(metric_args)
    if canonical in ("f1", "precision", "recall") and average:
        canonical = f"{canonical}_{average}"
    return canonical, note


def _average(args: object) -> str | None:
    text = json.dumps(args) if isinstance(args, dict | list) else args
    if not isinstance(text, str):
        return None
    match = re.search(r"\b(macro|micro|weighted)\b", text.lower())
    return match.group(1) if match else None


def metric_info(metric: object) -> MetricInfo:
    """Kind and direction of a canonical metric; unknown metrics are `raw`."""
    if isinstance(metric, str):
        if metric in METRICS:
            return METRICS[metric]
        if _PROPORTION_IDS.match(metric):
            return _HIGHER
    return MetricInfo(RAW, None)


@dataclass(frozen=True)
class ParsedValue:
    """A reported value: `value` is None unless `status` is `ok`; `text` is the raw value
    as given (numbers as their repr, containers as JSON), `reason` why it is unparsed."""

    value: float | None
    text: str | None
    status: str
    reason: str | None = None
    percent_sign: bool = False
    uncertainty: float | None = None


def value_text(raw: object) -> str | None:
    """The raw value as text (None for a missing value), at most `MAX_TEXT` characters."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw
    elif isinstance(raw, bool | int | float):
        text = repr(raw)
    else:
        try:
            text = json.dumps(raw, ensure_ascii=False, default=repr)
        except (TypeError, ValueError, RecursionError):
            text = repr(raw)
    return text[:MAX_TEXT]


def parse_value(raw: object) -> ParsedValue:
    """A reported metric value as a float, or the reason it is not one. Never raises.

    Accepts numbers, numeric strings with a `%` sign, `±`/`+/-` uncertainty (the value
    is the part before it) and Markdown emphasis. Everything else (null, NaN, booleans,
    dicts, lists, placeholder text, several numbers in one cell) is `unparsed`."""
    text = value_text(raw)
    if raw is None:
        return ParsedValue(None, None, UNPARSED, "null value")
    if isinstance(raw, bool):
        return ParsedValue(None, text, UNPARSED, "boolean, not a number")
    if isinstance(raw, int | float):
        number = float(raw)
        if math.isnan(number):
            return ParsedValue(None, text, UNPARSED, "NaN")
        if math.isinf(number):
            return ParsedValue(None, text, UNPARSED, "infinite")
        return ParsedValue(number, text, OK)
    if isinstance(raw, str):
        return _parse_text(raw, text)
    return ParsedValue(None, text, UNPARSED, f"nested value ({type(raw).__name__})")


def _parse_text(raw: str, text: str | None) -> ParsedValue:
    cleaned = plain_text(raw).replace("−", "-").replace(" ", "")
    cleaned = cleaned.replace("\u00a0", "").strip()
    if not cleaned:
        return ParsedValue(None, text, UNPARSED, "empty string")
    if cleaned.lower() in _PLACEHOLDERS:
        return ParsedValue(None, text, UNPARSED, f"placeholder {cleaned!r}")
    spaced = " ".join(plain_text(raw).replace("−", "-").split())
    uncertainty = None
    match = _UNCERTAINTY.match(spaced)
    if match:
        error = match.group("error").rstrip("%")
        if not _NUMBER.match(error):
            return ParsedValue(None, text, UNPARSED, f"uncertainty is not a number: {raw!r}")
        uncertainty = float(error)
        spaced = match.group("value")
    percent = spaced.endswith("%") or spaced.startswith("%")
    number = spaced.strip("%").strip()
    if not _NUMBER.match(number):
        reason = "several numbers" if len(re.findall(r"\d+(?:\.\d+)?", spaced)) > 1 else "text"
        return ParsedValue(None, text, UNPARSED, f"not a number ({reason}): {raw[:60]!r}")
    value = float(number)
    if not math.isfinite(value):
        return ParsedValue(None, text, UNPARSED, "infinite")
    return ParsedValue(value, text, OK, None, percent, uncertainty)


def unit_scale(
    metric: object, value: float | None, percent_sign: bool = False, declared: str | None = None
) -> tuple[str | None, str | None]:
    """(scale, reason) of a parsed value: `fraction`, `percent`, `raw` or `unknown`.

    A proportion in [0, 1] is a fraction, in (1, 100] a percent (so a reported 0.5% of
    accuracy is misread as 50%: cards almost never report such values). A `%` sign means
    percent. A correlation may also be negative. `declared` is the scale a source states
    for all its values (the ICWSM audit: fraction); values outside it are `unknown`.
    `reason` explains an `unknown`. None for a missing value."""
    if value is None:
        return None, None
    info = metric_info(metric)
    if declared in (FRACTION, PERCENT):
        top = 1.0 if declared == FRACTION else 100.0
        low = -top if info.kind == CORRELATION else 0.0
        if low <= value <= top:
            return declared, None
        return UNKNOWN_SCALE, f"value {value:g} outside the {declared} scale the source declares"
    if info.kind == RAW or declared == RAW_SCALE:
        return RAW_SCALE, None
    low = -1.0 if info.kind == CORRELATION else 0.0
    if percent_sign:
        if low * 100 <= value <= 100:
            return PERCENT, None
        return UNKNOWN_SCALE, f"value {value:g}% outside 0-100%"
    if low <= value <= 1:
        return FRACTION, None
    if low * 100 <= value <= 100:
        return PERCENT, None
    return UNKNOWN_SCALE, f"value {value:g} outside 0-100 for a {info.kind} metric"


def to_percentage_points(value: object, scale: object) -> float:
    """A fraction times 100, a percent as is; NaN for any other scale or a missing value."""
    if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
        return math.nan
    if scale == FRACTION:
        return float(value) * 100.0
    if scale == PERCENT:
        return float(value)
    return math.nan
