# ruff: noqa: E501
"""The card-text detectors as merged after round 2 of issue 10 (commit ca933a5), frozen
as the in-run speed and quality baseline of `benchmarks/cardtext.py`; not used by the
pipeline."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

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
# arXiv 1910.09700 (Lacoste et al., "Quantifying the Carbon Emissions of Machine Learning")
# is cited by the Hub's card template in every card that keeps its "Environmental Impact"
# section: it is not the model's paper (the Hub also turns it into an `arxiv:` tag).
TEMPLATE_ARXIV: Final = "1910.09700"

_FRONT_MATTER: Final = re.compile(r"\A\s*---[ \t]*\r?\n.*?\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_COMMENT: Final = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING: Final = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
# A line that is only bold text ("**Training Dataset**") also opens a section.
_BOLD_HEADING: Final = re.compile(r"^ {0,3}\*\*([^*\n]{2,80}?)\*\*[ \t]*:?[ \t]*$", re.MULTILINE)
_PLACEHOLDER: Final = re.compile(
    r"\[?\s*more\s+information\s+needed\s*\]?\.?|\[optional\]|\{\{.*?\}\}|\bN/?A\b|\bTBD\b"
    r"|\[?\s*TODO\b[^\]\n]*\]?",
    re.IGNORECASE,
)
_BLANK: Final = re.compile(r"[\s\-*_#>|:`.]+")


def strip_front_matter(text: str) -> str:
    if text.lstrip()[:3] != "---":
        return text
    match = _FRONT_MATTER.match(text)
    return text[match.end() :] if match else text


def split_sections(body: str) -> list[tuple[str, str]]:
    """(heading, text up to the next heading) pairs; text before the first heading has the
    heading "". HTML comments are removed first. Markdown headings and lines that are only
    bold text ("**Training Data**") open sections."""
    body = _COMMENT.sub("", body) if "<!--" in body else body
    matches = sorted(
        [(m.start(), m.end(), m.group(2)) for m in _HEADING.finditer(body)]
        + [(m.start(), m.end(), m.group(1)) for m in _BOLD_HEADING.finditer(body)]
    )
    sections = [("", body[: matches[0][0]] if matches else body)]
    for i, (_, end, title) in enumerate(matches):
        stop = matches[i + 1][0] if i + 1 < len(matches) else len(body)
        sections.append((title.strip(), body[end:stop]))
    return sections


def has_content(text: str) -> bool:
    """Does a section's text say something beyond the template's placeholders?"""
    cleaned = _PLACEHOLDER.sub("", _COMMENT.sub("", text))
    return len(_BLANK.sub("", cleaned)) >= 15


def _windows(low: str, anchors: tuple[str, ...], before: int, after: int) -> list[tuple[int, int]]:
    """Merged spans [i - before, i + after) around every occurrence of an anchor."""
    spans = []
    for anchor in anchors:
        i = low.find(anchor)
        while i >= 0:
            spans.append((max(0, i - before), i + len(anchor) + after))
            i = low.find(anchor, i + len(anchor))
    if len(spans) < 2:
        return spans
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _near(
    pattern: re.Pattern, text: str, low: str, anchors: tuple[str, ...], before: int, after: int
) -> bool:
    """`pattern.search(text)` restricted to the spans around the anchors (every match of
    `pattern` contains one of them), which is what makes the detectors fast."""
    return any(pattern.search(text, s, e) for s, e in _windows(low, anchors, before, after))


class _Card:
    """One card's text, lowercased text and (lazily) its sections and tables."""

    __slots__ = ("_sections", "_tables", "low", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.low = text.lower()
        self._sections: list[tuple[str, str]] | None = None
        self._tables: list[tuple[list[str], list[list[str]]]] | None = None

    def sections(self) -> list[tuple[str, str]]:
        """(lowercased heading, text) of every section."""
        if self._sections is None:
            self._sections = [(h.lower(), t) for h, t in split_sections(self.text)]
        return self._sections

    def tables(self) -> list[tuple[list[str], list[list[str]]]]:
        """(header cells, body rows) of every pipe or HTML table, lowercased."""
        if self._tables is None:
            self._tables = _pipe_tables(self.low) + _html_tables(self.low)
        return self._tables


# --- tables -----------------------------------------------------------------------------

_TABLE_SEPARATOR: Final = re.compile(
    r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-{1,}:?[ \t]*)+\|?[ \t]*$"
)
_HTML_ROW: Final = re.compile(r"<tr\b.*?</tr>", re.DOTALL)
_HTML_CELL: Final = re.compile(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", re.DOTALL)
_TAGS: Final = re.compile(r"<[^>]+>")
_MAX_ROWS: Final = 60


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip().strip("*_` ") for c in line.split("|")]


def _pipe_tables(low: str) -> list[tuple[list[str], list[list[str]]]]:
    if "|" not in low or "--" not in low:
        return []
    lines = low.splitlines()
    tables = []
    for i in range(1, len(lines)):
        line = lines[i]
        if "--" not in line or "|" not in line or not _TABLE_SEPARATOR.match(line):
            continue
        if "|" not in lines[i - 1]:
            continue
        rows = []
        for row in lines[i + 1 : i + 1 + _MAX_ROWS]:
            if "|" not in row:
                break
            rows.append(_cells(row))
        tables.append((_cells(lines[i - 1]), rows))
    return tables


