"""Performance claims in Markdown tables of a model card's body. Pure; never raises.

These claims are `low` confidence: a table may compare the model with baselines (every
row becomes a claim, labelled with its row), rarely names its dataset, and its layout is
free. Three layouts are read (GitHub-flavoured tables: a header row, a `---` delimiter
row, body rows; tables inside code fences and HTML tables are ignored):

- *metric columns*: a header cell names a metric (`Accuracy`, `F1`, `Macro-F1`, `BLEU`,
  `ROUGE-1/2/L`, `WER`, `CER`, `EM`, `mAP`, `Perplexity`, `Precision`, `Recall`, `MCC`,
  ...; headers about training or loss name none). Each body row gives one claim per
  metric column; the row's first other cell is its `entry_name`, a `Dataset`/`Task`
  column its dataset. A header such as `EM/F1` splits cells such as `90.2/95.4`.
  Non-numeric cells are kept as `unparsed` claims; empty and `-` cells are no claim.
- *training logs* (a header cell `Epoch`, `Step` or `Training Loss`, as the Trainer
  writes them): only the last row, the final evaluation, is a claim.
- *metric rows*: a `Metric`/`Metrics`/`Measure`/`Type` column whose cells name metrics;
  every other cell of such a row that is a number is a claim (`entry_name` = its header).

A table under a heading that mentions a leaderboard is `bot_written` (the Open LLM
Leaderboard's bot adds an "Open LLM Leaderboard Evaluation Results" section to cards).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from huggingface_hub.repocard import REGEX_YAML_BLOCK

from pipeline.claims.metrics import (
    OK,
    UNPARSED,
    ParsedValue,
    metrics_in_label,
    parse_value,
    plain_text,
    unit_scale,
    value_text,
)

_DELIMITER_CELL = re.compile(r"^\s*:?-{2,}:?\s*$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
# Header cells naming a row's dataset, most specific first.
_DATASET_HEADERS = ("dataset", "datasets", "eval dataset", "test set", "benchmark", "data", "task")
_METRIC_NAME_HEADERS = {"metric", "metrics", "measure", "type", "metric name"}
_LOG_HEADERS = {"epoch", "step", "training loss", "train loss"}
_EMPTY_CELLS = {"", "-", "--", "—", "–"}
MAX_ROWS_PER_TABLE = 500
LOG_LABEL = "training log, last row"


@dataclass(frozen=True)
class Table:
    index: int
    heading: str | None
    header: list[str]
    rows: list[list[str]]


def card_body(readme: str) -> str:
    """The body of a README (the YAML front matter removed, by huggingface_hub's rule)."""
    match = REGEX_YAML_BLOCK.search(readme)
    return readme[match.end() :] if match else readme


def split_cells(line: str) -> list[str]:
    """Cells of a table row (outer pipes optional, `\\|` is not a separator)."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip() for cell in _CELL_SPLIT.split(text)]


def _is_delimiter(line: str) -> bool:
    if "-" not in line or ("|" not in line and not line.strip().startswith(":")):
        return False
    cells = split_cells(line)
    return bool(cells) and all(_DELIMITER_CELL.match(c) for c in cells)


def find_tables(body: str) -> list[Table]:
    """The GitHub-flavoured Markdown tables of a card body, outside code fences."""
    lines = body.splitlines()
    tables: list[Table] = []
    heading, fenced, i = None, False, 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(line)):
            heading = plain_text(match.group(2)) or heading
        elif (
            not fenced
            and "|" in line
            and i + 1 < len(lines)
            and _is_delimiter(lines[i + 1])
            and len(split_cells(line)) == len(split_cells(lines[i + 1]))
        ):
            header = split_cells(line)
            rows, j = [], i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                cells = split_cells(lines[j])
                rows.append((cells + [""] * len(header))[: len(header)])
                j += 1
            tables.append(Table(len(tables), heading, header, rows[:MAX_ROWS_PER_TABLE]))
            i = j
            continue
        i += 1
    return tables


def card_table_claims(model_id: str, body: object, pipeline_tag: str | None = None) -> list[dict]:
    """One claim row (the `CLAIMS` columns) per metric value found in the body's tables."""
    if not isinstance(body, str) or "|" not in body:
        return []
    claims: list[dict] = []
    for table in find_tables(body):
        claims.extend(_table_claims(model_id, table, pipeline_tag))
    return claims


def _table_claims(model_id: str, table: Table, pipeline_tag: str | None) -> list[dict]:
    names = [plain_text(h).lower() for h in table.header]
    metric_columns = {i: metrics_in_label(h, header=True) for i, h in enumerate(table.header)}
    metric_columns = {i: m for i, m in metric_columns.items() if m}
    dataset_col = next((names.index(h) for h in _DATASET_HEADERS if h in names), None)
    context = _Context(model_id, table, pipeline_tag, dataset_col)
    if metric_columns:
        return _metric_column_claims(context, names, metric_columns)
    name_col = next((i for i, n in enumerate(names) if n in _METRIC_NAME_HEADERS), None)
    return [] if name_col is None else _metric_row_claims(context, name_col)


def _metric_column_claims(
    context: _Context, names: list[str], metric_columns: dict[int, list[str]]
) -> list[dict]:
    """Layout *metric columns* (and *training logs*: their last row only)."""
    table = context.table
    rows = list(enumerate(table.rows))
    log = any(n in _LOG_HEADERS for n in names)
    if log:
        rows = rows[-1:]
    label_cols = [
        i for i in range(len(names)) if i not in metric_columns and i != context.dataset_col
    ]
    claims = []
    for r, row in rows:
        label = next((plain_text(row[i]) for i in label_cols if plain_text(row[i])), None)
        for c, metrics in metric_columns.items():
            claims += context.cell(
                r,
                c,
                metrics,
                LOG_LABEL if log else label,
                metric_label=plain_text(table.header[c]),
                keep_text=True,
            )
    return claims


def _metric_row_claims(context: _Context, name_col: int) -> list[dict]:
    """Layout *metric rows*: numeric cells of rows whose metric-name cell names a metric."""
    table = context.table
    claims = []
    for r, row in enumerate(table.rows):
        metrics = metrics_in_label(row[name_col], header=True)
        if not metrics:
            continue
        for c in range(len(table.header)):
            if c in (name_col, context.dataset_col):
                continue
            claims += context.cell(
                r,
                c,
                metrics,
                plain_text(table.header[c]) or None,
                metric_label=plain_text(row[name_col]),
                keep_text=False,
            )
    return claims


@dataclass(frozen=True)
class _Context:
    model_id: str
    table: Table
    pipeline_tag: str | None
    dataset_col: int | None

    def cell(
        self,
        r: int,
        c: int,
        metrics: list[str],
        label: str | None,
        *,
        metric_label: str,
        keep_text: bool,
    ) -> list[dict]:
        """Claims of cell (r, c); `keep_text` keeps non-numeric cells as unparsed claims."""
        row = self.table.rows[r]
        dataset = plain_text(row[self.dataset_col]) if self.dataset_col is not None else ""
        text = row[c].strip()
        if plain_text(text) in _EMPTY_CELLS:
            return []
        parts = [p.strip() for p in text.split("/")] if len(metrics) > 1 else [text]
        if len(parts) != len(metrics):
            if not keep_text:
                return []
            reason = f"cell holds {len(parts)} value(s) for {len(metrics)} metrics"
            parsed = [ParsedValue(None, value_text(text), UNPARSED, reason)] * len(metrics)
        else:
            parsed = [parse_value(part) for part in parts]
        claims = []
        for metric, value in zip(metrics, parsed, strict=True):
            if value.status != OK and not keep_text:
                continue
            claims.append(self._claim(r, c, metric, value, label, dataset or None, metric_label))
        return claims

    def _claim(
        self,
        r: int,
        c: int,
        metric: str,
        parsed: ParsedValue,
        label: str | None,
        dataset: str | None,
        metric_label: str,
    ) -> dict:
        scale, scale_reason = unit_scale(metric, parsed.value, parsed.percent_sign)
        heading = self.table.heading
        bot = bool(heading and "leaderboard" in heading.lower())
        column = plain_text(self.table.header[c])
        return {
            "model_id": self.model_id,
            "source": "card-table",
            "location": f"table {self.table.index} row {r} column {column!r}",
            "entry_name": label,
            "dataset_name": dataset,
            "metric_name": metric_label,
            "metric": metric,
            "value": parsed.value,
            "value_text": parsed.text,
            "unit_scale": scale,
            "uncertainty": parsed.uncertainty,
            "parse_status": parsed.status,
            "parse_reason": parsed.reason or scale_reason,
            "source_name": heading,
            "bot_written": bot,
            "bot_rule": "table under a leaderboard heading" if bot else None,
            "confidence": "low",
            "pipeline_tag": self.pipeline_tag,
        }
