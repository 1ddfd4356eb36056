"""BASELINE for benchmarks/cardtext.py: the card-text detectors as of commit 958eeb5 (before issue 10),
kept unchanged so the benchmark can measure them beside the current ones in the same run.

Detectors over a model card's Markdown (the README body, front matter removed). Pure.

Each detector answers one attribute of Table I from the card's text. They are regular
expressions checked on the real cards in `tests/analyze/fixtures/` (precision recorded in
`tests/analyze/test_cardtext.py`). Sections whose only content is the card template's
placeholder ("More information needed", "[More Information Needed]") do not count.

`card_signals(body)` gives every signal for one card; without a stored body
(`cards.body` is optional) the signals are unknown.
"""

from __future__ import annotations

import re
from typing import Final

# Headings (any level) and their section text.
_HEADING: Final = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_COMMENT: Final = re.compile(r"<!--.*?-->", re.DOTALL)
_PLACEHOLDER: Final = re.compile(
    r"\[?\s*more\s+information\s+needed\s*\]?\.?|\[optional\]|\{\{.*?\}\}|\bN/?A\b|\bTBD\b"
    r"|\[?\s*TODO\b[^\]\n]*\]?",
    re.IGNORECASE,
)

_METRIC_WORDS: Final = (
    r"accuracy|acc|f1|f-1|f1[-_ ]score|bleu|sacrebleu|rouge[-_ ]?\w*|wer|cer|precision|recall"
    r"|exact[ _]match|\bem\b|map|map50|ap|auc|roc[-_ ]auc|perplexity|ppl|mse|mae|rmse|spearman"
    r"|pearson|top-?1|top-?5|meteor|chrf|ter|mcc|matthews|mean[ _]reward|reward|bertscore"
    r"|iou|miou|dice|psnr|ssim|fid|clip[ _]score|pass@1|mmlu|hellaswag|arc|truthfulqa"
    r"|winogrande|gsm8k"
)
_TABLE_HEADER: Final = re.compile(r"^\s*\|?(.+\|.+)\|?\s*\n\s*\|?\s*:?-{2,}", re.MULTILINE)
_METRIC_CELL: Final = re.compile(rf"(?<![\w-])({_METRIC_WORDS})(?![\w-])", re.IGNORECASE)
_TRAINING_LOG_TABLE: Final = re.compile(
    r"training\s+loss\s*\|.*\b(epoch|step)\b|\b(epoch|step)\b.*\|\s*training\s+loss",
    re.IGNORECASE,
)
_LOG_LINKS: Final = re.compile(
    r"wandb\.ai/|tensorboard\.dev/|comet\.(ml|com)/|/tensorboard\b|training[ _]logs?\b"
    r"|trainer_state\.json|events\.out\.tfevents",
    re.IGNORECASE,
)
# arXiv 1910.09700 (Lacoste et al., "Quantifying the Carbon Emissions of Machine Learning")
# is cited by the Hub's card template in every card that keeps its "Environmental Impact"
# section: it is not the model's paper (the Hub also turns it into an `arxiv:` tag).
TEMPLATE_ARXIV: Final = "1910.09700"
_PAPER: Final = re.compile(
    r"arxiv\.org/(abs|pdf)/(?!1910\.09700)|\barxiv:\s*(?!1910\.09700)\d{4}\.\d{4,5}|doi\.org/10\.|aclanthology\.org/"
    r"|aclweb\.org/anthology|openreview\.net/(forum|pdf)|proceedings\.(neurips|mlr)\.|"
    r"papers\.nips\.cc|ieeexplore\.ieee\.org|dl\.acm\.org/doi|@(article|inproceedings|misc)\{",
    re.IGNORECASE,
)
_ACCELERATOR: Final = (  # accelerator names are matched case-sensitively
    r"(?-i:\b(?:NVIDIA\s+|Nvidia\s+)?(?:Tesla\s+)?(?:[AHV]100|A10G?|A40|A6000|L4|L40S?|T4|P100"
    r"|RTX\s?[A-Z]?\d{3,4}\w*|GTX\s?\d{3,4}\w*|TPU\s?v?\d\w*|TPUs?|GPUs?"
    r"|M[123]\s(?:Pro|Max|Ultra)|Gaudi\d?|Trainium|Inferentia)\b)"
)
_TRAINING_HARDWARE: Final = re.compile(
    rf"(train|trained|training|fine-?tun\w*|pre-?train\w*)\b[^.\n]{{0,120}}?{_ACCELERATOR}"
    rf"|{_ACCELERATOR}[^.\n]{{0,60}}?\b(train|trained|training|fine-?tun\w*|hours|days)\b"
    r"|hardware\s+type\W{0,6}\s*[:|]\s*\**\s*(?!\[?more\s+information)\w"
    r"|hardware_used"
    rf"|(?-i:\b(?:GPUs?|TPUs?|Hardware))\W{{0,6}}[:|][^\n]{{0,24}}?{_ACCELERATOR}",
    re.IGNORECASE,
)
_HYPERPARAMETERS: Final = re.compile(
    r"(learning[ _]rate|\blr\b|batch[ _]size|num[ _]epochs|epochs|warmup[ _]steps|weight[ _]decay"
    r"|gradient[ _]accumulation|optimizer|max[ _]steps|lora[ _](r|alpha|rank))"
    r"[\s*`:=|\-]{0,6}\s*(of\s+)?[\d.]+(e-?\d+)?",
    re.IGNORECASE,
)
_NOTEBOOK: Final = re.compile(
    r"colab\.research\.google\.com|\.ipynb\b|kaggle\.com/(code|notebooks?)/|huggingface\.co/spaces/"
    r"|\[[^\]]*\bdemo\b[^\]]*\]\(https?://|\bdemo\b[^\n]{0,40}https?://|gradio\.app",
    re.IGNORECASE,
)
_FRAMEWORK_VERSIONS: Final = re.compile(
    r"^\s*[-*]\s*(transformers|pytorch|torch|tensorflow|datasets|tokenizers|peft|jax|flax"
    r"|keras|diffusers|sentence-transformers|trl|accelerate|python)\s+v?\d+\.\d+"
    r"|pip\s+install\s+[^\n]*(==|>=)\s*\d|python\s*(==|>=)?\s*3\.\d+\b",
    re.IGNORECASE | re.MULTILINE,
)
_INFERENCE_HARDWARE: Final = re.compile(
    r"\b(v?ram|gpu\s+memory|memory\s+(usage|footprint|requirements?)|\bmin(imum)?\s+requirements?)"
    r"\b[^.\n]{0,60}?\d+(\.\d+)?\s*(gb|gib|mb)\b"
    r"|\d+(\.\d+)?\s*(gb|gib)\s+(of\s+)?(v?ram|gpu\s+memory|memory|vram)"
    r"|\b(runs?|running|run\s+it|inference|deploy\w*)\b[^.\n]{0,60}?\b(on\s+(a\s+)?cpu|on\s+"
    r"(a\s+)?(single\s+|consumer\s+)?gpu|on\s+(edge|mobile)|on\s+(a\s+)?(raspberry|jetson|phone"
    r"|laptop|mac|apple))"
    r"|\bhardware\s+requirements?\b|\brecommended\s+hardware\b|\bmax\s+ram\s+required\b",
    re.IGNORECASE,
)
_LATENCY: Final = re.compile(
    r"\b(latency|throughput|inference\s+(time|speed)|tokens?\s*/\s*s(ec)?|tok/s|it/s"
    r"|samples?\s*/\s*s(ec)?|images?\s*/\s*s(ec)?|fps|queries\s+per\s+second|ms\s*/\s*(token|image"
    r"|sample|step))\b[^\n]{0,80}?\d"
    r"|\d+(\.\d+)?\s*(ms|milliseconds?)\b[^\n]{0,40}\b(per|latency|inference|on)\b",
    re.IGNORECASE,
)
_FINE_TUNING: Final = re.compile(
    r"\bhow[ \t]+to[ \t]+(fine-?tune|train)\b|\bfine-?tun(e|ing)[ \t]+(this|the)[ \t]+model\b"
    r"|\bto[ \t]+fine-?tune\b[^.\n]{0,60}\b(use|run|follow|see)\b|\brun_(glue|ner|qa|clm|mlm|"
    r"summarization|translation|speech_recognition_ctc|image_classification)\.py\b"
    r"|\bautotrain[ \t]+llm\b|\bfine-?tuning[ \t]+(guide|script|example|notebook)s?\b",
    re.IGNORECASE,
)
_CO2: Final = re.compile(
    r"(co2|co₂|carbon|emissions?)[^\n]{0,80}?\d+(\.\d+)?\s*(k?g|kilograms?|grams?|t|tons?|tonnes?"
    r"|tco2e?|kgco2e?|lbs?)\b"
    r"|co2_eq_emissions|carbon\s+emitted\W{0,6}\s*[:|]\s*\**\s*(?!\[?more\s+information)[\d~<>]",
    re.IGNORECASE,
)
_BASE_MODEL_TEXT: Final = re.compile(
    r"fine-?tuned\s+(version\s+)?of\s+\[?[\w./-]+"
    r"|fine-?tuned\s+from\s+(model\s*(\[optional\])?\W{0,6}[:|]\s*\**\s*"
    r"(?!\[?more\s+information)\[?\w|(?!model\b)\[?[\w./-]+)"
    r"|based\s+on\s+\[?[\w-]+/[\w.-]+"
    r"|(parent|base)\s+model\W{0,6}\s*[:|]\s*\**\s*\[?[\w.-]+/[\w.-]+",
    re.IGNORECASE,
)
_ARCHITECTURE_TEXT: Final = re.compile(
    r"(model\s+)?architecture\W{0,6}\s*[:|]\s*\**\s*(?!\[?more\s+information)\w"
    r"|\b\d+\s*(layers?|attention\s+heads|hidden\s+(size|units))\b"
    r"|\b(encoder-decoder|decoder-only|encoder-only)\b",
    re.IGNORECASE,
)