def _html_tables(low: str) -> list[tuple[list[str], list[list[str]]]]:
    if "<table" not in low:
        return []
    tables = []
    for chunk in low.split("<table")[1:]:
        chunk = chunk.split("</table>", 1)[0]
        rows = [
            [_TAGS.sub("", c).strip() for c in _HTML_CELL.findall(r)]
            for r in _HTML_ROW.findall(chunk)[:_MAX_ROWS]
        ]
        rows = [r for r in rows if r]
        if rows:
            tables.append((rows[0], rows[1:]))
    return tables


_NUMBER: Final = re.compile(r"^[~<>≈±+-]?\(?\d+(?:[.,]\d+)?(?:e-?\d+)?\s*%?\)?(?:\s*±\s*[\d.]+)?$")
_METRIC: Final = re.compile(
    r"(?<![a-z])(?:acc(?:uracy)?|f1|f-1|f1[-_ ]?score|f-score|fscore|bleu|sacrebleu|rouge\w*|wer|cer"
    r"|precision|recall|exact[ _]?match|em|map\w*|ap\d*|auc|roc|perplexity|ppl|mse|mae|rmse"
    r"|spearman|pearson|cosine\w*|top-?[15]|meteor|chrf\+*|ter|mcc|matthews|mean[ _]reward|reward"
    r"|bertscore|iou|miou|dice|psnr|ssim|fid|lpips|clip[ _]?score|pass@\d+|mmlu|hellaswag|arc\w*"
    r"|truthfulqa|winogrande|gsm8k?|bbh|agieval|humaneval|mbpp|mt[- ]?bench|alpacaeval|win[ _]?rate"
    r"|score|scores|average|avg|eval\w*|validation[ _]loss|val[ _]loss|valid\w*|test\w*|ndcg\w*"
    r"|mrr\w*|kappa|r2|correlation|micro|macro|weighted|ccip|elo|drop|squad|glue|superglue"
    r"|result|results|performance|benchmark|metric|metrics|value)(?![a-z])"
)
_TRAIN_ONLY: Final = re.compile(
    r"^(?:train(?:ing)?[ _]\w+|loss|epoch|step|steps|learning[ _]rate)$"
)


def _metric_column(header: str) -> bool:
    return bool(header) and not _TRAIN_ONLY.match(header) and bool(_METRIC.search(header))


def _is_number(cell: str) -> bool:
    return bool(cell) and cell[0] in "0123456789.-+~<>≈(" and bool(_NUMBER.match(cell))


def _is_result_table(header: list[str], rows: list[list[str]]) -> bool:
    """A table of evaluation results: a metric column with a number under it, or a row
    named by a metric with a number in it."""
    columns = [j for j, h in enumerate(header) if _metric_column(h)]
    for row in rows:
        if any(j < len(row) and _is_number(row[j]) for j in columns):
            return True
        if row and _metric_column(row[0]) and any(_is_number(c) for c in row[1:]):
            return True
    if not columns and header and _metric_column(header[0]):
        return any(_is_number(c) for c in header[1:])
    return False


# A preformatted report (sklearn's classification_report, a pandas printout of scores).
_TEXT_REPORT: Final = re.compile(
    r"precision +recall +f1-score|(?:^|\n) *(?:accuracy|macro avg|weighted avg) +[\d.]+ "
    r"|\n *score\n(?:[^\n]*\n){0,3}[^\n]*\b\d+\.\d{2,}\b"
)


def _performance_table(card: _Card) -> bool:
    low = card.low
    if ("|" in low and "--" in low) or "<table" in low:
        for header, rows in card.tables():
            if _is_result_table(header, rows):
                return True
    return "```" in low and bool(_TEXT_REPORT.search(low))


# --- training log -----------------------------------------------------------------------

_LOG_LINKS: Final = re.compile(
    r"wandb\.ai/|wandb\.me/|tensorboard\.dev/|comet\.(?:ml|com)/|/tensorboard\b|trainer_state\.json"
    r"|events\.out\.tfevents|training[ _]logs?\b|train(?:ing)?[ _]log\.(?:txt|json)|\[tensorboard"
)


def _training_log(card: _Card) -> bool:
    low = card.low
    if ("wandb" in low or "tensorboard" in low or "comet" in low or "log" in low) and (
        _LOG_LINKS.search(low)
    ):
        return True
    if "epoch" not in low and "step" not in low:
        return False
    for header, rows in card.tables():
        if not any(h in ("epoch", "step", "steps", "epochs", "global_step") for h in header):
            continue
        losses = [j for j, h in enumerate(header) if "loss" in h]
        train = [j for j, h in enumerate(header) if h.startswith("train") and "loss" in h]
        numeric_train = any(j < len(r) and _is_number(r[j]) for r in rows for j in train)
        if losses and (numeric_train or len(rows) >= 2):
            return True
    return False


# --- paper ------------------------------------------------------------------------------

_PAPER_LINK: Final = re.compile(
    r"arxiv\.org/(?:abs|pdf)/(?!1910\.09700)|\barxiv[: ]\s*(?!1910\.09700)\d{4}\.\d{4,5}"
    r"|doi\.org/10\.|aclanthology\.org/|aclweb\.org/anthology|openreview\.net/(?:forum|pdf)"
    r"|proceedings\.(?:neurips|mlr)\.|papers\.nips\.cc|ieeexplore\.ieee\.org|dl\.acm\.org/doi"
    r"|@(?:article|inproceedings|misc|techreport|phdthesis|mastersthesis)\{"
)
# Words showing that a cited work is the data, a baseline or a component, not this model.
_NOT_OWN_PAPER: Final = re.compile(
    r"dataset|corpus|benchmark|\bdata\b|split|baseline|compar|activation|evaluat|test set|\bmqa\b"
)
_OWN_PAPER: Final = re.compile(
    r"\bpaper\b|introduced in|proposed in|presented in|described in|our (?:paper|work)|"
    r"technical report|tech report|cite|citation|bibtex|publication|\bpreprint\b|論文|论文"
)


