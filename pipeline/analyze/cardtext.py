"""Detectors over a model card's Markdown (the README body). Pure, no network.

Each detector answers one attribute of Table I, as defined in
`../shared/docs/card-attributes.md`, from the card's text. They are structure-aware rules:
Markdown headings and their sections, pipe and HTML tables (read column by column), links
and Hub URLs, and the phrases of the Hub's card templates (Trainer, PEFT, DreamBooth/LoRA,
quantisation repos, ML-Agents), with derivation and data words of a few other languages.
Template placeholders ("[More Information Needed]") count as nothing.

They were developed on the development cards of the labelled set `data/card-labels/`
(parts `dev`, `test` and `test2`) and are measured on its held-out part `test3` (`ptm
cards evaluate`; figures in `data/card-labels/README.md`). For `dataset_details` and
`base_model`, whose wording varies most, a rule's answer is OR'ed with a small token model
(a logistic regression over the card's words, `cardtext_model.json`, trained on the
development cards by `scripts/train_card_model.py`). They err, so shares over many cards
should be read with the error-corrected estimates (`pipeline.cards.correction`).

Speed (`benchmarks/cardtext.py` measures cards per second). A card is read in one
tokenising pass: its text is encoded and lowercased once, and split once into the set of
its word tokens. Every rule is gated on that set (a rule whose anchor words are absent
costs a set lookup); an anchor's literal is then found in the text once per card, shared
by every rule that uses it, and the rule's precompiled pattern is matched at those offsets
(or searched in a short window around them). No rule searches the whole text with a
pattern that does not start with a literal. Tables and sections are parsed once, lazily,
for the rules that need them. `card_signals(body)` gives every signal for one card; without
a body (`cards.body` is optional) the signals are unknown (None).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from itertools import islice
from pathlib import Path
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
    """The body of a README: a leading `---` YAML block removed, if there is one."""
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


# --- one card, read once ----------------------------------------------------------------

_WORD_BYTES: Final = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789")
# Lowercase ASCII letters, keep letters, digits and every non-ASCII byte (so a run of CJK
# text is one token), turn everything else into a space: `split()` then gives the words
# ("train_batch_size" gives "train", "batch", "size").
_TOKEN_TABLE: Final = bytes(
    (c + 32 if 65 <= c <= 90 else c)
    if (c + 32 if 65 <= c <= 90 else c) in _WORD_BYTES or c >= 128
    else 32
    for c in range(256)
)
# lead bytes of UTF-8 CJK, kana, Hangul and Cyrillic characters
_SCRIPT_BYTES: Final = tuple(bytes([c]) for c in (*range(0xE3, 0xEE), 0xD0, 0xD1))
_LIMIT: Final = 40  # occurrences of one anchor tried per card (by default)
_B_PLACEHOLDER: Final = re.compile(
    rb"\[?\s*more\s+information\s+needed\s*\]?\.?|\[optional\]|\{\{.*?\}\}|\bn/?a\b|\btbd\b"
    rb"|\[?\s*todo\b[^\]\n]*\]?"
)
_B_PLACEHOLDER_ANY_CASE: Final = re.compile(_B_PLACEHOLDER.pattern, re.IGNORECASE)
_B_BLANK: Final = re.compile(rb"[\s\-*_#>|:`.]+")
# a heading line (after its "\n"): "# Title", "### Title ###", or only bold text
_B_HEADING: Final = re.compile(
    rb" {0,3}(?:#{1,6}[ \t]+([^\n]+?)[ \t]*#*[ \t]*|\*\*([^*\n]{2,80}?)\*\*[ \t]*:?[ \t]*)\Z"
)


def _b_has_content(text: bytes) -> bool:
    cleaned = _B_PLACEHOLDER.sub(b"", text) if b"more" in text or b"{" in text else text
    return len(_B_BLANK.sub(b"", cleaned)) >= 15


class _Card:
    """One card: its text as bytes (`raw`, and `b` lowercased: the same offsets), the set of
    its word tokens, and (lazily) its sections and tables."""

    __slots__ = ("_found", "_sections", "_tables", "ascii", "b", "cjk", "raw", "toks")

    def __init__(self, text: str) -> None:
        # a newline on both sides: every line starts after a "\n" and ends before one
        self.raw = ("\n" + text + "\n").encode("utf-8", "surrogatepass")
        self.b = self.raw.lower()
        self.toks = frozenset(self.raw.translate(_TOKEN_TABLE).split())
        self.ascii = self.raw.isascii()
        # CJK, Hangul or Cyrillic text (not only punctuation or emoji)
        self.cjk = not self.ascii and any(byte in self.raw for byte in _SCRIPT_BYTES)
        self._found: dict[bytes, list[int]] = {}
        self._sections: list[tuple[bytes, int, int]] | None = None
        self._tables: list[tuple[list[bytes], list[list[bytes]]]] | None = None

    def has(self, words: frozenset[bytes]) -> bool:
        """Is any of these tokens in the card?"""
        return not self.toks.isdisjoint(words)

    def where(self, literal: bytes, limit: int) -> Iterator[int]:
        """The first `limit` offsets of `literal` in the lowercased text. Each offset is
        looked for once per card, when a rule first asks for it, and shared by every rule
        that anchors on the literal."""
        found = self._found.get(literal)
        if found is None:
            found = self._found[literal] = [self.b.find(literal)]
        n = 0
        while n < limit:
            if n == len(found) - 1:  # the last entry is where to look next
                i = found[-1]
                if i < 0:
                    return
                found.append(self.b.find(literal, i + len(literal)))
            yield found[n]
            n += 1

    def sections(self) -> list[tuple[bytes, int, int]]:
        """(lowercased heading, start, end) of every section that has a heading."""
        if self._sections is None:
            b = self.b
            found = []
            # a heading line starts with "#" or "**" after at most 3 spaces: look for those
            # characters (a one-byte search is fast) and keep the ones at a line's start
            for mark in (b"#", b"**"):
                i = b.find(mark)
                while i >= 0:
                    start = b.rfind(b"\n", 0, i)
                    end = b.find(b"\n", i)
                    if i - start <= 4 and not b[start + 1 : i].strip(b" "):
                        match = _B_HEADING.match(b, start + 1, end)
                        if match:
                            found.append((match.group(1) or match.group(2), start, end))
                    i = b.find(mark, end)
            found.sort(key=lambda heading: heading[1])
            self._sections = [
                (heading.strip(), end, found[i + 1][1] if i + 1 < len(found) else len(b))
                for i, (heading, _, end) in enumerate(found)
            ]
        return self._sections

    def tables(self) -> list[tuple[list[bytes], list[list[bytes]]]]:
        """(header cells, body rows) of every pipe or HTML table, lowercased."""
        if self._tables is None:
            self._tables = _pipe_tables(self) + _html_tables(self.b)
        return self._tables


def _at(
    card: _Card,
    anchors: Iterable[tuple[frozenset[bytes], bytes]],
    pattern: re.Pattern,
    *,
    raw: bool = False,
    limit: int = _LIMIT,
) -> re.Match | None:
    """The first match of `pattern` at an occurrence of an anchor: `anchors` are (token,
    literal) pairs; a literal is looked for only when its token is in the card; `pattern`
    is matched AT each occurrence of the literal in the lowercased text (`raw`: in the
    text as written)."""
    toks = card.toks
    text = card.raw if raw else card.b
    match = pattern.match
    for gate, literal in anchors:
        if gate and toks.isdisjoint(gate):
            continue
        for i in card.where(literal, limit):
            found = match(text, i)
            if found:
                return found
    return None


def _occurrences(
    card: _Card, anchors: Iterable[tuple[frozenset[bytes], bytes]], limit: int = _LIMIT
):
    """Offsets of the anchors' literals (of those whose token is in the card)."""
    toks = card.toks
    for gate, literal in anchors:
        if gate and toks.isdisjoint(gate):
            continue
        yield from card.where(literal, limit)


def _anchors(*words: str) -> tuple[tuple[frozenset[bytes], bytes], ...]:
    """(gate, literal) pairs from "word" or "token|token...=literal": the literal is looked for
    only when one of the gate's tokens (or its plural) is in the card; an empty gate
    ("=literal") means always."""
    pairs = []
    for word in words:
        tokens, _, literal = word.partition("=")
        gate = {t for t in tokens.split("|") if t}
        gate |= {t + "s" for t in gate}
        pairs.append((_tokens(*gate), (literal or tokens).encode()))
    return tuple(pairs)


def _tokens(*words: str) -> frozenset[bytes]:
    return frozenset(w.encode() for w in words)


def _line_start(b: bytes, i: int) -> bool:
    """Is there only blank space between the start of the line and offset `i`?"""
    start = b.rfind(b"\n", 0, i) + 1
    return not b[start:i].strip()


def _line(b: bytes, start: int, end: int | None = None) -> bytes:
    """The line of `b` around [start, end)."""
    end = start if end is None else end
    left = b.rfind(b"\n", 0, start) + 1
    right = b.find(b"\n", end)
    return b[left : right if right >= 0 else len(b)]


# anchors used inside the detectors
_A_BASE: Final = _anchors("base")
_A_HUB: Final = _anchors("huggingface=huggingface.co/")
_A_ARCHITECTURE: Final = _anchors("architecture")
_A_RAM_VRAM_MEMORY: Final = _anchors("ram", "vram", "memory")
_A_COUNTED: Final = _anchors(
    "epoch", "epochs=epoch", "training=training steps", "steps=steps at", "instances=instances per"
)
_A_VERSION: Final = _anchors("version", "=>=")
_A_COMMIT: Final = _anchors("commit")
_A_DEMO_PLAYGROUND: Final = _anchors("demo", "playground", "notebook")
_A_MS: Final = _anchors("ms=ms", "milliseconds=millisecond", "millisecond")
_A_RECIPE: Final = _anchors("recipe")
_A_CONFIG_CONFIG: Final = _anchors("config", "configuration=config")
_A_DATASET_CORPUS: Final = _anchors("dataset", "corpus")
_A_HUB_DATASET: Final = _anchors("datasets=huggingface.co/datasets/")