_H_DATASET: Final = re.compile(
    r"\b(training|train|fine-?tuning|evaluation|eval)?\s*data(set)?s?\b", re.IGNORECASE
)
_H_ARCH: Final = re.compile(r"architecture", re.IGNORECASE)

SIGNALS: tuple[str, ...] = (
    "dataset_details",
    "performance_table",
    "training_log",
    "paper",
    "base_model",
    "architecture",
    "training_hardware",
    "hyperparameters",
    "notebook_or_demo",
    "framework_versions",
    "inference_hardware",
    "latency",
    "fine_tuning",
    "co2",
)


def split_sections(body: str) -> list[tuple[str, str]]:
    """(heading, text up to the next heading) pairs; text before the first heading has the
    heading "". HTML comments are removed first."""
    body = _COMMENT.sub("", body)
    matches = list(_HEADING.finditer(body))
    sections = [("", body[: matches[0].start()] if matches else body)]
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        sections.append((match.group(2).strip(), body[match.end() : end]))
    return sections


def has_content(text: str) -> bool:
    """Does a section's text say something beyond the template's placeholders?"""
    cleaned = _PLACEHOLDER.sub("", _COMMENT.sub("", text))
    return len(re.sub(r"[\s\-*_#>|:`.]+", "", cleaned)) >= 15