def _paper(card: _Card) -> bool:
    low = card.low
    if not any(
        k in low for k in ("arxiv", "doi.org", "aclanthology", "aclweb", "openreview", "@")
    ) and not any(k in low for k in ("proceedings.", "nips.cc", "ieee", "acm.org")):
        return False
    for match in _PAPER_LINK.finditer(low):
        if match.group(0).startswith("@"):
            entry = low[match.end() : match.end() + 600]
            if "1910.09700" in entry or "carbon emissions of machine" in entry:
                continue
            if re.search(r"howpublished *= *\{\\?url\{https?://github", entry) and not re.search(
                r"journal *= *\{(?!github)|booktitle|eprint|arxiv", entry
            ):
                continue  # a BibTeX entry of a GitHub repository, not of a paper
            return True
        start = low.rfind("\n", 0, match.start()) + 1
        end = low.find("\n", match.end())
        line = low[start : end if end >= 0 else len(low)]
        before = low[max(0, match.start() - 300) : match.start()]
        if _OWN_PAPER.search(line) or not _NOT_OWN_PAPER.search(before + line):
            return True
    return False


# --- base model -------------------------------------------------------------------------

_NAME: Final = r"(?:\[[^\]\n]{2,100}\]\(|`[^`\n]{2,80}`|https?://huggingface\.co/(?!datasets/|spaces/|docs/|blog/)[\w.-]+/[\w.-]+|[\w.-]+/[\w.-]*\w|[a-z][\w.]*-?\d[\w.-]*|[a-z]+-[\w.-]+)"
_BASE_MODEL: Final = re.compile(
    r"(?:fine-?tuned|finetuned|fine tuned|trained|pre-?trained|quanti[sz]ed|quants?|converted|distilled"
    r"|derived|merged?|resumed|continued|initiali[sz]ed|adapted|built|exl2|exllama\s?v?2|gguf|gptq|awq"
    r"|onnx|lora|adapter|adaption|weights|checkpoint|version|variant|model files)"
    r"(?: (?:version|checkpoint|model|weights|files|format|quant\w*))?"
    r" (?:of|from|for|on top of|off of|upon)\s+(?:the |a |an )?(?:pre-?trained |original |base )?"
    + _NAME
    + r"|(?:based|built) (?:on|upon)\s+(?:the |a |an )?(?:pre-?trained |original |base )?"
    r"(?:\[[^\]\n]{2,100}\]\(|`[^`\n]{2,80}`|[\w.-]+/[\w.-]+|https?://huggingface\.co/"
    r"|(?-i:[A-Z][\w.-]*\d[\w.-]*|[A-Z][a-z]*[A-Z][\w.-]*|[A-Z]{2,}[\w.-]*|[A-Z][a-z]+[ -]\d[\w.]*))"
    r"|(?:original|base|parent|foundation|source|pretrained|pre-trained|underlying) model"
    r"(?: used)?(?: during training)?(?: is| was|\*\*|\W){0,6}[:：|]?\s*\**\s*(?!\[?more information)"
    + _NAME
    + r"|(?:^|\n)\W*base(?: model)?\W{0,4}[:：]\s*\**\s*(?!\[?more information)"
    + _NAME
    + r"|\bas (?:the )?base\b|base model of|architecture of base model"
    r"|(?-i:\b[A-Z][A-Za-z]*[A-Z0-9][\w.-]*(?: \d+(?:\.\d+)?[BM])?)\s+(?:fine-?tuned|finetuned)"
    r"\s+(?:on|with|for)\b",
    re.IGNORECASE,
)
_BASE_GATE: Final = (
    "tun",
    "train",
    "quant",
    "convert",
    "distil",
    "deriv",
    "merge",
    "based",
    "base",
    "original",
    "gguf",
    "gptq",
    "awq",
    "exl",
    "onnx",
    "lora",
    "adapter",
    "adaption",
    "weights",
    "checkpoint",
    "version",
    "variant",
    "model files",
    "resumed",
    "continued",
    "initiali",
    "built",
    "parent",
    "foundation",
)
# Derivation words of other languages, near a Hub model link or an owner/name id.
_BASE_FOREIGN: Final = re.compile(
    r"(?:ファインチューニング|微调|微調|基于|基於|ベース|量子化|квантиз|дообуч|основан|на основе"
    r"|fine-?tuné|basé sur|basado en|ajustado|basiert auf|feinabgestimmt|기반|파인튜닝)"
)
_HUB_MODEL: Final = re.compile(
    r"huggingface\.co/(?!datasets/|spaces/|docs/|blog/|models\?|papers/)[\w.-]+/[\w.-]+"
    r"|\b[\w.-]{2,}/[\w.-]*\d[\w.-]*\b"
)