# --- tables -----------------------------------------------------------------------------

_TABLE_SEPARATOR: Final = re.compile(
    rb"[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{1,}:?[ \t]*)+\|?[ \t]*\Z"
)
_HTML_ROW: Final = re.compile(rb"<tr\b.*?</tr>", re.DOTALL)
_HTML_CELL: Final = re.compile(rb"<t[hd]\b[^>]*>(.*?)</t[hd]>", re.DOTALL)
_TAGS: Final = re.compile(rb"<[^>]+>")
_MAX_ROWS: Final = 60


def _cells(line: bytes) -> list[bytes]:
    line = line.strip()
    if line.startswith(b"|"):
        line = line[1:]
    if line.endswith(b"|"):
        line = line[:-1]
    return [c.strip().strip(b"*_` ") for c in line.split(b"|")]


def _pipe_tables(card: _Card) -> list[tuple[list[bytes], list[list[bytes]]]]:
    b = card.b
    if b"|" not in b:
        return []
    tables = []
    i = b.find(b"--")
    while i >= 0:
        start = b.rfind(b"\n", 0, i)  # the separator line's "\n"
        line_end = b.find(b"\n", i)
        i = b.find(b"--", line_end)  # the next line with a "--"
        if not _TABLE_SEPARATOR.match(b, start + 1, line_end):
            continue
        header = b[b.rfind(b"\n", 0, start) + 1 : start]
        if b"|" not in header:
            continue
        rows = []
        position = line_end + 1
        for _ in range(_MAX_ROWS):
            stop = b.find(b"\n", position)
            if stop < 0:
                break
            row = b[position:stop]
            if b"|" not in row:
                break
            rows.append(_cells(row))
            position = stop + 1
        tables.append((_cells(header), rows))
    return tables


def _html_tables(b: bytes) -> list[tuple[list[bytes], list[list[bytes]]]]:
    if b"<table" not in b:
        return []
    tables = []
    for chunk in b.split(b"<table")[1:]:
        end = chunk.find(b"</table>")
        chunk = chunk if end < 0 else chunk[:end]
        rows = [
            [_TAGS.sub(b"", c).strip() for c in _HTML_CELL.findall(r.group(0))]
            for r in islice(_HTML_ROW.finditer(chunk), _MAX_ROWS)
        ]
        rows = [r for r in rows if r]
        if rows:
            tables.append((rows[0], rows[1:]))
    return tables


_NUMBER: Final = re.compile(
    rb"[~<>+-]?\(?\d+(?:[.,]\d+)?(?:e-?\d+)?\s*%?\)?(?:\s*(?:\xc2\xb1|\+/-)\s*[\d.]+)?\Z"
)
_METRIC: Final = re.compile(
    rb"(?<![a-z])(?:acc(?:uracy)?|f1|f-1|f1[-_ ]?score|f-score|fscore|bleu|sacrebleu|rouge\w*|wer|cer"
    rb"|precision|recall|exact[ _]?match|em|map\w*|ap\d*|auc|roc|perplexity|ppl|mse|mae|rmse"
    rb"|spearman|pearson|cosine\w*|top-?[15]|meteor|chrf\+*|ter|mcc|matthews|mean[ _]reward|reward"
    rb"|bertscore|iou|miou|dice|psnr|ssim|fid|lpips|clip[ _]?score|pass@\d+|mmlu|hellaswag|arc\w*"
    rb"|truthfulqa|winogrande|gsm8k?|bbh|agieval|humaneval|mbpp|mt[- ]?bench|alpacaeval|win[ _]?rate"
    rb"|score|scores|average|avg|eval\w*|validation[ _]loss|val[ _]loss|valid\w*|test\w*|ndcg\w*"
    rb"|mrr\w*|kappa|r2|correlation|micro|macro|weighted|ccip|elo|drop|squad|glue|superglue"
    rb"|result|results|performance|benchmark|metric|metrics|value)(?![a-z])"
)
_TRAIN_ONLY: Final = re.compile(
    rb"(?:train(?:ing)?[ _]\w+|loss|epoch|step|steps|learning[ _]rate)\Z"
)
_NUMBER_START: Final = frozenset(b"0123456789.-+~<>(")


def _metric_column(header: bytes) -> bool:
    return bool(header) and not _TRAIN_ONLY.match(header) and bool(_METRIC.search(header))


def _is_number(cell: bytes) -> bool:
    return bool(cell) and cell[0] in _NUMBER_START and bool(_NUMBER.match(cell))


def _is_result_table(header: list[bytes], rows: list[list[bytes]]) -> bool:
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
    rb"precision +recall +f1-score|(?:accuracy|macro avg|weighted avg) +[\d.]+ "
    rb"|score\n(?:[^\n]*\n){0,3}[^\n]*\b\d+\.\d{2,}\b"
)
_REPORT_ANCHORS: Final = _anchors(
    "precision", "accuracy", "avg=macro avg", "avg=weighted avg", "score"
)


def _performance_table(card: _Card) -> bool:
    if any(_is_result_table(header, rows) for header, rows in card.tables()):
        return True
    if b"```" not in card.b:
        return False
    b = card.b
    for i in _occurrences(card, _REPORT_ANCHORS):
        if _TEXT_REPORT.match(b, i) and (b[i] == 112 or _line_start(b, i)):  # 112: "p"
            return True
    return False


# --- training log -----------------------------------------------------------------------

_LOG_LINKS: Final = re.compile(
    rb"wandb\.ai/|wandb\.me/|tensorboard\.dev/|comet\.(?:ml|com)/|/tensorboard\b|trainer_state\.json"
    rb"|events\.out\.tfevents|training[ _]logs?\b|train(?:ing)?[ _]log\.(?:txt|json)|\[tensorboard"
)
_LOG_ANCHORS: Final = _anchors(
    "wandb", "tensorboard", "comet", "trainer=trainer_state", "tfevents", "log|logs=log"
)
_STEP_WORDS: Final = _tokens("epoch", "step", "steps", "epochs")
_STEP_COLUMNS: Final = frozenset((b"epoch", b"step", b"steps", b"epochs", b"global_step"))


def _training_log(card: _Card) -> bool:
    for i in _occurrences(card, _LOG_ANCHORS):
        if _LOG_LINKS.search(card.b, max(0, i - 10), i + 30):
            return True
    if not card.has(_STEP_WORDS):
        return False
    for header, rows in card.tables():
        if _STEP_COLUMNS.isdisjoint(header):
            continue
        losses = [j for j, h in enumerate(header) if b"loss" in h]
        train = [j for j, h in enumerate(header) if h.startswith(b"train") and b"loss" in h]
        numeric_train = any(j < len(r) and _is_number(r[j]) for r in rows for j in train)
        if losses and (numeric_train or len(rows) >= 2):
            return True
    return False


# --- paper ------------------------------------------------------------------------------

_PAPER_LINK: Final = re.compile(
    rb"arxiv\.org/(?:abs|pdf)/(?!1910\.09700)|arxiv[: ]\s*(?!1910\.09700)\d{4}\.\d{4,5}"
    rb"|doi\.org/10\.|aclanthology\.org/|aclweb\.org/anthology|openreview\.net/(?:forum|pdf)"
    rb"|proceedings\.(?:neurips|mlr)\.|papers\.nips\.cc|ieeexplore\.ieee\.org|dl\.acm\.org/doi"
    rb"|@(?:article|inproceedings|misc|techreport|phdthesis|mastersthesis)\{"
)
_PAPER_ANCHORS: Final = _anchors(
    "arxiv",
    "doi=doi.org",
    "aclanthology",
    "aclweb",
    "openreview",
    "proceedings",
    "nips=papers.nips",
    "ieeexplore",
    "acm=dl.acm",
    "article=@article",
    "inproceedings=@inproceedings",
    "misc=@misc",
    "techreport=@techreport",
    "phdthesis=@phdthesis",
    "mastersthesis=@mastersthesis",
)
# Words showing that a cited work is the data, a baseline or a component, not this model.
_NOT_OWN_PAPER: Final = re.compile(
    rb"dataset|corpus|benchmark|\bdata\b|split|baseline|compar|activation|evaluat|test set|\bmqa\b"
)
_OWN_PAPER: Final = re.compile(
    rb"\bpaper\b|introduced in|proposed in|presented in|described in|our (?:paper|work)|"
    rb"technical report|tech report|cite|citation|bibtex|publication|\bpreprint\b|"
    + "論文|论文".encode()
)
_GITHUB_ENTRY: Final = re.compile(rb"howpublished *= *\{\\?url\{https?://github")
_PAPER_ENTRY: Final = re.compile(
    rb"journal *= *[{\"](?!github|hugging ?face)|booktitle|eprint|arxiv|archiveprefix"
)


def _paper(card: _Card) -> bool:
    b = card.b
    for start in _occurrences(card, _PAPER_ANCHORS):
        match = _PAPER_LINK.match(b, start)
        if not match:
            continue
        if match.group(0).startswith(b"@"):
            entry = b[match.end() : match.end() + 600]
            if b"1910.09700" in entry or b"carbon emissions of machine" in entry:
                continue
            if _GITHUB_ENTRY.search(entry) and not _PAPER_ENTRY.search(entry):
                continue  # a BibTeX entry of a GitHub repository, not of a paper
            if match.group(0) == b"@misc{" and not _PAPER_ENTRY.search(entry.split(b"\n}", 1)[0]):
                continue  # a @misc entry without a venue or an eprint: the model, not a paper
            return True
        line = _line(b, match.start(), match.end())
        before = b[max(0, match.start() - 300) : match.start()]
        if _OWN_PAPER.search(line) or not _NOT_OWN_PAPER.search(before + line):
            return True
    return False


