"""Task runners: one per Hub task, registered in `RUNNERS`.

A runner loads a local model folder (safetensors only unless `allow_pickle`;
`trust_remote_code=False` always), predicts on a frame of examples in batches until a
deadline, and turns predictions into per-example statistics (`scores.py`) from which every
metric it supports is computed. Adding a task = one `TaskRunner` in `RUNNERS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.evaluate import scores
from pipeline.evaluate.data import first_column
from pipeline.evaluate.extras import require
from pipeline.evaluate.fetch import Skip

BATCH_SIZE = 16
TEXT_COLUMNS = ("text", "sentence", "content", "review", "tweet", "document", "sentence1")
LABEL_COLUMNS = ("label", "labels", "target", "class")
TOKEN_COLUMNS = ("tokens", "words")
TAG_COLUMNS = ("ner_tags", "tags", "labels", "pos_tags", "chunk_tags")
TASK_ALIASES = {"sentiment-analysis": "text-classification", "ner": "token-classification"}


@dataclass
class Scored:
    """Per-example statistics of a run and how to turn their sums into a metric."""

    rows: np.ndarray  # (n_done, d)
    metric_of_totals: Callable[[str, np.ndarray], np.ndarray]
    n_done: int
    binomial_accuracy: bool  # accuracy is a proportion of examples (Wilson interval applies)
    note: str = ""


@dataclass(frozen=True)
class TaskRunner:
    task: str
    metrics: frozenset[str]
    run: Callable[..., Scored]  # (model_dir, table, device, allow_pickle, deadline) -> Scored


def _load_kwargs(allow_pickle: bool) -> dict:
    # use_safetensors=True refuses pickle weights; None lets transformers pick (opt-in only)
    return {
        "trust_remote_code": False,
        "local_files_only": True,
        "use_safetensors": None if allow_pickle else True,
    }


def _tokenizer(model_dir: Path):
    transformers = require("transformers")
    return transformers.AutoTokenizer.from_pretrained(
        str(model_dir), trust_remote_code=False, local_files_only=True
    )


def _batches(n: int, deadline: float):
    for start in range(0, n, BATCH_SIZE):
        if start and time.monotonic() > deadline:
            return
        yield start, min(n, start + BATCH_SIZE)


def run_text_classification(
    model_dir: Path, table: pd.DataFrame, device: str, allow_pickle: bool, deadline: float
) -> Scored:
    transformers = require("transformers")
    text_column = first_column(table, TEXT_COLUMNS)
    label_column = first_column(table, LABEL_COLUMNS)
    if text_column is None or label_column is None:
        raise Skip(f"no text/label columns among {list(table.columns)}")
    model = transformers.AutoModelForSequenceClassification.from_pretrained(
        str(model_dir), **_load_kwargs(allow_pickle)
    )
    classifier = transformers.pipeline(
        "text-classification", model=model, tokenizer=_tokenizer(model_dir), device=device
    )
    id2label = {int(k): str(v) for k, v in model.config.id2label.items()}
    label2id = {v: k for k, v in id2label.items()}
    k = max(len(id2label), 2)
    references = table[label_column].tolist()
    if all(isinstance(r, str) for r in references):
        unknown = sorted({r for r in references if r not in label2id})
        if unknown:
            raise Skip(f"dataset labels {unknown[:5]} are not labels of the model")
        references = [label2id[r] for r in references]
    references = [int(r) for r in references]
    if any(not 0 <= r < k for r in references):
        raise Skip(f"dataset labels outside the model's {k} labels")
    texts = [str(t) for t in table[text_column].tolist()]
    predictions: list[int] = []
    for start, end in _batches(len(texts), deadline):
        outputs = classifier(texts[start:end], truncation=True, batch_size=BATCH_SIZE)
        predictions += [label2id.get(o["label"], -1) for o in outputs]
    if any(p < 0 for p in predictions):
        raise Skip("the pipeline returned labels unknown to the model config")
    rows = scores.classification_stats(references[: len(predictions)], predictions, k)
    return Scored(
        rows,
        lambda metric, totals: scores.classification_metric(metric, totals, k),
        len(predictions),
        binomial_accuracy=True,
    )


def run_token_classification(
    model_dir: Path, table: pd.DataFrame, device: str, allow_pickle: bool, deadline: float
) -> Scored:
    transformers = require("transformers")
    torch = require("torch")
    token_column = first_column(table, TOKEN_COLUMNS)
    tag_column = first_column(table, TAG_COLUMNS)
    if token_column is None or tag_column is None:
        raise Skip(f"no tokens/tags columns among {list(table.columns)}")
    model = transformers.AutoModelForTokenClassification.from_pretrained(
        str(model_dir), **_load_kwargs(allow_pickle)
    ).to(device)
    model.eval()
    tokenizer = _tokenizer(model_dir)
    id2label = {int(k): str(v) for k, v in model.config.id2label.items()}
    words = [[str(w) for w in list(ws)] for ws in table[token_column].tolist()]
    note = ""
    references = []
    for tags in table[tag_column].tolist():
        tags = list(tags)
        if tags and not isinstance(tags[0], str):
            note = "integer tags read with the model's id2label"
            tags = [id2label.get(int(t), "O") for t in tags]
        references.append(tags)
    predictions: list[list[str]] = []
    for start, end in _batches(len(words), deadline):
        batch = words[start:end]
        encoded = tokenizer(
            batch, is_split_into_words=True, truncation=True, padding=True, return_tensors="pt"
        )
        with torch.no_grad():
            logits = model(**{k: v.to(device) for k, v in encoded.items()}).logits
        best = logits.argmax(-1).cpu().numpy()
        for row, sentence in enumerate(batch):
            tags = ["O"] * len(sentence)
            seen = set()
            for position, word in enumerate(encoded.word_ids(row)):
                if word is not None and word not in seen:
                    seen.add(word)
                    tags[word] = id2label.get(int(best[row, position]), "O")
            predictions.append(tags)
    rows, types = scores.entity_stats(references[: len(predictions)], predictions)
    return Scored(
        rows,
        lambda metric, totals: scores.entity_metric(metric, totals, len(types)),
        len(predictions),
        binomial_accuracy=False,
        note=note,
    )


RUNNERS: dict[str, TaskRunner] = {
    "text-classification": TaskRunner(
        "text-classification", scores.CLASSIFICATION_METRICS, run_text_classification
    ),
    "token-classification": TaskRunner(
        "token-classification", scores.ENTITY_METRICS, run_token_classification
    ),
}


def runner_for(task: object) -> TaskRunner | None:
    """The runner of a claim's task (aliases such as `sentiment-analysis` resolved)."""
    if not isinstance(task, str):
        return None
    name = task.strip().lower()
    return RUNNERS.get(TASK_ALIASES.get(name, name))