# Common pre-trained model families: a derivation word next to one names the base even when
# the name has no owner/ or version digits ("a DPO-aligned version of Mistral 7B").
_FAMILY: Final = (
    r"(?:bert|roberta|distilbert|distilroberta|deberta[\w-]*|electra|albert|xlm-r\w*|camembert"
    r"|herbert|\w*bert-base|gpt-?2|gpt-?j|gpt-?neox?|bloomz?|pythia|llama[ -]?\d*|codellama"
    r"|tinyllama|mistral|mixtral|gemma|qwen[\d.]*|falcon|phi-?\d|t5|flan-t5|mt5|byt5|long-?t5|bart"
    r"|mbart|pegasus|whisper|wav2vec2?|hubert|vit|deit|swin|convnext|resnet-?\d*|yolo\w*|clip"
    r"|stable[ -]diffusion|sdxl|sd ?(?:1\.[45]|2\.[01]|xl)|zephyr|vicuna|starcoder\w*|polyglot"
    r"|stablelm|openchat|solar|yi|opt|mpt|e5|bge|minilm|mpnet|dabert)\b"
)
_BASE_MORE: Final = re.compile(
    # "<derivation> of/from/on/for <family>", "<family> fine-tuned", "modified <family>"
    r"(?:fine-?tuned|finetuned|aligned|trained|quanti[sz]ed|converted|distilled|merged?|lora"
    r"|adapter|modified|expanded|extended|pruned|version|variant|embedding|based)"
    r"(?: (?:version|model|checkpoint|weights))? (?:of |from |on |for |on top of |upon |around )?"
    r"(?:the |a |an )?(?:pre-?trained |original |base )?[\[*`]*"
    + _FAMILY
    + r"|(?<![\w-])"
    + _FAMILY
    + r"[\w.-]*\** (?:[\w-]+ ){0,3}?(?:model )?(?:was |is |that was )?"
    r"(?:fine-?tuned|finetuned|further trained|trained on)\b(?! from scratch)"
    # "fine-tuned using the pre-trained X model", "transfer learning with [a Hub model]"
    r"|(?:fine-?tuned|trained|initiali[sz]ed) (?:using|with|from) (?:the )?pre-?trained [\[*`]*\w"
    r"|(?:transfer learning|fine-?tun\w+|trained|initiali[sz]ed|starting|continued) (?:from|with|on"
    r" top of) \[[^\]\n]+\]\(https?://huggingface\.co/(?!datasets/|spaces/)"
    # template lines: "Finetuned from model [optional]: X", Xenova's ONNX conversions
    r"|finetuned from model(?: \[optional\])?\**\s*[:：]\W{0,4}(?!\[?more information)\w"
    r"|huggingface\.co/[\w.-]+/[\w.-]+\)? with onnx weights"
    # merges and mixes of named models; mergekit configurations; "X was the base"
    r"|\bmerge_method\s*:|\b(?:was|is) (?:the|my|our) base\b|\bbased around\s+\[[^\]\n]+\]\(https?://huggingface"
    # "is a [HerBERT Base](https://huggingface.co/allegro/herbert-base-cased) model ... fine-tuned"
    r"|\]\(https?://huggingface\.co/(?!datasets/|spaces/)[\w.-]+/[\w.-]+\) model\b[^.\n]{0,80}?"
    r"(?:fine-?tuned|finetuned|trained|adapted)",
    re.ASCII,
)
# (run on the lowercased text: no IGNORECASE, which is slow; the mix rule needs the case)
_BASE_MIX: Final = re.compile(
    r"\b(?:a |the )?(?:mix|merge|blend|fusion) (?:of|between) (?:the )?(?:\[|`|https?://huggingface"
    r"|(?-i:[A-Z][a-z]+[A-Z]\w*|[A-Z][\w.-]*\d[\w.-]*)|" + _FAMILY + r")",
    re.IGNORECASE,
)
_BASE_MORE_GATE: Final = (
    "tun",
    "train",
    "align",
    "quanti",
    "convert",
    "distil",
    "merge",
    "lora",
    "adapter",
    "modified",
    "expanded",
    "extended",
    "pruned",
    "version",
    "variant",
    "embedding",
    "based",
    "initiali",
    "transfer",
    "onnx",
    "mix",
    "around",
    "huggingface.co",
    "blend",
    "fusion",
    "the base",
    "my base",
    "our base",
)


def _base_model(card: _Card) -> bool:
    low = card.low
    if _near(_BASE_MODEL, card.text, low, _BASE_GATE, 120, 160):
        return True
    if _near(_BASE_MORE, low, low, _BASE_MORE_GATE, 140, 160):
        return True
    if _near(_BASE_MIX, card.text, low, (" of ", " between "), 30, 160):
        return True
    if _BASE_FOREIGN.search(low):
        for match in _BASE_FOREIGN.finditer(low):
            window = low[max(0, match.start() - 300) : match.end() + 100]
            if _HUB_MODEL.search(window):
                return True
    return False


# --- architecture -----------------------------------------------------------------------

_ARCHITECTURE: Final = re.compile(
    r"(?:model )?architecture\W{0,6}\s*[:|]\s*\**\s*(?!\[?more information)\w"
    r"|\b\d+[ -]?(?:layers?|transformer layers|attention heads|heads|hidden (?:size|units|dim\w*)"
    r"|experts)\b"
    r"|\b(?:num_hidden_layers|num_attention_heads|hidden_size|d_model|n_layers?|n_heads?)\b\W{0,4}\d"
    r"|\b(?:encoder-decoder|encoder decoder|decoder-only|decoder only|encoder-only|seq2seq|"
    r"sequence-to-sequence|auto-?regressive (?:language )?model|mixture[ -]of[ -]experts|\bmoe\b"
    r"|n-stream decoder|u-net|unet|vision transformer|based on the (?:\w+ )?transformer "
    r"architecture)\b"
    r"|sentencetransformer\(|\(0\): transformer\(|full model architecture|\d+ x \w*(?:layer|block)\("
    r"|(?:same|identical|similar) (?:model )?architecture (?:as|to)\b"
)
_ARCH_GATE: Final = (
    "architect",
    "layer",
    "head",
    "hidden",
    "encoder",
    "decoder",
    "regressive",
    "expert",
    "moe",
    "transformer",
    "d_model",
    "unet",
    "u-net",
    "seq2seq",
    "sequence-to-sequence",
    "block",
)