# --- base model -------------------------------------------------------------------------

_NAME: Final = (
    rb"(?:\[[^\]\n]{2,100}\]\(|`[^`\n]{2,80}`|https?://huggingface\.co/(?!datasets/|spaces/|docs/"
    rb"|blog/)[\w.-]+/[\w.-]+|[\w.-]+/[\w.-]*\w|[a-z][\w.]*-?\d[\w.-]*|[a-z]+-[\w.-]+)"
)
# Common pre-trained model families: a derivation word next to one names the base even when
# the name has no owner/ or version digits ("a DPO-aligned version of Mistral 7B").
_FAMILY: Final = (
    rb"(?:bert|roberta|distilbert|distilroberta|deberta[\w-]*|electra|albert|xlm-r\w*|camembert"
    rb"|herbert|\w*bert-base|gpt-?2|gpt-?j|gpt-?neox?|bloomz?|pythia|llama[ -]?\d*|codellama"
    rb"|tinyllama|mistral|mixtral|gemma|qwen[\d.]*|falcon|phi-?\d|t5|flan-t5|mt5|byt5|long-?t5|bart"
    rb"|mbart|pegasus|whisper|wav2vec2?|hubert|vit|deit|swin|convnext|resnet-?\d*|yolo\w*|clip"
    rb"|stable[ -]diffusion|sdxl|sd ?(?:1\.[45]|2\.[01]|xl)|zephyr|vicuna|starcoder\w*|polyglot"
    rb"|stablelm|openchat|solar|yi|opt|mpt|e5|bge|minilm|mpnet|dabert)\b"
)
_ARTICLE: Final = rb"(?:the |a |an )?(?:pre-?trained |original |base )?"
# "<derivation word> [version|model|...] of/from/for <a name or a family>"
_DERIVED: Final = re.compile(
    rb"(?:tuned|finetuned|fine tuned|trained|pretrained|quanti[sz]ed|quants?|converted|distilled"
    rb"|derived|merged?|resumed|continued|initiali[sz]ed|adapted|built|exl2|exllama\s?v?2|gguf|gptq"
    rb"|awq|onnx|lora|adapter|adaption|weights|checkpoint|version|variant|model files|aligned"
    rb"|modified|expanded|extended|pruned|embedding)"
    rb"(?:\]\([^)\s]*\))?(?: (?:version|checkpoint|model|weights|files|format|quant\w*))?"
    rb" (?:(?:of|from|for|on top of|off of|upon)\s+"
    + _ARTICLE
    + _NAME
    + rb"|(?:of |from |on |for |on top of |upon |around )?"
    + _ARTICLE
    + rb"[\[*`]*"
    + _FAMILY
    + rb")"
    # "we fine-tune(d) meta-llama/Llama-2-7b-hf on ...": a Hub id right after the verb
    rb"|tuned? (?:the )?(?:model )?`?[\w.-]+/[\w.-]*\d[\w.-]*"
)
_DERIVED_ANCHORS: Final = _anchors(
    "tuned|tune|finetune=tune",
    "finetuned",
    "trained",
    "pretrained",
    "quantized=quantiz",
    "quantised=quantis",
    "quant",
    "quants",
    "converted",
    "distilled",
    "derived",
    "merged=merge",
    "merge",
    "resumed",
    "continued",
    "initialized=initiali",
    "initialised=initiali",
    "adapted",
    "built",
    "exl2",
    "exllama",
    "gguf",
    "gptq",
    "awq",
    "onnx",
    "lora",
    "adapter",
    "adaption",
    "weights",
    "checkpoint",
    "version",
    "variant",
    "files=model files",
    "aligned",
    "modified",
    "expanded",
    "extended",
    "pruned",
    "embedding",
)
# "based on X": X a link, a code span, an owner/name id, a Hub URL or a Capitalised name
_BASED_ON: Final = re.compile(
    rb"(?i:based|built) (?i:on|upon)\s+(?i:the |a |an )?(?i:pre-?trained |original |base )?"
    rb"(?:\[[^\]\n]{2,100}\]\(|`[^`\n]{2,80}`|[\w.-]+/[\w.-]+|(?i:https?://huggingface\.co/)"
    rb"|[A-Z][\w.-]*\d[\w.-]*|[A-Z][a-z]*[A-Z][\w.-]*|[A-Z]{2,}[\w.-]*|[A-Z][a-z]+[ -]\d[\w.]*"
    rb"|(?i:(?:[\w-]+ ){0,3}" + _FAMILY + rb"))"
)
_BASED_ANCHORS: Final = _anchors("based", "built")
# "original/base/parent model: X", "Base: X", "as the base", "merge_method:", ...
_BASE_LABEL: Final = re.compile(
    rb"(?:original|base|parent|foundation|source|pretrained|pre-trained|underlying) model"
    rb"(?: used)?(?: during training)?(?: is| was|\*\*|\W){0,6}[:\xef\xbc\x9a|]?\s*\**\s*"
    rb"(?!\[?more information)" + _NAME + rb"|base model of"
    rb"|(?:fine-?tuned|trained|initiali[sz]ed) (?:using|with|from) (?:the )?pre-?trained [\[*`]*\w"
    rb"|(?:transfer learning|fine-?tun\w+|trained|initiali[sz]ed|starting|continued) (?:from|with"
    rb"|on top of|on) (?:the )?\[[^\]\n]+\]\(https?://huggingface\.co/(?!datasets/|spaces/)"
    # "see the original [model card] here: <a Hub model>", "Source: <a Hub model>"
    rb"|(?:original|source)(?: model)?(?: card)?(?: here| at| is)?\W{0,6}\s*(?:\[[^\]\n]{2,100}\]\()?"
    rb"https?://huggingface\.co/(?!datasets/|spaces/|docs/|blog/)[\w.-]+/[\w.-]+"
    rb"|original model card (?:at |here |is )?\W{0,4}"
    + _NAME
    + rb"|finetuned from model(?: \[optional\])?\**\s*(?::|\xef\xbc\x9a)\W{0,4}(?!\[?more information)\w"
    rb"|merge_method\s*:|based around\s+\[[^\]\n]+\]\(https?://huggingface"
    rb"|architecture of base model"
)
_BASE_LABEL_ANCHORS: Final = _anchors(
    "original",
    "base",
    "parent",
    "foundation",
    "source",
    "pretrained",
    "pre=pre-trained",
    "underlying",
    "fine=fine",
    "finetuned",
    "trained",
    "initialized=initiali",
    "initialised=initiali",
    "transfer",
    "starting",
    "continued",
    "method=merge_method",
    "architecture",
    "based",
)
# "Base model: X" at the start of a line; "... as the base", "X is the base"
_BASE_LINE: Final = re.compile(
    rb"base(?:[ _]model)?(?:</?\w+>|\W){0,8}(?::|\xef\xbc\x9a)\s*\**\s*(?!\[?more information)"
    rb"(?:" + _NAME + rb"|" + _FAMILY + rb")"
)
_BASE_BEFORE: Final = re.compile(rb"(?:\bas (?:the )?|\b(?:was|is) (?:the|my|our) )\Z")
# "<Name> fine-tuned on/with/for": the name (as written) just before
_NAME_TUNED: Final = re.compile(
    rb"\b[A-Z][A-Za-z]*[A-Z0-9][\w.-]*(?: \d+(?:\.\d+)?[BM])?(?: model)?\s+(?:[Ff]ine[- ]?[Tt]uned"
    rb"|[Ff]inetuned)"
    rb"\s+(?:on|with|for)\b"
)
# "<family> [model] was fine-tuned", "[a Hub model](...) model ... fine-tuned"
_FAMILY_TUNED: Final = re.compile(
    rb"(?<![\w-])" + _FAMILY + rb"[\w./-]*\** (?:[\w-]+ ){0,3}?(?:model )?(?:was |is |that was )?"
    rb"(?:fine-?tuned|finetuned|further trained|trained on)\b(?! from scratch)"
)
_HUB_MODEL_TUNED: Final = re.compile(
    rb"\]\(https?://huggingface\.co/(?!datasets/|spaces/)[\w.-]+/[\w.-]+\)(?: model\b[^.\n]{0,80}?"
    rb"(?:fine-?tuned|finetuned|trained|adapted)|\W{0,3} (?:model )?(?:which|that) (?:is|was|has been)"
    rb" (?:fine-?tuned|finetuned|further trained|adapted))"
    rb"|huggingface\.co/[\w.-]+/[\w.-]+\)? with onnx weights"
)
_MIX: Final = re.compile(
    rb"(?i:mix|merge|blend|fusion) (?i:of|between) (?i:the )?(?:\[|`|(?i:https?://huggingface)"
    rb"|[A-Z][a-z]+[A-Z]\w*|[A-Z][\w.-]*\d[\w.-]*|(?i:" + _FAMILY + rb"))"
)
_MIX_ANCHORS: Final = _anchors("mix", "merge", "blend", "fusion")
# Derivation words of other languages, near a Hub model link or an owner/name id.
# derivation words of other languages (the non-ASCII ones looked for only in non-ASCII cards)
_BASE_FOREIGN: Final = tuple(
    w.encode()
    for w in (
        "ファインチューニング",
        "微调",
        "微調",
        "基于",
        "基於",
        "ベース",
        "量子化",
        "квантиз",
        "дообуч",
        "основан",
        "на основе",
        "기반",
        "파인튜닝",
    )
)
_BASE_FOREIGN_LATIN: Final = _anchors(
    "tuné",
    "basé=basé sur",
    "basado=basado en",
    "ajustado",
    "basiert=basiert auf",
    "feinabgestimmt",
)
_HUB_MODEL: Final = re.compile(
    rb"huggingface\.co/(?!datasets/|spaces/|docs/|blog/|models\?|papers/)[\w.-]+/[\w.-]+"
    rb"|\b[\w.-]{2,}/[\w.-]*\d[\w.-]*\b"
)
_WORD: Final = re.compile(rb"\w")
_TUNED_ANCHORS: Final = _anchors("tuned", "finetuned", "trained")


