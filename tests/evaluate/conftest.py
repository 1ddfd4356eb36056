"""Fixtures for `ptm evaluate` tests: SYNTHETIC tiny models and datasets on a replay Hub.

Everything here is made up: a 2-layer BERT (hidden size 32) with random weights and a
WordPiece vocabulary of a few words, and 40-row sentiment / 12-sentence NER datasets built
from fixed word lists. They are served by the replay Hub on 127.0.0.1 (`with_repo_files`),
so no test reaches the network. Skipped when the `eval` extras are not installed.
"""

from __future__ import annotations

import io
import json
import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pipeline.hub.replay.server import ReplayHub
from pipeline.hub.replay.store import ReplayStore

WORDS = ["good", "great", "fine", "bad", "awful", "poor", "movie", "film", "the", "was", "is"]
PERSONS = ["alice", "bob"]
PLACES = ["paris", "rome"]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
NER_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
TEXT_MODEL = "acme/tiny-sentiment-bert"
NER_MODEL = "acme/tiny-ner-bert"
PICKLE_MODEL = "acme/tiny-pickle-bert"
TEXT_DATASET = "acme/tiny-sentiment"
NER_DATASET = "acme/tiny-ner"


def _config(num_labels: int, labels: list[str]):
    import transformers

    return transformers.BertConfig(
        vocab_size=len(SPECIAL) + len(WORDS) + len(PERSONS) + len(PLACES),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=64,
        num_labels=num_labels,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )


def _save_model(model, folder: Path) -> dict[str, bytes]:
    import transformers

    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(SPECIAL + WORDS + PERSONS + PLACES) + "\n", encoding="utf-8")
    model.save_pretrained(str(folder))
    transformers.BertTokenizer(vocab_file=str(vocab)).save_pretrained(str(folder))
    assert (folder / "model.safetensors").is_file()
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def text_rows() -> pd.DataFrame:
    """40 SYNTHETIC sentences, label 1 for a positive adjective, 0 for a negative one."""
    rows = []
    for i in range(40):
        adjective = WORDS[i % 6]
        noun = WORDS[6 + i % 2]
        rows.append({"text": f"the {noun} was {adjective}", "label": int(i % 6 < 3)})
    return pd.DataFrame(rows)


def ner_rows() -> list[dict]:
    """12 SYNTHETIC NER sentences with string IOB2 tags."""
    rows = []
    for i in range(12):
        person, place = PERSONS[i % 2], PLACES[(i // 2) % 2]
        tokens = [person, "is", place] if i % 3 else ["the", "film", "is", "good"]
        tags = ["B-PER", "O", "B-LOC"] if i % 3 else ["O", "O", "O", "O"]
        rows.append({"tokens": tokens, "ner_tags": tags})
    return rows


@pytest.fixture(scope="session")
def hub_store(tmp_path_factory) -> ReplayStore:
    """A store with the text, NER and pickle-only model repos and two dataset repos."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")

    root = tmp_path_factory.mktemp("repos")
    torch.manual_seed(0)
    text_model = transformers.BertForSequenceClassification(_config(2, ["NEGATIVE", "POSITIVE"]))
    ner_model = transformers.BertForTokenClassification(_config(5, NER_LABELS))
    text_files = _save_model(text_model, root / "text")
    ner_files = _save_model(ner_model, root / "ner")
    pickle_files = {
        "config.json": text_files["config.json"],
        "vocab.txt": text_files["vocab.txt"],
        "pytorch_model.bin": _pickle_bytes(text_model.state_dict()),
    }
    parquet = io.BytesIO()
    text_rows().to_parquet(parquet, index=False)
    ner_jsonl = "".join(json.dumps(row) + "\n" for row in ner_rows()).encode()
    store = ReplayStore.from_records([])
    store = store.with_repo_files(TEXT_MODEL, text_files)
    store = store.with_repo_files(NER_MODEL, ner_files)
    store = store.with_repo_files(PICKLE_MODEL, pickle_files)
    store = store.with_repo_files(
        TEXT_DATASET,
        {"data/test-00000-of-00001.parquet": parquet.getvalue(), "README.md": b"# tiny\n"},
        repo_type="dataset",
    )
    return store.with_repo_files(NER_DATASET, {"test.jsonl": ner_jsonl}, repo_type="dataset")


def _pickle_bytes(state_dict) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    return buffer.getvalue()


@pytest.fixture
def hub(hub_store: ReplayStore, monkeypatch) -> Iterator[ReplayHub]:
    """The replay Hub serving `hub_store`; `HF_ENDPOINT` points at it."""
    with ReplayHub(hub_store) as running:
        monkeypatch.setenv("HF_ENDPOINT", running.url)
        yield running


def claims_frame(rows: list[dict]) -> pd.DataFrame:
    """A SYNTHETIC claims table: given fields plus the defaults of a parsed model-index claim."""
    base = {
        "source": "model-index",
        "location": "model-index[0].results[0].metrics[0]",
        "parse_status": "ok",
        "unit_scale": "fraction",
        "confidence": "high",
        "verified": False,
        "bot_written": False,
        "dataset_split": "test",
    }
    return pd.DataFrame([{**base, **row} for row in rows])