def _architecture(card: _Card) -> bool:
    low = card.low
    if not any(k in low for k in _ARCH_GATE):
        return False
    if _near(_ARCHITECTURE, low, low, _ARCH_GATE, 60, 80):
        return True
    return any("architecture" in heading and has_content(text) for heading, text in card.sections())


# --- hardware ---------------------------------------------------------------------------

_ACCELERATOR: Final = (
    r"(?:\b(?:nvidia |geforce )?(?:tesla )?(?:[ahv]100|h200|a10g?|a30|a40|a6000|rtx ?a?\d{4}\w*"
    r"|l4|l40s?|t4|p100|k80|v100s?|rtx ?\d{3,4}\w*|gtx ?\d{3,4}\w*|tpu[ -]?v?\d\w*|tpus?|gpus?"
    r"|m[123] (?:pro|max|ultra)|gaudi\d?|trainium|mi\d{3}x?)\b)"
)
_TRAINING_HARDWARE: Final = re.compile(
    rf"(?:train|trained|training|fine-?tun\w*|finetun\w*|pre-?train\w*)\b[^.\n|]{{0,120}}?{_ACCELERATOR}"
    rf"|{_ACCELERATOR}[^.\n|]{{0,60}}?\b(?:train|trained|training|fine-?tun\w*|hours|days)\b"
    rf"|hardware(?: type)?\W{{0,6}}\s*[:|]\s*\**\s*(?!\[?more information)[^\n]{{0,40}}?{_ACCELERATOR}"
    r"|hardware_used|gpu hours|tpu hours|\d+ ?x ?(?:nvidia )?(?:[ahv]100|h200|a6000|rtx)"
    rf"|(?<!['\"])(?:gpus?|tpus?|hardware|compute|accelerators?)\W{{0,6}}[:|][^\n]{{0,24}}?{_ACCELERATOR}"
)


_SPECIFIC_ACCELERATOR: Final = re.compile(
    r"\b(?:[ahv]100|h200|a10g?|a40|a6000|rtx ?a?\d{4}\w*|l40s?|p100|tpu[ -]?v?\d\w*|gaudi\d?"
    r"|trainium|mi\d{3}x?)\b"
)
_USED_ACCELERATOR: Final = re.compile(
    r"\b(?:i|we) (?:use|used|utili[sz]ed)\s+(?:\d+ ?x ?|\d+ )?(?:nvidia )?(?:tesla )?"
    r"(?:[ahv]100|h200|a6000|rtx ?a?\d{4}|tpu[ -]?v?\d)"
)
_HW_ANCHORS: Final = (
    "gpu",
    "tpu",
    "100",
    "a10",
    "a40",
    "a30",
    "a6000",
    "rtx",
    "gtx",
    "l4",
    "t4",
    "h200",
    "gaudi",
    "trainium",
    "mi2",
    "mi3",
    "hardware",
    " m1 ",
    " m2 ",
    " m3 ",
)
_READER: Final = re.compile(r"\b(?:you|your|please|recommended|typical|minimum|requirements?)\b")
_HARDWARE_HEADING: Final = re.compile(r"hardware|compute infrastructure|compute|infrastructure")


def _training_hardware(card: _Card) -> bool:
    low = card.low
    if not any(k in low for k in ("gpu", "tpu", "100", "hardware", "rtx", "gaudi", "a10", "t4")):
        return False
    if _USED_ACCELERATOR.search(low):
        return True
    for start, end in _windows(low, _HW_ANCHORS, 160, 100):
        for match in _TRAINING_HARDWARE.finditer(low, start, end):
            # advice to the reader ("please limit the GPU numbers in training", a table of
            # recommended GPUs) is not the hardware this model was trained on
            line_start = max(low.rfind(".", 0, match.start()), low.rfind("\n", 0, match.start()))
            context = low[line_start + 1 : match.end()]
            if context.lstrip().startswith("|"):
                context = low[max(0, match.start() - 600) : match.end()]
            if not _READER.search(context):
                return True
    return any(
        _HARDWARE_HEADING.search(heading)
        and "requirement" not in heading
        and "inference" not in heading
        and _SPECIFIC_ACCELERATOR.search(text.lower())
        for heading, text in card.sections()
    )


_INFERENCE_HARDWARE: Final = re.compile(
    r"\b(?:v?ram|gpu memory|memory (?:usage|footprint|requirements?)|min(?:imum)? requirements?)"
    r"\b[^.\n]{0,60}?\d+(?:\.\d+)?\s*(?:gb|gib|mb)\b"
    r"|\d+(?:\.\d+)?\s*(?:gb|gib)\s+(?:of\s+)?(?:v?ram|gpu memory|memory|vram)"
    r"|\b(?:runs?|running|run it|inference|deploy\w*|fits?)\b[^.\n]{0,60}?\b(?:on (?:a )?cpu|on (?:a )?"
    r"(?:single |consumer )?gpu|on (?:edge|mobile)|on (?:a )?(?:raspberry|jetson|phone|laptop|mac|apple)"
    r"|in \d+ ?gb)"
    r"|\bhardware requirements?\b|\brecommended hardware\b|\bmax ram required\b"
    r"|\|\s*vram\s*\|"
)


_INFERENCE_ANCHORS: Final = (
    "vram",
    " ram",
    "ram ",
    "memory",
    "cpu",
    "gpu",
    "hardware",
    "requirement",
    "fit",
    "gb",
)