_BASE_CELL: Final = re.compile(
    rb"(?:(?:base|original|parent|pre-?trained|source)(?: model)?|fine-?tuned from)\Z"
)


def _base_table(card: _Card) -> bool:
    """A table column (or row) naming the base model, with a value."""
    for header, rows in card.tables():
        columns = [j for j, h in enumerate(header) if _BASE_CELL.match(h)]
        for row in rows:
            cells = [row[j] for j in columns if j < len(row)]
            if len(row) > 1 and _BASE_CELL.match(row[0]):
                cells.append(row[1])
            if any(_HUB_MODEL.search(c) or _FAMILY_CELL.match(c) for c in cells):
                return True
    return False


_FAMILY_CELL: Final = re.compile(rb"[\[`*]*" + _FAMILY)


def _base_model(card: _Card) -> bool:
    b = card.b
    if _at(card, _DERIVED_ANCHORS, _DERIVED) or _at(card, _BASED_ANCHORS, _BASED_ON, raw=True):
        return True
    if _at(card, _BASE_LABEL_ANCHORS, _BASE_LABEL):
        return True
    for i in _occurrences(card, _A_BASE):
        if _BASE_BEFORE.search(b, max(0, i - 12), i) and not b[i + 4 : i + 5].isalnum():
            return True
        if _BASE_LINE.match(b, i) and not _WORD.search(
            _TAGS.sub(b"", b[b.rfind(b"\n", 0, i) + 1 : i])
        ):
            return True
    for i in _occurrences(card, _TUNED_ANCHORS, limit=20):
        start = max(0, i - 90)
        if _NAME_TUNED.search(card.raw, start, i + 30) or _FAMILY_TUNED.search(b, start, i + 40):
            return True
    if b"model" in card.toks or b"onnx" in card.toks:
        for i in _occurrences(card, _A_HUB):
            if _HUB_MODEL_TUNED.search(b, max(0, i - 12), i + 240):
                return True
    if (b" of " in b or b" between " in b) and _at(card, _MIX_ANCHORS, _MIX, raw=True):
        return True
    if b"base" in card.toks and _base_table(card):
        return True
    foreign = [(frozenset(), w) for w in _BASE_FOREIGN] if card.cjk else []
    for i in _occurrences(card, (*foreign, *_BASE_FOREIGN_LATIN), limit=10):
        if _HUB_MODEL.search(b, max(0, i - 300), i + 130):
            return True
    return False


# --- architecture -----------------------------------------------------------------------

_ARCH_LABEL: Final = re.compile(rb"architecture\W{0,6}\s*[:|]\s*\**\s*(?!\[?more information)\w")
_ARCH_SAME: Final = re.compile(rb"(?:same|identical|similar) (?:model )?architecture (?:as|to)\b")
_ARCH_COUNT: Final = re.compile(
    rb"\b\d+[ -]?(?:layers?|transformer layers|attention heads|heads|hidden (?:size|units|dim\w*)"
    rb"|experts)\b"
)
_ARCH_COUNT_ANCHORS: Final = _anchors(
    "layer",
    "head",
    "hidden",
    "expert",
)
_ARCH_CONFIG: Final = re.compile(
    rb"(?:num_hidden_layers|num_attention_heads|hidden_size|d_model|n_layers?|n_heads?)\b\W{0,4}\d"
)
_ARCH_CONFIG_ANCHORS: Final = _anchors(
    "hidden=num_hidden_layers",
    "attention=num_attention_heads",
    "hidden=hidden_size",
    "d=d_model",
    "layer=n_layer",
    "head=n_head",
)
_ARCH_KIND: Final = re.compile(
    rb"(?:encoder-decoder|encoder decoder|decoder-only|decoder only|encoder-only|seq2seq"
    rb"|sequence-to-sequence|auto-?regressive (?:language )?model|mixture[ -]of[ -]experts|moe"
    rb"|n-stream decoder|u-net|unet|vision transformer|based on the (?:\w+ )?transformer "
    rb"architecture)\b"
    rb"|sentencetransformer\(|\(0\): transformer\(|full model architecture"
)
_ARCH_KIND_ANCHORS: Final = _anchors(
    "encoder",
    "decoder",
    "seq2seq",
    "sequence",
    "autoregressive=autoregressive",
    "regressive=auto-regressive",
    "mixture",
    "moe",
    "stream=n-stream",
    "net=u-net",
    "unet",
    "vision",
    "based=based on the",
    "sentencetransformer",
    "sentencetransformer=(0): transformer(",
    "architecture=full model architecture",
)
_ARCH_BLOCKS: Final = re.compile(rb"\d+ x \w*(?:layer|block)\(")
_BLOCK_ANCHORS: Final = _anchors("x=layer(", "x=block(")
# a passthrough merge (mergekit) stacks layer ranges of its sources: it defines the layers
_PASSTHROUGH: Final = re.compile(rb"merge_method: *passthrough")


def _architecture(card: _Card) -> bool:
    b, toks = card.b, card.toks
    if b"architecture" in toks:
        for i in _occurrences(card, _A_ARCHITECTURE):
            if _ARCH_LABEL.match(b, i) or _ARCH_SAME.search(b, max(0, i - 25), i + 16):
                return True
    for i in _occurrences(card, _ARCH_COUNT_ANCHORS):
        if _ARCH_COUNT.search(b, max(0, i - 12), i + 24):
            return True
    if _at(card, _ARCH_CONFIG_ANCHORS, _ARCH_CONFIG) or _at(card, _ARCH_KIND_ANCHORS, _ARCH_KIND):
        return True
    for i in _occurrences(card, _BLOCK_ANCHORS, limit=10):
        if _ARCH_BLOCKS.search(b, max(0, i - 40), i + 7):
            return True
    if b"passthrough" in toks and b"layer_range" in b and _PASSTHROUGH.search(b):
        return True
    if b"architecture" in toks:
        for heading, start, end in card.sections():
            if b"architecture" in heading and _b_has_content(b[start:end]):
                return True
    return False


# --- hardware ---------------------------------------------------------------------------

_ACCELERATOR: Final = (
    rb"(?:\b(?:nvidia |geforce )?(?:tesla )?(?:[ahv]100|h200|a10g?|a30|a40|a6000|rtx ?a?\d{4}\w*"
    rb"|l4|l40s?|t4|p100|k80|v100s?|rtx ?\d{3,4}\w*|gtx ?\d{3,4}\w*|tpu[ -]?v?\d\w*|tpus?|gpus?"
    rb"|m[123] (?:pro|max|ultra)|gaudi\d?|trainium|mi\d{3}x?)s?\b)"
)
_ACCELERATOR_AT: Final = re.compile(_ACCELERATOR)
# (a100, h100, v100 and p100 are found through their "100": one scan for the four)
_ACCELERATOR_ANCHORS: Final = _anchors(
    "a100|h100|v100|p100=100",
    "h200",
    "a10|a10g=a10",
    "a30",
    "a40",
    "a6000",
    "rtx|rtxa6000|rtxa5000|rtxa4000|rtx2080|rtx2080ti|rtx3060|rtx3070|rtx3080|rtx3080ti|rtx3090"
    "|rtx3090ti|rtx4060|rtx4070|rtx4080|rtx4090=rtx",
    "l4",
    "l40",
    "t4",
    "k80",
    "gtx|gtx1060|gtx1070|gtx1080|gtx1080ti|gtx1650|gtx1660|gtx980|gtx970=gtx",
    "tpu|tpuv2|tpuv3|tpuv4|tpuv5|tpuv5e|multitpu=tpu",
    "gpu|multigpu=gpu",
    "gaudi|gaudi2",
    "trainium",
    "mi250|mi250x|mi300|mi300x=mi",
    "m1|m2|m3=m",
    "nvidia",
    "tesla",
    "geforce",
)
_TRAIN_BEFORE: Final = re.compile(
    rb"(?:train|trained|training|fine-?tun\w*|finetun\w*|pre-?train\w*)\b"
)
_TRAIN_AFTER: Final = re.compile(rb"\b(?:train|trained|training|fine-?tun\w*|hours|days)\b")
_HARDWARE_KEY: Final = re.compile(
    rb"(?:hardware(?: type)?\W{0,6}\s*[:|]\s*\**\s*(?!\[?more information)[^\n]{0,40}?"
    rb"|(?<!['\"])(?:gpus?|tpus?|hardware|compute|accelerators?)\W{0,6}[:|][^\n]{0,24}?)\Z"
)
_COUNT_X: Final = re.compile(rb"\d+ ?x ?(?:nvidia )?\Z")
_USED_ACCELERATOR: Final = re.compile(
    rb"(?:i|we) (?:use|used|utili[sz]ed)\s+(?:\d+ ?x ?|\d+ )?(?:nvidia )?(?:tesla )?\Z"
)
_SPECIFIC_ACCELERATOR: Final = re.compile(
    rb"\b(?:[ahv]100|h200|a10g?|a40|a6000|rtx ?a?\d{4}\w*|l40s?|p100|tpu[ -]?v?\d\w*|gaudi\d?"
    rb"|trainium|mi\d{3}x?)\b"
)
_READER: Final = re.compile(rb"\b(?:you|your|please|recommended|typical|minimum|requirements?)\b")
_A_HOURS: Final = _anchors("hours")


# a training configuration's device count: the Trainer's "distributed_type: multi-GPU" with
# "num_devices: 8", ESPnet's "ngpu: 1"
_DEVICE_COUNT: Final = re.compile(
    rb"distributed_type: multi-[gt]pu\s*\n\s*-? ?num_devices: \d+|ngpus?: \d+"
)
_DEVICE_ANCHORS: Final = _anchors("devices=distributed_type: multi-", "ngpu|ngpus=ngpu")
# "A100-40G x 4", "A6000 48GB * 8": the accelerator and how many
_ACCELERATOR_COUNT: Final = re.compile(rb"[\w-]*(?: \d+ ?gb?)?\s*[x*\xc3\x97]\s*\d+\b")