def card_signals(body: object) -> dict[str, bool | None]:
    """Every signal of `SIGNALS` for one card body; all None (unknown) when there is no
    body. Never raises.

    Section headings alone (`cards.sections`) are not used: the Hub's card template has
    headings such as "Training Data", "Hardware" or "Environmental Impact" whose content
    is a placeholder, so a heading is no evidence of the attribute."""
    if not isinstance(body, str):
        return dict.fromkeys(SIGNALS)
    return _body_signals(body)


def _body_signals(body: str) -> dict[str, bool]:
    sections = split_sections(body)
    text = _COMMENT.sub("", body)

    def section_has(pattern: re.Pattern) -> bool:
        return any(pattern.search(h) and has_content(t) for h, t in sections if h)

    return {
        "dataset_details": section_has(_H_DATASET),
        "performance_table": _has_metric_table(text),
        "training_log": bool(_TRAINING_LOG_TABLE.search(text) or _LOG_LINKS.search(text)),
        "paper": bool(_PAPER.search(text)),
        "base_model": bool(_BASE_MODEL_TEXT.search(text)),
        "architecture": bool(_ARCHITECTURE_TEXT.search(text)) or section_has(_H_ARCH),
        "training_hardware": bool(_TRAINING_HARDWARE.search(text)),
        "hyperparameters": bool(_HYPERPARAMETERS.search(text)),
        "notebook_or_demo": bool(_NOTEBOOK.search(text)),
        "framework_versions": bool(_FRAMEWORK_VERSIONS.search(text)),
        "inference_hardware": bool(_INFERENCE_HARDWARE.search(text)),
        "latency": bool(_LATENCY.search(text)),
        "fine_tuning": bool(_FINE_TUNING.search(text)),
        "co2": bool(_CO2.search(text)),
    }


def _has_metric_table(text: str) -> bool:
    """A Markdown table whose header names a metric other than (training) loss."""
    for match in _TABLE_HEADER.finditer(text):
        header = match.group(1)
        if _METRIC_CELL.search(header):
            return True
    return False