def _inference_hardware(card: _Card) -> bool:
    return _near(_INFERENCE_HARDWARE, card.low, card.low, _INFERENCE_ANCHORS, 100, 100)


# --- training configuration -------------------------------------------------------------

_HYPERPARAMETERS: Final = re.compile(
    r"(?:learning[ _]rate|\blr\b|batch[ _]size|num[ _]train[ _]epochs|num[ _]epochs|\bepochs?\b"
    r"|warmup[ _](?:steps|ratio)|weight[ _]decay|gradient[ _]accumulation\w*|\boptimizer\b"
    r"|max[ _]steps|lora[ _](?:r|alpha|rank|dropout)|train[ _]steps|training steps|instances per batch"
    r"|dropout(?: rate)?)"
    r"[\s*`'\":=|\-]{0,6}\s*(?:of\s+|is\s+|was\s+|=\s*)?[\d.]+(?:e-?\d+)?"
    r"|\b\d+(?:\.\d+)?k? (?:epochs?|training steps|steps at resolution|instances per batch)\b"
    r"|\btrained for (?:another )?\d+(?:\.\d+)?k? steps\b"
    r"|\b(?:train|trained|training) (?:for )?\d+(?:\.\d+)? epochs?\b"
    r"|\blearning rate (?:of )?\d"
)


_HP_ANCHORS: Final = (
    "learning",
    "lr",
    "batch",
    "epoch",
    "warmup",
    "decay",
    "gradient",
    "optimizer",
    "step",
    "lora",
    "dropout",
)


def _hyperparameters(card: _Card) -> bool:
    return _near(_HYPERPARAMETERS, card.low, card.low, _HP_ANCHORS, 60, 80)


_FRAMEWORK_VERSIONS: Final = re.compile(
    r"^\s*[-*]?\s*(?:transformers|pytorch|torch|tensorflow|datasets|tokenizers|peft|jax|flax"
    r"|keras|diffusers|sentence-transformers|trl|accelerate|python|autoawq|auto-gptq|optimum"
    r"|llama\.cpp|exllamav2|bitsandbytes|onnxruntime|ml-agents|mlagents)\s*[:=v]?\s*v?\d+\.\d+"
    r"|pip3? install [^\n]*(?:==|>=|~=)\s*\d|python\s*(?:==|>=)?\s*3\.\d+\b"
    r"|\b(?:transformers|autoawq|auto-gptq|optimum|peft|torch|pytorch|llama\.cpp|exllamav2|vllm"
    r"|text-generation-inference|tgi)\s+(?:version\s+)?v?\d+\.\d+[\w.]*\s+(?:or later|or newer|or higher|\+)"
    r"|(?:>=|version)\s*v?\d+\.\d+[\w.]* (?:of|or later)"
    r"|llama\.cpp[^\n]{0,60}commit\s+\[?`?[0-9a-f]{7,}"
    r"|commit \[?`?[0-9a-f]{7,40}`?\]?\(https://github\.com/ggerganov/llama\.cpp",
    re.MULTILINE,
)


def _framework_versions(card: _Card) -> bool:
    low = card.low
    return bool(_FRAMEWORK_VERSIONS.search(low))


# --- demos, latency, fine-tuning, co2 ---------------------------------------------------

_NOTEBOOK: Final = re.compile(
    r"colab\.research\.google\.com|\.ipynb\b|kaggle\.com/(?:code|notebooks?)/"
    r"|huggingface\.co/spaces/(?!open-llm-leaderboard|huggingfaceh4/open_llm_leaderboard"
    r"|[\w-]+/[\w-]*leaderboard)"
    r"|\[[^\]\n]*\b(?:demo|playground)\b[^\]\n]*\]\(https?://|\bdemo\b[^\n]{0,40}https?://"
    r"|gradio\.app|\bplayground\b[^\n]{0,40}https?://|\bcolab\b[^\n]{0,40}https?://"
)


def _notebook_or_demo(card: _Card) -> bool:
    low = card.low
    return any(
        k in low for k in ("colab", "ipynb", "kaggle", "spaces/", "demo", "gradio", "playground")
    ) and bool(_NOTEBOOK.search(low))


_LATENCY: Final = re.compile(
    r"\b(?:latency|throughput|inference (?:time|speed)|tokens?\s*/\s*s(?:ec)?|tok/s|it/s"
    r"|samples?\s*/\s*s(?:ec)?|images?\s*/\s*s(?:ec)?|fps|queries per second|ms\s*/\s*(?:token|image"
    r"|sample|step))\b[^\n]{0,80}?\d"
    r"|\d+(?:\.\d+)?\s*(?:ms|milliseconds?)\b[^\n]{0,40}\b(?:per|latency|inference)\b"
)


def _latency(card: _Card) -> bool:
    low = card.low
    return any(
        k in low
        for k in (
            "latency",
            "throughput",
            "/s",
            "inference time",
            "inference speed",
            "fps",
            "per second",
            "ms",
        )
    ) and bool(_LATENCY.search(low))