def _training_hardware(card: _Card) -> bool:
    b = card.b
    if b"used" in card.toks and b"hardware_used" in b:
        return True
    for i in _occurrences(card, _A_HOURS, limit=10):
        if b[i - 4 : i] in (b"gpu ", b"tpu ", b"gpu-", b"tpu-"):
            return True
    if _at(card, _DEVICE_ANCHORS, _DEVICE_COUNT):
        return True
    for i in _occurrences(card, _ACCELERATOR_ANCHORS, limit=20):
        if b[i : i + 3] == b"100":
            i -= 1  # the "a" of "a100" (or h, v, p)
        match = _ACCELERATOR_AT.match(b, i)
        if not match:
            continue
        end = match.end()
        left = b[max(0, i - 130) : i]
        segment = left[max(left.rfind(b"."), left.rfind(b"\n"), left.rfind(b"|")) + 1 :]
        right = b[end : end + 60]
        cut = min(
            (k for k in (right.find(b"."), right.find(b"\n"), right.find(b"|")) if k >= 0),
            default=len(right),
        )
        evidence = (
            _ACCELERATOR_COUNT.match(b, end)
            or _TRAIN_BEFORE.search(segment)
            or _TRAIN_AFTER.search(right, 0, cut)
            or _HARDWARE_KEY.search(b[max(0, i - 70) : i])
            or _COUNT_X.search(b[max(0, i - 12) : i])
        )
        if _USED_ACCELERATOR.search(b[max(0, i - 40) : i]):
            return True
        if not evidence:
            continue
        # advice to the reader ("please limit the GPU numbers in training", a table of
        # recommended GPUs) is not the hardware this model was trained on
        line_start = max(b.rfind(b".", 0, i), b.rfind(b"\n", 0, i))
        context = b[line_start + 1 : end]
        if context.lstrip().startswith(b"|"):
            context = b[max(0, i - 600) : end]
        if not _READER.search(context):
            return True
    if b"hardware" in card.toks or b"compute" in card.toks or b"infrastructure" in card.toks:
        for heading, start, end in card.sections():
            if (
                (b"hardware" in heading or b"compute" in heading or b"infrastructure" in heading)
                and b"requirement" not in heading
                and b"inference" not in heading
                and _SPECIFIC_ACCELERATOR.search(b, start, end)
            ):
                return True
    return False


_MEMORY_AMOUNT: Final = re.compile(
    rb"(?<![a-z0-9_])(?:v?ram|gpu memory|memory (?:usage|footprint|requirements?)|min(?:imum)? requirements?)"
    rb"\b[^.\n]{0,60}?\d+(?:\.\d+)?\s*(?:gb|gib|mb)\b"
)
_MEMORY_ANCHORS: Final = _anchors(
    "ram",
    "vram",
    "gpu=gpu memory",
    "memory",
    "min=min requirement",
    "minimum=minimum requirement",
)
_AMOUNT_BEFORE: Final = re.compile(rb"\d+(?:\.\d+)?\s*(?:gb|gib)\s+(?:of\s+)?(?:gpu )?\Z")
_RUNS_ON: Final = re.compile(
    rb"\b(?:runs?|running|run it|inference|deploy\w*|fits?)\b[^.\n]{0,60}?\b(?:on (?:a )?cpu"
    rb"|on (?:a )?(?:single |consumer )?gpu|on (?:edge|mobile)|on (?:a )?"
    rb"(?:raspberry|jetson|phone|laptop|mac|apple)|in \d+ ?gb)"
)
_RUNS_ON_ANCHORS: Final = _anchors(
    "cpu",
    "gpu",
    "edge",
    "mobile",
    "raspberry",
    "jetson",
    "phone",
    "laptop",
    "mac",
    "apple",
)
_HW_REQUIREMENT: Final = re.compile(
    rb"hardware requirements?\b|recommended hardware\b|max ram required\b|\|\s*vram\s*\|"
)
_HW_REQ_ANCHORS: Final = _anchors("hardware", "required=max ram", "vram")


# "pipeline optimized for CPU" (spaCy's template); an amount of memory in other languages
_OPTIMIZED_FOR: Final = re.compile(rb"optimi[sz]ed for (?:the )?(?:cpu|gpu)s?\b")
_AMOUNT_FOREIGN_BEFORE: Final = re.compile(rb"\d+(?:\.\d+)? ?gb\S{0,4} ?(?:gpu |vram )?\Z")
_MEMORY_FOREIGN: Final = tuple(w.encode() for w in ("메모리", "显存", "内存", "メモリ", "память"))
_MEMORY_FOREIGN_LATIN: Final = _anchors("speicher", "mémoire", "memoria")


def _inference_hardware(card: _Card) -> bool:
    b = card.b
    for i in _occurrences(card, _HW_REQ_ANCHORS, limit=10):
        if _HW_REQUIREMENT.search(b, max(0, i - 12), i + 26):
            return True
    if (b"optimized" in card.toks or b"optimised" in card.toks) and _OPTIMIZED_FOR.search(b):
        return True
    foreign = [(frozenset(), w) for w in _MEMORY_FOREIGN] if card.cjk else []
    for i in _occurrences(card, (*foreign, *_MEMORY_FOREIGN_LATIN), limit=10):
        if _AMOUNT_FOREIGN_BEFORE.search(b, max(0, i - 24), i):
            return True
    if _at(card, _MEMORY_ANCHORS, _MEMORY_AMOUNT):
        return True
    for i in _occurrences(card, _A_RAM_VRAM_MEMORY):
        if _AMOUNT_BEFORE.search(b[max(0, i - 20) : i]):
            return True
    for i in _occurrences(card, _RUNS_ON_ANCHORS, limit=10):
        if _RUNS_ON.search(b, max(0, i - 90), i + 12):
            return True
    return False


# --- training configuration -------------------------------------------------------------

_HP_VALUE: Final = rb"[\s*`'\":=|,\-]{0,6}\s*(?:of\s+|is\s+|was\s+|=\s*)?[\d.]+(?:e-?\d+)?"
_HYPERPARAMETERS: Final = re.compile(
    rb"(?:learning[ _]rate|lr\b|batch[ _]size|num[ _]train[ _]epochs|num[ _]epochs|epochs?\b"
    rb"|warmup[ _](?:steps|ratio)|weight[ _]decay|gradient[ _]accumulation\w*|optimizer\b"
    rb"|max[ _]steps|lora[ _](?:r|alpha|rank|dropout)|train[ _]steps|training steps"
    rb"|instances per batch|dropout(?: rate)?)"
    + _HP_VALUE
    + rb"|trained for (?:another )?\d+(?:\.\d+)?k? steps\b"
    rb"|(?:train|trained|training) (?:for )?\d+(?:\.\d+)? epochs?\b"
)
_HP_ANCHORS: Final = _anchors(
    "learning",
    "lr",
    "batch",
    "epoch",
    "epochs=epoch",
    "warmup",
    "decay=weight",
    "gradient",
    "optimizer",
    "steps=max",
    "lora",
    "steps=train_steps",
    "steps=train steps",
    "steps=training steps",
    "instances",
    "dropout",
    "trained",
)
_COUNT_BEFORE: Final = re.compile(rb"\b\d+(?:\.\d+)?k? \Z")
_COUNT_WORDS: Final = re.compile(
    rb"(?:epochs?|training steps|steps at resolution|instances per batch)\b"
)
# "(trained) for 20k steps", "for 2 million steps"
_FOR_COUNT_BEFORE: Final = re.compile(
    rb"\bfor (?:another )?\d+(?:\.\d+)? ?(?:k|m|million|thousand)? (?:training )?\Z"
)
_A_STEPS: Final = _anchors("steps", "iterations")
# a "Hyperparameters" section with a key and a number ("lr: 2e-4", "('n_timesteps', 1e7)")
_HP_HEADING: Final = re.compile(rb"hyper-?param")
_KEY_NUMBER: Final = re.compile(rb"[a-z_]+['\"]?\s*[:=,|]\s*-?[\d.]+(?:e-?\d+)?\b")


# a table column named by a hyperparameter, with a number under it
_HP_COLUMN: Final = re.compile(
    rb"(?:lr|learning[ _]rate|batch[ _]size|warmup[ _]steps|weight[ _]decay|max[ _]steps)\Z"
)
_HP_TABLE_WORDS: Final = _tokens("lr", "learning", "batch", "epochs", "epoch", "warmup", "decay")


def _hyperparameter_table(card: _Card) -> bool:
    for header, rows in card.tables():
        columns = [j for j, h in enumerate(header) if _HP_COLUMN.match(h)]
        if columns and any(j < len(row) and row[j][:1].isdigit() for row in rows for j in columns):
            return True
    return False


def _hyperparameters(card: _Card) -> bool:
    b = card.b
    if _at(card, _HP_ANCHORS, _HYPERPARAMETERS):
        return True
    for i in _occurrences(card, _A_COUNTED):
        if _COUNT_WORDS.match(b, i) and _COUNT_BEFORE.search(b[max(0, i - 14) : i]):
            return True
    for i in _occurrences(card, _A_STEPS):
        if _FOR_COUNT_BEFORE.search(b[max(0, i - 32) : i]):
            return True
    if card.has(_HP_TABLE_WORDS) and _hyperparameter_table(card):
        return True
    if b"hyperparameters" in card.toks or b"hyperparameter" in card.toks:
        for heading, start, end in card.sections():
            if _HP_HEADING.search(heading) and _KEY_NUMBER.search(b, start, min(end, start + 3000)):
                return True
    return False


