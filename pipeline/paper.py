"""The paper's published numbers (`pipeline/reference/icse23.yaml`) and its task list.

Shared by every stage; imports no stage.
"""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from pipeline.paths import ICSE23

REFERENCE_FILE = "icse23.yaml"
# The 63,367 model ids of the paper's 2022-08-15 snapshot (data/icse23/README.md).
PAPER_IDS_FILE = ICSE23 / "hftorrent-repo-names-2022-08-15.txt.gz"


def paper_model_ids(path: Path = PAPER_IDS_FILE) -> list[str]:
    """The paper's model ids (blank lines dropped, order kept, duplicates removed)."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return list(dict.fromkeys(line.strip() for line in lines if line.strip()))


# The paper's 14 tasks in its Figure 7 order; every other task counts as "other".
PAPER_TASKS: tuple[str, ...] = (
    "token-classification",
    "automatic-speech-recognition",
    "image-classification",
    "summarization",
    "text-classification",
    "translation",
    "text2text-generation",
    "object-detection",
    "multiple-choice",
    "question-answering",
    "audio-classification",
    "fill-mask",
    "sentence-similarity",
    "text-generation",
)
OTHER = "other"
TASK_ORDER: tuple[str, ...] = (*PAPER_TASKS, OTHER)


def load_paper_numbers() -> dict:
    """The published numbers of Jiang et al. (ICSE 2023), as a dict."""
    text = resources.files("pipeline").joinpath("reference", REFERENCE_FILE).read_text("utf-8")
    numbers = yaml.safe_load(text)
    if not isinstance(numbers, dict):
        raise ValueError(f"pipeline/reference/{REFERENCE_FILE}: expected a mapping at the top")
    return numbers


def paper_figure7(numbers: dict | None = None) -> pd.DataFrame:
    """The paper's Figure 7 as a table shaped like `figure7_table` (15 rows, paper order)."""
    numbers = load_paper_numbers() if numbers is None else numbers
    figure = numbers.get("figure_7")
    if not isinstance(figure, dict):
        raise ValueError(f"pipeline/reference/{REFERENCE_FILE}: no 'figure_7' mapping")
    rows = []
    for task in TASK_ORDER:
        pair = figure.get(task)
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            raise ValueError(
                f"pipeline/reference/{REFERENCE_FILE}: figure_7.{task} must be "
                f"[models_with_claims, models], got {pair!r}"
            )
        with_claims, models = int(pair[0]), int(pair[1])
        rows.append((task, with_claims, models, with_claims / models if models else 0.0))
    return pd.DataFrame(rows, columns=["task", "models_with_claims", "models", "share"])