_FINE_TUNING: Final = re.compile(
    r"\bhow to (?:fine-?tune|train)\b|\bfine-?tun(?:e|ing) (?:this|the) model\b"
    r"|\bto fine-?tune\b[^.\n]{0,60}\b(?:use|run|follow|see)\b"
    r"|\brun_(?:glue|ner|qa|clm|mlm|summarization|translation|speech_recognition_ctc|image_classification)\.py\b"
    r"|\bautotrain llm\b|\bfine-?tuning (?:guide|script|example|notebook|code|tutorial)s?\b"
    r"|\btrain(?:ing)? (?:your|a) (?:own|first)\b|--resume\b|resume the training"
    r"|\b(?:training|train|pre-?training|fine-?tuning|finetuning) (?:and evaluation )?(?:code|codes|scripts?|recipe|notebook|config(?:uration)?(?: file)?|framework|setup)s?\b[^\n]{0,120}?(?:\]\(|https?://)"
    r"|(?:\]\(|https?://)[^\n)]{0,160}(?:train|finetun|fine-tun)[^\n)]*\.(?:ipynb|py|ya?ml|toml|sh)\b"
    r"|\[[^\]\n]{0,40}(?:訓練|学習|训练|ファインチューニング)[^\]\n]{0,40}\]\(https?://"
    r"|(?:train(?:ing)?|fine-?tuning|finetuning) recipe[^\n]{0,40}\]\(https?://|\btraining notebook\b"
    r"|learn how to train|detailed experimental setup"
    # RL templates (Deep RL course, SB3 RL Zoo, CleanRL), "create/train your own ... [link]"
    r"|\[[^\]\n]{0,20}\brecipe\b[^\]\n]{0,30}\]\(https?://|\b(?:fine-?tune|train) (?:their|your) own\b"
    r"|\btrain yours\b|rl_zoo3\.train\b|reproduce the training|\btraining \(with the rl zoo\)"
    r"|\b(?:create|train|build|make) your own\b[^\n]{0,100}(?:\]\(|https?://)"
    # DreamBooth/LoRA trainers: "trained by X with [a trainer](colab/notebook/github) link"
    r"|\b(?:trained|fine-?tuned|made)(?: by [\w.-]+)? (?:with|using) \[[^\]\n]+\]\(https?://"
    r"(?:colab\.research\.google\.com|[^)\s]*\.ipynb|github\.com/[\w-]+/[\w-]*(?:dreambooth|axolotl|lora))"
    # a linked training configuration; "how it was created/trained: [link]"
    r"|\[[^\]\n]{0,30}\bconfig(?:uration)?\b[^\]\n]{0,30}\]\(https?://"
    r"|\bhow (?:it|this model|the model) was (?:created|trained|fine-?tuned|made|built)\b"
    r"[^\n]{0,80}(?:\]\(|https?://)"
    r"|(?:code|codes) for (?:the )?(?:pre-?training|training|fine-?tuning)"
    r"|(?:trained|fine-?tuned) (?:with|using) \[[^\]\n]+\]\(https?://github\.com/[\w-]+/[\w-]*(?:script|train|tun)"
)


_FT_ANCHORS: Final = (
    "tun",
    "your own",
    "yours",
    "config",
    "how it was",
    "how this model was",
    "how the model was",
    "made",
    "their own",
    "train",
    "resume",
    "recipe",
    "訓練",
    "学習",
    "训练",
    "setup",
    "how to",
    "ファインチューニング",
)


def _fine_tuning(card: _Card) -> bool:
    return _near(_FINE_TUNING, card.low, card.low, _FT_ANCHORS, 200, 200)


_CO2: Final = re.compile(
    r"(?:co2|co₂|carbon|emissions?)[^\n]{0,80}?\d+(?:\.\d+)?\s*(?:k?g|kilograms?|grams?|t|tons?|tonnes?"
    r"|tco2e?|kgco2e?|lbs?)\b"
    r"|co2_eq_emissions|carbon emitted\W{0,6}\s*[:|]\s*\**\s*(?!\[?more information)[\d~<>]"
    r"|co2 emissions \(in (?:grams|g|kg|kilograms|tons|tonnes)\)\s*:\s*\d"
    r"|\d(?:[\d.,]*\d)?\s*(?:t|kg|g)?co2e?q?\b"
)


def _co2(card: _Card) -> bool:
    low = card.low
    return any(k in low for k in ("co2", "co₂", "carbon", "emission")) and bool(_CO2.search(low))


# --- dataset details --------------------------------------------------------------------