_FRAMEWORK_LINE: Final = re.compile(
    rb"(?:transformers|pytorch|torch|tensorflow|datasets|tokenizers|peft|jax|flax"
    rb"|keras|diffusers|sentence-transformers|trl|accelerate|python|autoawq|auto-gptq|optimum"
    rb"|llama\.cpp|exllamav2|bitsandbytes|onnxruntime|ml-agents|mlagents)\s*[:=v]?\s*v?\d+\.\d+"
)
_FRAMEWORK_LIBS: Final = _anchors(
    "transformers",
    "pytorch",
    "torch",
    "tensorflow",
    "datasets",
    "tokenizers",
    "peft",
    "jax",
    "flax",
    "keras",
    "diffusers",
    "sentence=sentence-transformers",
    "trl",
    "accelerate",
    "python",
    "autoawq",
    "auto=auto-gptq",
    "optimum",
    "llama=llama.cpp",
    "exllamav2",
    "bitsandbytes",
    "onnxruntime",
    "ml=ml-agents",
    "mlagents",
)
# A library's version anywhere in the text: a pin ("transformers>=4.37.0", "spaCy | >=3.3.1"),
# "<library> 4.21.0", "[AutoAWQ](link) 0.0.2 or later", "python version: 3.9.12"
_PINNED: Final = re.compile(
    rb"(?:transformers|pytorch|torch|tensorflow|tokenizers|peft|diffusers|accelerate|autoawq"
    rb"|auto-gptq|optimum|exllamav2|bitsandbytes|onnxruntime|spacy|vllm|sentence-transformers|trl"
    rb"|flax|jax|keras|espnet|nemo_toolkit|nemo|paddlepaddle|paddlenlp|mxnet|cuda|llama\.cpp)"
    rb"(?:\]\([^)\s]*\))?(?: version)?[\s*|`:=v(]{0,8}(?:>=|==|~=|<=|>)?\s*v?\d+\.\d+"
    rb"(?![\d.]*\s*(?:million|billion|[mbk]\b|%))"
)
_PINNED_ANCHORS: Final = _anchors(
    "transformers",
    "pytorch",
    "torch",
    "tensorflow",
    "tokenizers",
    "peft",
    "diffusers",
    "accelerate",
    "autoawq",
    "auto=auto-gptq",
    "optimum",
    "exllamav2",
    "bitsandbytes",
    "onnxruntime",
    "spacy",
    "vllm",
    "sentence=sentence-transformers",
    "trl",
    "flax",
    "jax",
    "keras",
    "espnet",
    "nemo",
    "paddlepaddle",
    "paddlenlp",
    "mxnet",
    "cuda",
    "llama=llama.cpp",
)
_FRAMEWORK_ANYWHERE: Final = re.compile(
    rb"pip3? install [^\n]*(?:==|>=|~=)\s*\d|python(?: version)?\W{0,4}(?:==|>=|=)?\s*3\.\d+\b"
    rb"|(?:transformers|autoawq|auto-gptq|optimum|peft|torch|pytorch|llama\.cpp|exllamav2|vllm"
    rb"|text-generation-inference|tgi)\s+(?:version\s+)?v?\d+\.\d+[\w.]*\s+(?:or later|or newer"
    rb"|or higher|\+)"
    rb"|llama\.cpp[^\n]{0,60}commit\s+\[?`?[0-9a-f]{7,}"
)
_FRAMEWORK_ANYWHERE_ANCHORS: Final = _anchors(
    "pip",
    "python",
    "transformers",
    "autoawq",
    "auto=auto-gptq",
    "optimum",
    "peft",
    "torch",
    "pytorch",
    "llama=llama.cpp",
    "exllamav2",
    "vllm",
    "later|newer|higher=text-generation-inference",
    "tgi",
)
_VERSION_OF: Final = re.compile(rb"(?:>=|version)\s*v?\d+\.\d+[\w.]* (?:of|or later)")
_COMMIT_LINK: Final = re.compile(
    rb"commit \[?`?[0-9a-f]{7,40}`?\]?\(https://github\.com/ggerganov/llama\.cpp"
)


def _framework_versions(card: _Card) -> bool:
    b = card.b
    for i in _occurrences(card, _FRAMEWORK_LIBS):
        if _FRAMEWORK_LINE.match(b, i):
            start = b.rfind(b"\n", 0, i) + 1
            if not b[start:i].strip(b" \t-*"):
                return True
    if _at(card, _FRAMEWORK_ANYWHERE_ANCHORS, _FRAMEWORK_ANYWHERE):
        return True
    if _at(card, _PINNED_ANCHORS, _PINNED):
        return True
    if (b"version" in card.toks or b">=" in b) and _at(card, _A_VERSION, _VERSION_OF):
        return True
    return b"commit" in card.toks and _at(card, _A_COMMIT, _COMMIT_LINK) is not None


# --- demos, latency, fine-tuning, co2 ---------------------------------------------------

_NOTEBOOK: Final = re.compile(
    rb"colab\.research\.google\.com|ipynb\b|kaggle\.com/(?:code|notebooks?)/"
    # a Space, unless a leaderboard, a licence page, a benchmark or the GGUF conversion tool
    rb"|spaces/(?![\w-]+/[\w-]*(?:leaderboard|license|licence|bench|gguf-my-repo)\b)"
    rb"|demo\b[^\n]{0,40}(?:\n\s*)?https?://(?!huggingface\.co/docs/)|gradio\.app"
    rb"|playground\b[^\n]{0,40}https?://|colab\b[^\n]{0,40}(?:\n\s*)?https?://"
)
_NOTEBOOK_ANCHORS: Final = _anchors(
    "colab",
    "ipynb",
    "kaggle",
    "spaces=spaces/",
    "demo",
    "gradio",
    "playground",
)
_DEMO_LINK_TEXT: Final = re.compile(
    rb"\[[^\]\n]*\b(?:demo|playground|notebooks?)\b[^\]\n]*\]\(https?://"
)


def _notebook_or_demo(card: _Card) -> bool:
    if _at(card, _NOTEBOOK_ANCHORS, _NOTEBOOK):
        return True
    for i in _occurrences(card, _A_DEMO_PLAYGROUND):
        start = card.b.rfind(b"[", max(0, i - 80), i)
        if start >= 0 and _DEMO_LINK_TEXT.match(card.b, start):
            return True
    return False


_LATENCY: Final = re.compile(
    rb"(?:latency|throughput|inference (?:time|speed)|tokens?\s*/\s*s(?:ec)?|tok/s|it/s"
    rb"|samples?\s*/\s*s(?:ec)?|images?\s*/\s*s(?:ec)?|fps|queries per second|ms\s*/\s*(?:token|image"
    rb"|sample|step))\b[^\n]{0,80}?\d"
)
_LATENCY_ANCHORS: Final = _anchors(
    "latency",
    "throughput",
    "inference=inference ",
    "fps",
    "queries=queries per",
)
# "/ s", "/sec", "/token" (a "/" first: a fast scan), then the unit before it
_SLASH_UNIT: Final = re.compile(rb"/\s*(?:s(?:ec)?|token|image|sample|step)\b[^\n]{0,80}?\d")
_UNIT_BEFORE: Final = re.compile(rb"(?:\b(?:tokens?|tok|it|samples?|images?)\s*|\bms\s*)\Z")
_MS: Final = re.compile(
    rb"\d+(?:\.\d+)?\s*(?:ms|milliseconds?)\b[^\n]{0,40}\b(?:per|latency|inference)\b"
)


def _latency(card: _Card) -> bool:
    if _at(card, _LATENCY_ANCHORS, _LATENCY):
        return True
    if b"s" in card.toks or b"sec" in card.toks or b"ms" in card.toks:
        b = card.b
        for match in _SLASH_UNIT.finditer(b):
            if _UNIT_BEFORE.search(b, max(0, match.start() - 10), match.start()):
                return True
    if b"ms" in card.toks or b"milliseconds" in card.toks or b"millisecond" in card.toks:
        b = card.b
        for i in _occurrences(card, _A_MS):
            start = max(0, i - 12)
            if _MS.search(b, start, i + 60):
                return True
    return False