_DATA_HEADING: Final = re.compile(
    r"\b(?:training|train|fine-?tuning|evaluation|eval|pre-?training)?\s*(?:data|dataset|datasets|corpus|corpora)\b"
    r"|データ|数据|датасет|данные"
)
_KNOWN_DATA: Final = (
    r"(?:wikipedia|common ?crawl|c4|mc4|the pile|pile|openwebtext|bookcorpus|books3|laion[\w-]*"
    r"|imagenet[\w-]*|coco|squad[\w-]*|glue|superglue|librispeech|common ?voice|oscar|cc100"
    r"|alpaca|openorca|sharegpt|ultrachat|dolly|oasst\w*|the stack|redpajama|slimpajama|mnli"
    r"|multinli|snli|xnli|conll[\w-]*|wmt\d*|opus[\w-]*|cifar[\w-]*|mnist|fashion-mnist)\b"
)
_NAMED: Final = re.compile(
    r"(?i:"
    + _KNOWN_DATA
    + r")|\]\(https?://|https?://|`[^`\n]{2,}`|(?-i:\b[A-Z][\w-]*[A-Z0-9][\w-]*\b)|(?-i:\b[a-z]+_[\w-]+\b)"
    r"|[\w.-]+/[\w.-]+"
)
_DATA_SENTENCE: Final = re.compile(
    r"(?:(?:fine-?tuned|finetuned|trained|pre-?trained|tuned)(?:\s+(?!on\b|using\b|with\b|by\b)[\w-]+){0,3}"
    r"\s+(?:on|using|with)|(?:evaluated|tested|validated)(?:\s+(?!on\b)[\w-]+){0,3}\s+on)"
    r"\s+(?:the |a |an )?(?:subsets? of |the )?(?:[\w-]+ ){0,4}?(?:the )?"
    r"(?:large-scale )?(?:dataset )?\**"
    r"(?!none\b|unknown\b|a photo\b|photos\b|images? of\b|autotrain\b|q?lora\b|peft\b|deepspeed\b|axolotl\b|unsloth\b|dreambooth\b)"
    r"(\[[^\]\n]{2,80}\]\((?!https?://(?:huggingface\.co/(?!datasets/)|github\.com/))|`[^`\n]{2,80}`"
    r"|(?-i:[A-Z][\w-]*[A-Z0-9][\w-]*|[a-z]+_[\w-]+)|[\w.-]+/[\w.-]+|" + _KNOWN_DATA + r")"
    r"|\bdataset(?:s)?(?: used)?(?: for training)?(?:\s*[:：]|\s+(?:is|are|was|were))\s*(?:the )?"
    r"(?!\[?more information)(\[[^\]\n]{2,80}\]\(|`[^`\n]{2,80}`|(?-i:[A-Z][\w-]{1,}))"
    r"|\bon the (?!none\b|unknown\b|a\b|an\b|my\b|our\b|own\b|small\b|custom\b|private\b"
    r"|imagefolder\b|audiofolder\b|json\b|csv\b|text\b|parquet\b|generator\b)"
    r"[\w./-]{2,60}(?: (?:and the )?[\w./-]+){0,3}? datasets?\b"
    # a formatted name followed by "dataset": "the `big_patent` dataset", "**conll2012** dataset"
    r"|(?:`[^`\n]{2,80}`|\*\*[^*\n]{2,80}\*\*|\[[^\]\n]{2,80}\]\([^)\n]*\)) (?:dataset|corpus)\b"
    # "with/on/using the Koalpaca 1.1 dataset" (a capitalised name, not a generic word)
    r"|\b(?:with|on|using|from) (?:the )?(?!(?-i:The|This|That|Our|My|A|An|Custom|Private|None"
    r"|Unknown|Training|Train|Test|Evaluation|Validation|Internal|Proprietary|New|Same)\b)"
    r"(?-i:[A-Z][\w.-]+)(?: [\w.-]+){0,2} (?:dataset|corpus)\b"
    r"|\b(?:use|used|using) (?:a |the )?(?:test |training |validation )?(?:split of )?(?:the )?"
    r"(?:machine translated version of )?(?:the )?\[[^\]\n]{2,80}\]\([^)\n]*\)\s*(?:dataset|corpus)"
    r"|huggingface\.co/datasets/(?![\w.-]+/(?:images|documentation-images)\b|open-llm-leaderboard/)"
    r"[\w.-]+"
    r"(?:/[\w.-]+)?(?![\w./-]*/resolve/)"
    # "The datasets used are as follows:" and a list of Hub dataset ids
    r"|\bdatasets?\b[^\n]{0,60}:[ \t]*\n\s*[-*+] \[?`?[\w.-]+/[\w.-]+"
    r"|(?:データセット|数据集|语料)",
    re.IGNORECASE,
)


_DATA_ANCHORS: Final = (
    "tuned",
    "corpus",
    "trained",
    "evaluated",
    "tested",
    "validated",
    "dataset",
    "データセット",
    "数据集",
    "语料",
)


def _dataset_details(card: _Card) -> bool:
    low = card.low
    matches = (
        m
        for s, e in _windows(low, _DATA_ANCHORS, 120, 200)
        for m in _DATA_SENTENCE.finditer(card.text, s, e)
    )
    for match in matches:
        start = low.rfind("\n", 0, match.start()) + 1
        end = low.find("\n", match.end())
        line = low[start : end if end >= 0 else len(low)]
        if "calibration" in line or (
            line.lstrip().startswith("|") and ("gptq dataset" in low or "awq dataset" in low)
        ):
            continue
        return True
    if not any(
        k in low for k in ("data", "corpus", "corpora", "データ", "数据", "语料", "датасет")
    ):
        return False
    for heading, text in card.sections():
        if (
            heading
            and _DATA_HEADING.search(heading)
            and has_content(text)
            and _NAMED.search(_PLACEHOLDER.sub("", text[:600]))
        ):
            return True
    return False


_DETECTORS: Final[dict[str, Callable[[_Card], bool]]] = {
    "dataset_details": _dataset_details,
    "performance_table": _performance_table,
    "training_log": _training_log,
    "paper": _paper,
    "base_model": _base_model,
    "architecture": _architecture,
    "training_hardware": _training_hardware,
    "hyperparameters": _hyperparameters,
    "notebook_or_demo": _notebook_or_demo,
    "framework_versions": _framework_versions,
    "inference_hardware": _inference_hardware,
    "latency": _latency,
    "fine_tuning": _fine_tuning,
    "co2": _co2,
}


def card_signals(body: object) -> dict[str, bool | None]:
    """Every signal of `SIGNALS` for one card body (front matter, if any, is removed);
    all None (unknown) when there is no body. Never raises.

    Section headings alone are no evidence: the Hub's card template has headings such as
    "Training Data", "Hardware" or "Environmental Impact" whose content is a placeholder."""
    if not isinstance(body, str):
        return dict.fromkeys(SIGNALS)
    text = strip_front_matter(body)
    if "<!--" in text:
        text = _COMMENT.sub("", text)
    card = _Card(text)
    return {name: detector(card) for name, detector in _DETECTORS.items()}