# Matched AT its first word
_FINE_TUNING: Final = re.compile(
    rb"how to (?:fine-?tune|train)\b|fine-?tun(?:e|ing) (?:this|the) model\b"
    rb"|(?<=to )fine-?tune\b[^.\n]{0,60}\b(?:use|run|follow|see)\b"
    rb"|run_(?:glue|ner|qa|clm|mlm|summarization|translation|speech_recognition_ctc"
    rb"|image_classification)\.py\b"
    rb"|autotrain llm\b|fine-?tuning (?:guide|script|example|notebook|code|tutorial)s?\b"
    rb"|--resume\b|resume the training|learn how to train|detailed experimental setup"
    rb"|rl_zoo3\.train\b|reproduce the training"
    # "trained with [a trainer's code](github)": the trainer's code. (A DreamBooth model
    # "trained by X with [a Colab notebook]" only says how it was made: not a guide.)
    rb"|(?:trained|tuned|made)(?: by [\w.-]+)? (?:with|using) \[[^\]\n]+\]\(https?://"
    rb"github\.com/[\w-]+/[\w-]*(?:dreambooth|axolotl|lora|script|train|tun)"
    # "how it was created/trained: [link]"
    rb"|how (?:it|this model|the model) was (?:created|trained|fine-?tuned|made|built)\b"
    rb"[^\n]{0,80}(?:\]\(|https?://)"
    rb"|(?:code|codes) for (?:the )?(?:pre-?training|training|fine-?tuning)"
)
_FT_ANCHORS: Final = _anchors(
    "how=how ",
    "fine=fine",
    "finetuning=finetuning",
    "finetune=finetune",
    "run=run_",
    "autotrain=autotrain llm",
    "resume=--resume",
    "resume=resume the",
    "learn=learn how",
    "detailed=detailed experimental",
    "zoo3=rl_zoo3",
    "reproduce=reproduce the",
    "trained",
    "tuned|tune|finetune|finetuned=tune",
    "made=made ",
    "code",
)
# "train your own", "build your own [link]", "train yours", "training (with the RL Zoo)"
_FT_OWN: Final = re.compile(
    rb"train(?:ing)? (?:your|a) (?:own|first)\b|(?:fine-?tune|train) (?:their|your) own\b"
    rb"|train yours\b|training \(with the rl zoo\)"
    rb"|(?:create|train|build|make) your own\b[^\n]{0,100}(?:\]\(|https?://)"
)
_FT_OWN_ANCHORS: Final = _anchors("own", "first", "yours", "zoo")
# "training code/script/recipe/notebook/config/setup ... [link]": the training word just
# before, a link after
_FT_THING: Final = _anchors(
    "code",
    "codes=code",
    "script",
    "recipe",
    "notebook",
    "config",
    "configuration=config",
    "setup",
)
_TRAINING_WORD_BEFORE: Final = re.compile(
    rb"(?:training|train|pre-?training|fine-?tuning|finetuning) (?:and evaluation )?\Z"
)
_LINK_AFTER: Final = re.compile(rb"[\w]*\b[^\n]{0,120}?(?:\]\(|https?://)")
_RECIPE_LINK: Final = re.compile(rb"\[[^\]\n]{0,20}\brecipe\b[^\]\n]{0,30}\]\(https?://")
_CONFIG_LINK: Final = re.compile(
    rb"\[[^\]\n]{0,30}\bconfig(?:uration)?\b[^\]\n]{0,30}\]\(https?://"
)
_FT_LINK_TEXT: Final = re.compile(
    "\\[[^\\]\\n]{0,120}(?:訓練|学習|训练|ファインチューニング)[^\\]\\n]{0,120}\\]\\(https?://".encode()
)
_FT_NON_ASCII: Final = tuple(w.encode() for w in ("訓練", "学習", "训练", "ファインチューニング"))


def _link_text(card: _Card, anchors, pattern: re.Pattern) -> bool:
    """A Markdown link whose text holds the anchor (`pattern` matched at its "[")."""
    b = card.b
    for i in _occurrences(card, anchors):
        start = b.rfind(b"[", max(0, i - 40), i)
        if start >= 0 and pattern.match(b, start):
            return True
    return False


# a link to a training script or notebook: "train" in the link's target, which ends in
# .py/.ipynb/.yaml/.toml/.sh
_SCRIPT_FILES: Final = _anchors(
    "py=.py",
    "ipynb=.ipynb",
    "yaml=.yaml",
    "yml=.yml",
    "toml=.toml",
    "sh=.sh",
)
_SCRIPT_TARGET: Final = re.compile(rb"(?:\]\(|https?://)[^\n)\s]{0,160}\Z")
_TRAIN_IN_PATH: Final = re.compile(rb"train|finetun|fine-tun")


def _training_script_link(card: _Card) -> bool:
    b = card.b
    for i in _occurrences(card, _SCRIPT_FILES):
        target = _SCRIPT_TARGET.search(b, max(0, i - 170), i)
        if target and _TRAIN_IN_PATH.search(b, target.start(), i):
            return True
    return False


def _fine_tuning(card: _Card) -> bool:
    if _at(card, _FT_ANCHORS, _FINE_TUNING):
        return True
    if _training_script_link(card):
        return True
    b = card.b
    for i in _occurrences(card, _FT_OWN_ANCHORS, limit=20):
        if _FT_OWN.search(b, max(0, i - 25), i + 120):
            return True
    for i in _occurrences(card, _FT_THING, limit=20):
        if _TRAINING_WORD_BEFORE.search(b, max(0, i - 30), i) and (
            b[i : i + 8] == b"notebook" or _LINK_AFTER.match(b, i)
        ):
            return True
    if _link_text(card, _A_RECIPE, _RECIPE_LINK):
        return True
    if _link_text(card, _A_CONFIG_CONFIG, _CONFIG_LINK):
        return True
    if card.cjk and any(w in b for w in _FT_NON_ASCII):
        return bool(_FT_LINK_TEXT.search(b))
    return False


_CO2: Final = re.compile(
    rb"(?:co2|co\xe2\x82\x82|carbon|emissions?)[^\n]{0,80}?\d+(?:\.\d+)?\s*(?:k?g|kilograms?|grams?|t"
    rb"|tons?|tonnes?|tco2e?|kgco2e?|lbs?)\b"
    rb"|co2_eq_emissions|carbon emitted\W{0,6}\s*[:|]\s*\**\s*(?!\[?more information)[\d~<>]"
    rb"|co2 emissions \(in (?:grams|g|kg|kilograms|tons|tonnes)\)\s*:\s*\d"
)
_CO2_ANCHORS: Final = _anchors(
    "co2",
    "co₂=co\u2082",
    "carbon",
    "emission",
    "emissions=emission",
    "co2_eq_emissions",
)
_CO2_UNIT: Final = re.compile(rb"\d(?:[\d.,]*\d)?\s*(?:t|kg|g)?co2e?q?\b")
_CO2_UNIT_ANCHORS: Final = _anchors(
    "co2=co2",
    "co2eq=co2",
    "kgco2=co2",
    "kgco2eq=co2",
    "tco2=co2",
    "tco2eq=co2",
    "gco2=co2",
    "gco2eq=co2",
    "co2e=co2",
)


def _co2(card: _Card) -> bool:
    if _at(card, _CO2_ANCHORS, _CO2):
        return True
    b = card.b
    for i in _occurrences(card, _CO2_UNIT_ANCHORS):
        if _CO2_UNIT.search(b, max(0, i - 16), i + 6):
            return True
    return False


# --- dataset details --------------------------------------------------------------------

_DATA_HEADING: Final = re.compile(
    rb"\b(?:training|train|fine-?tuning|evaluation|eval|pre-?training)?\s*(?:data|dataset|datasets"
    rb"|corpus|corpora)\b|" + "データ|数据|датасет|данные".encode()
)
_KNOWN_DATA: Final = (
    rb"(?:wikipedia|common ?crawl|c4|mc4|the pile|pile|openwebtext|bookcorpus|books3|laion[\w-]*"
    rb"|imagenet[\w-]*|coco|squad[\w-]*|glue|superglue|librispeech|common ?voice|oscar|cc100"
    rb"|alpaca|openorca|sharegpt|ultrachat|dolly|oasst\w*|the stack|redpajama|slimpajama|mnli"
    rb"|multinli|snli|xnli|conll[\w-]*|wmt\d*|opus[\w-]*|cifar[\w-]*|mnist|fashion-mnist)\b"
)
_NAMED: Final = re.compile(
    rb"(?i:" + _KNOWN_DATA + rb")|\]\(https?://|https?://|`[^`\n]{2,}`"
    rb"|\b[A-Z][\w-]*[A-Z0-9][\w-]*\b|\b[a-z]+_[\w-]+\b|[\w.-]+/[\w.-]+"
)
_NOT_DATA_NAME: Final = (
    rb"(?!(?i:none|unknown|a photo|photos|images? of|autotrain|q?lora|peft|deepspeed|axolotl"
    rb"|unsloth|dreambooth)\b)"
)
_DATA_NAME: Final = (
    rb"(?:\[[^\]\n]{0,80}(?i:data|corpus)[^\]\n]{0,80}\]\("
    rb"|\[[^\]\n]{2,80}\]\((?!https?://(?:huggingface\.co/(?!datasets/)|github\.com/))"
    rb"|`[^`\n]{2,80}`|[A-Z][\w-]*[A-Z0-9][\w-]*|[a-z]+_[\w-]+|[\w.-]+/[\w.-]+|(?i:"
    + _KNOWN_DATA
    + rb"))"
)
# "fine-tuned/trained [up to 3 words] on/using/with <a name>", "evaluated on <a name>"
_TRAINED_ON: Final = re.compile(
    rb"(?i:(?:tuned?|finetuned?|trained|pre-?trained)(?:\s+(?!on\b|using\b|with\b|by\b|your\b"
    rb"|their\b)[\w-]+){0,3}"
    rb"\s+(?:on|using|with)|(?:evaluated|tested|validated)(?:\s+(?!on\b)[\w-]+){0,3}\s+on)"
    rb"\s+(?i:(?:the|a|an)\s+)?(?i:subsets? of |the )?(?:[\w-]+ ){0,4}?(?i:the )?"
    rb"(?i:large-scale )?(?i:dataset )?\**" + _NOT_DATA_NAME + _DATA_NAME
)
_TRAINED_ON_ANCHORS: Final = _anchors(
    "tuned|tune|finetuned|finetune=tune",
    "trained|pretrained=trained",
    "evaluated",
    "tested",
    "validated",
)

# "fine-tuned using ~220,000 captioned images": a quantity of described data items
_TRAINED_ON_DATA: Final = re.compile(
    rb"(?:tuned?|finetuned?|trained)(?: \w+){0,2}? (?:on|using|with) (?:a |an |the )?"
    rb"(?:approximately |about |around |over |roughly |~)?\d[\d,.]*\s?(?:k|m|million|thousand)?"
    rb" (?:[\w-]+ ){0,3}(?:images|samples|examples|pairs|sentences|conversations|dialogues|documents"
    rb"|instructions|utterances|texts|questions|articles|hours|photos|tweets|reviews)\b"
)
# "the training data includes...", "the full dataset consists of 6 sources"
_DATA_DESCRIBED: Final = re.compile(rb"\b(?:data|dataset|corpus)(?: \w+){0,2} \Z")
_DESCRIBING_VERBS: Final = re.compile(
    rb"(?:consists? of|contains?|comprises?|includes?|is composed of|was collected|were collected"
    rb"|comes from|was built|was created|is made up)\b"
)
_DESCRIBING_ANCHORS: Final = _anchors(
    "consist|consists=consist",
    "contain|contains=contain",
    "comprise|comprises=comprise",
    "include|includes=include",
    "composed=is composed",
    "collected=was collected",
    "collected=were collected",
    "comes=comes from",
    "built=was built",
    "created=was created",
    "made=is made up",
)
# a metric reported "on" a named benchmark in a sentence: evaluated-on data named
_SCORE_ON: Final = re.compile(
    rb"(?i:score|scores|accuracy|pass@1|f1|bleu|wer|exact match|performance|results?|sota)"
    rb"\b[^.\n]{0,60}?\b(?i:on|in) (?i:the )?(?!(?:GitHub|Hugging|HuggingFace|Colab|Kaggle|PyTorch"
    rb"|TensorFlow|Windows|Linux|Mac|NVIDIA|Nvidia|Google|A100|H100|GPU|CPU|TPU)\b)"
    rb"(?:[A-Z][\w-]*[A-Z0-9][\w-]*|[A-Z][a-z]+[A-Z][\w-]*)\b"
)
_SCORE_ANCHORS: Final = _anchors(
    "score",
    "accuracy",
    "pass=pass@1",
    "f1",
    "bleu",
    "wer",
    "exact=exact match",
    "performance",
    "result",
    "sota",
)
# a table column or row naming the training/evaluation data, with a value
_DATA_CELL: Final = re.compile(
    rb"(?:train(?:ing)?[ _](?:data|dataset|datasets|data ?set|corpus)|trained on|sources)\Z"
)
_DATASET_IS: Final = re.compile(
    rb"datasets?(?: used)?(?: for training)?(?:\s*(?::|\xef\xbc\x9a)|\s+(?:is|are|was|were))\s*"
    rb"(?:the )?(?!\[?more information)(?:\[[^\]\n]{2,80}\]\(|`[^`\n]{2,80}`|(?-i:[A-Z][\w-]{1,}))"
    rb"|datasets?\b[^\n]{0,60}:[ \t]*\n\s*[-*+] \[?`?[\w.-]+/[\w.-]+",
    re.IGNORECASE,
)
# what may stand before "dataset"/"corpus" for the phrase to name one (matched backwards)
_NAMED_BEFORE: Final = re.compile(
    rb"(?:`[^`\n]{2,80}`|\*\*[^*\n]{2,80}\*\*|\[[^\]\n]{2,80}\]\([^)\n]*\)) \Z"
    rb"|(?:use|used|using) (?:a |the )?(?:test |training |validation )?(?:split of )?(?:the )?"
    rb"(?:machine translated version of )?(?:the )?\[[^\]\n]{2,80}\]\([^)\n]*\)\s*\Z"
)
_CAPITAL_BEFORE: Final = re.compile(
    rb"\b(?:[Ww]ith|[Oo]n|[Uu]sing|[Ff]rom) (?:the )?(?!(?:The|This|That|Our|My|A|An|Custom"
    rb"|Private|None|Unknown|Training|Train|Test|Evaluation|Validation|Internal|Proprietary|New"
    rb"|Same)\b)[A-Z][\w./-]*[\w/-](?: [\w./-]*[\w/-]){0,2} \Z"
)
_ON_THE_BEFORE: Final = re.compile(
    rb"\bon the (?!none\b|unknown\b|a\b|an\b|my\b|our\b|own\b|small\b|custom\b|private\b"
    rb"|imagefolder\b|audiofolder\b|json\b|csv\b|text\b|parquet\b|generator\b)"
    rb"[\w./-]{2,60}(?: (?:and the )?[\w./-]+){0,3}? \Z"
)
_HUB_DATASET: Final = re.compile(
    rb"huggingface\.co/datasets/(?![\w.-]+/(?:images|documentation-images)\b|open-llm-leaderboard/)"
    rb"[\w.-]+(?:/[\w.-]+)?(?![\w./-]*/resolve/)"
)
_DATA_CJK: Final = tuple(w.encode() for w in ("データセット", "数据集", "语料"))
_DATA_TABLE_WORDS: Final = _tokens("trained", "training", "train", "sources")
_DATA_WORDS: Final = _tokens("data", "dataset", "datasets", "corpus", "corpora", "データ", "数据")


def _calibration(b: bytes, start: int, end: int) -> bool:
    """Is the data named on this line only a quantisation repo's calibration set?"""
    line = _line(b, start, end)
    return b"calibration" in line or (
        line.lstrip().startswith(b"|") and (b"gptq dataset" in b or b"awq dataset" in b)
    )


def _data_table(card: _Card) -> bool:
    """A table with a data column (or a row named so) holding a value."""
    for header, rows in card.tables():
        columns = [j for j, h in enumerate(header) if _DATA_CELL.match(h)]
        for row in rows:
            if any(j < len(row) and len(row[j]) > 2 and row[j] != b"-" for j in columns):
                return True
            if (
                len(row) > 1
                and _DATA_CELL.match(row[0])
                and len(_B_PLACEHOLDER.sub(b"", row[1])) > 6
            ):
                return True
    return False


def _dataset_details(card: _Card) -> bool:
    b, raw, toks = card.b, card.raw, card.toks
    for i in _occurrences(card, _TRAINED_ON_ANCHORS):
        match = _TRAINED_ON.match(raw, i) or _TRAINED_ON_DATA.match(b, i)
        if match and not _calibration(b, match.start(), match.end()):
            return True
    if card.has(_DATA_WORDS):
        for i in _occurrences(card, _DESCRIBING_ANCHORS, limit=20):
            if _DESCRIBING_VERBS.match(b, i) and _DATA_DESCRIBED.search(b, max(0, i - 40), i):
                return True
    match = _at(card, _SCORE_ANCHORS, _SCORE_ON, raw=True)
    if match and not _calibration(b, match.start(), match.end()):
        return True
    for i in _occurrences(card, _A_DATASET_CORPUS):
        match = _DATASET_IS.match(raw, i)
        if match and not _calibration(b, match.start(), match.end()):
            return True
        before = raw[max(0, i - 120) : i]
        if (
            _NAMED_BEFORE.search(before)
            or _CAPITAL_BEFORE.search(before)
            or _ON_THE_BEFORE.search(b[max(0, i - 120) : i])
        ) and not _calibration(b, i, i):
            return True
    if b"datasets" in toks and b"huggingface" in toks:
        for i in _occurrences(card, _A_HUB_DATASET):
            match = _HUB_DATASET.match(b, i)
            if match and not _calibration(b, match.start(), match.end()):
                return True
    if card.cjk and any(w in b for w in _DATA_CJK):
        return True
    if card.has(_DATA_TABLE_WORDS) and _data_table(card):
        return True
    if not card.has(_DATA_WORDS) and not card.cjk:
        return False
    for heading, start, end in card.sections():
        if heading and _DATA_HEADING.search(heading):
            text = raw[start:end]
            if _b_has_content(text.lower()) and _NAMED.search(
                _B_PLACEHOLDER_ANY_CASE.sub(b"", text[:600])
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


# --- the token model --------------------------------------------------------------------

# A linear model over the card's word tokens (logistic regression, trained on the
# development cards by `scripts/train_card_model.py`, weights in JSON), for the attributes
# whose wording varies too much for rules alone: an attribute is shown when a rule fires OR
# the model's score exceeds the threshold (the combination chosen by cross-validation on
# the development cards; `data/card-labels/README.md`, "Model selection").
MODEL_FILE: Final = Path(__file__).with_name("cardtext_model.json")


@cache
def _token_model() -> tuple[float, dict[str, tuple[float, dict[bytes, float], frozenset[bytes]]]]:
    """(threshold, {attribute: (bias, weights, vocabulary)}) from `MODEL_FILE`."""
    model = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    attributes = {}
    for name, part in model["attributes"].items():
        if name not in SIGNALS:
            raise ValueError(f"{MODEL_FILE}: unknown attribute {name!r}")
        weights = {token.encode(): float(w) for token, w in part["weights"].items()}
        attributes[name] = (float(part["bias"]), weights, frozenset(weights))
    return float(model["threshold"]), attributes


def token_score(tokens: frozenset[bytes], attribute: str) -> float | None:
    """The token model's score (a logit) of a card's tokens for one attribute; None when
    the model does not cover the attribute."""
    part = _token_model()[1].get(attribute)
    if part is None:
        return None
    bias, weights, vocabulary = part
    return bias + sum(map(weights.__getitem__, tokens & vocabulary))


def card_tokens(body: str) -> frozenset[bytes]:
    """The word tokens of a card body, as the detectors and the token model see them."""
    return _Card(_prepare(body)).toks


def _prepare(body: str) -> str:
    text = strip_front_matter(body)
    return _COMMENT.sub("", text) if "<!--" in text else text


def rule_signals(body: object) -> dict[str, bool | None]:
    """The rules alone (no token model): what `card_signals` gives before the model's
    OR, for the model's training and the option comparison."""
    if not isinstance(body, str):
        return dict.fromkeys(SIGNALS)
    card = _Card(_prepare(body))
    return {name: detector(card) for name, detector in _DETECTORS.items()}


def card_signals(body: object) -> dict[str, bool | None]:
    """Every signal of `SIGNALS` for one card body (front matter, if any, is removed);
    all None (unknown) when there is no body. Never raises.

    Section headings alone are no evidence: the Hub's card template has headings such as
    "Training Data", "Hardware" or "Environmental Impact" whose content is a placeholder."""
    if not isinstance(body, str):
        return dict.fromkeys(SIGNALS)
    card = _Card(_prepare(body))
    signals = {name: detector(card) for name, detector in _DETECTORS.items()}
    threshold, model = _token_model()
    for name, (bias, weights, vocabulary) in model.items():
        if not signals[name]:
            score = bias + sum(map(weights.__getitem__, card.toks & vocabulary))
            signals[name] = score > threshold
    return signals
