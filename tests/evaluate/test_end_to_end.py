"""`ptm evaluate` end to end on the replay Hub, with SYNTHETIC tiny models and datasets
(see conftest.py): measurement, cache, pickle refusal, discrepancy join, CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline import cli
from pipeline.claims.measurements import read_measurements_csv
from pipeline.evaluate import fetch
from pipeline.evaluate.run import MEASUREMENTS_FILE, SKIPPED_FILE, Budget, evaluate_claims
from tests.evaluate.conftest import (
    NER_DATASET,
    NER_MODEL,
    PICKLE_MODEL,
    TEXT_DATASET,
    TEXT_MODEL,
    claims_frame,
    text_rows,
)

COMMAND = "pipeline.cli.evaluate"


def _claims() -> pd.DataFrame:
    text = {"task_type": "text-classification", "dataset_type": TEXT_DATASET, "value": 0.99}
    return claims_frame(
        [
            {"model_id": TEXT_MODEL, "metric_type": "accuracy", "metric": "accuracy", **text},
            {"model_id": TEXT_MODEL, "metric_type": "f1", "metric": "f1_macro", **text},
            {"model_id": PICKLE_MODEL, "metric_type": "accuracy", "metric": "accuracy", **text},
            {
                "model_id": NER_MODEL,
                "task_type": "token-classification",
                "dataset_type": NER_DATASET,
                "metric_type": "f1",
                "metric": "f1",
                "value": 0.9,
            },
            # not runnable: no runner for this task; never selected
            {"model_id": "acme/other", "task_type": "translation", "metric": "bleu", "value": 1},
        ]
    )


def _expected_text_accuracy(model_dir: Path) -> float:
    """Independent check: the tiny model's accuracy on the 40 rows, by a plain forward pass."""
    import torch
    import transformers

    model = transformers.AutoModelForSequenceClassification.from_pretrained(str(model_dir))
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(model_dir))
    rows = text_rows()
    with torch.no_grad():
        logits = model(**tokenizer(list(rows["text"]), padding=True, return_tensors="pt")).logits
    return float((logits.argmax(-1).numpy() == rows["label"].to_numpy()).mean())


def test_evaluate_measures_caches_and_skips_pickle(hub, tmp_path):
    results, cache = tmp_path / "results", tmp_path / "cache"
    outcome = evaluate_claims(_claims(), results, cache, Budget(), endpoint=hub.url)
    assert hub.stats()["resolve"] > 0  # model and dataset files came through the replay Hub
    measured = pd.read_csv(results / MEASUREMENTS_FILE)
    assert set(measured["model_id"]) == {TEXT_MODEL, NER_MODEL}
    text = measured[measured["model_id"] == TEXT_MODEL].set_index("metric")
    assert set(text.index) == {"accuracy", "f1_macro"}
    assert (measured["source"] == "evaluation-run").all()
    assert (measured["scale"] == "fraction").all()
    assert (text["n_examples"] == 40).all() and (text["n_split"] == 40).all()
    assert text["ci_low"].isna().all()  # whole split: no interval
    assert text.loc["accuracy", "device"] == "cpu"
    assert text.loc["accuracy", "weights"] == "safetensors"
    assert text.loc["accuracy", "dataset_file"] == "data/test-00000-of-00001.parquet"
    assert text.loc["accuracy", "transformers_version"]
    snapshot = next((cache / "hub").rglob("model.safetensors")).parent
    assert text.loc["accuracy", "value"] == pytest.approx(_expected_text_accuracy(snapshot))
    ner = measured[measured["model_id"] == NER_MODEL].iloc[0]
    assert ner["n_examples"] == 12 and 0.0 <= ner["value"] <= 1.0
    # the file fits the measurements import format
    assert len(read_measurements_csv(results / MEASUREMENTS_FILE)) == 3

    skipped = pd.read_csv(results / SKIPPED_FILE)
    assert list(skipped["model_id"]) == [PICKLE_MODEL]
    assert "pickle-only" in skipped["reason"].iloc[0]
    assert not list((cache / "hub").rglob("pytorch_model.bin"))  # never even downloaded
    assert len(outcome.measurements) == 3

    # a rerun comes from the cache: no file is downloaded again
    hub.reset_stats()
    again = evaluate_claims(_claims(), results, cache, Budget(), endpoint=hub.url)
    assert hub.stats()["resolve"] == 0
    assert all(row["cached"] for row in again.measurements)
    rerun = pd.read_csv(results / MEASUREMENTS_FILE)
    assert list(rerun["value"]) == list(measured["value"])


def test_subsample_reports_interval(hub, tmp_path):
    claims = _claims().iloc[:2]
    evaluate_claims(
        claims, tmp_path / "r", tmp_path / "c", Budget(max_examples=10), endpoint=hub.url
    )
    measured = pd.read_csv(tmp_path / "r" / MEASUREMENTS_FILE).set_index("metric")
    assert (measured["n_examples"] == 10).all() and measured["sampled"].all()
    assert measured.loc["accuracy", "ci_method"] == "wilson95"
    assert measured.loc["f1_macro", "ci_method"].startswith("bootstrap95")
    for metric in ("accuracy", "f1_macro"):
        row = measured.loc[metric]
        assert row["ci_low"] <= row["value"] <= row["ci_high"]


def test_time_limit_stops_after_a_batch(hub, tmp_path):
    claims = _claims().iloc[:1]
    budget = Budget(time_limit=1e-6)
    evaluate_claims(claims, tmp_path / "r", tmp_path / "c", budget, endpoint=hub.url)
    row = pd.read_csv(tmp_path / "r" / MEASUREMENTS_FILE).iloc[0]
    assert row["n_examples"] == 16 and row["n_split"] == 40  # one batch of 16
    assert "time limit: 16 of 40" in row["source_detail"]
    assert row["ci_method"] == "wilson95"


def test_pickle_only_model_is_accepted_only_with_opt_in(hub):
    with pytest.raises(fetch.Skip, match="pickle-only"):
        fetch.model_ref(PICKLE_MODEL, allow_pickle=False, endpoint=hub.url)
    # the opt-in changes only the decision; the weights are not loaded here
    assert fetch.model_ref(PICKLE_MODEL, allow_pickle=True, endpoint=hub.url).weights == "pickle"


def test_unsafe_ids_are_refused():
    for bad in ("../etc", "a/../../b", "/abs", "a/b/c", ""):
        with pytest.raises(fetch.Skip):
            fetch.check_repo_id(bad)


def test_cli_then_discrepancy_uses_the_measured_value(hub, tmp_path, monkeypatch, capsys):
    claims_path = tmp_path / "claims.csv"
    _claims().iloc[:1].to_csv(claims_path, index=False)
    results = tmp_path / "results"
    argv = ["evaluate", "--claims", str(claims_path), "--results", str(results)]
    argv += ["--cache", str(tmp_path / "cache"), "--models", "1", "--time-limit", "60"]
    assert cli.main(argv) == 0
    assert "1 measurement(s)" in capsys.readouterr().out
    measured = pd.read_csv(results / MEASUREMENTS_FILE)
    assert len(measured) == 1

    from pipeline.cli.claims import discrepancy_for_results

    discrepancy_for_results(results, [str(results / MEASUREMENTS_FILE)], 1.0, claims=claims_path)
    pairs = pd.read_csv(results / "discrepancy_pairs.csv")
    assert len(pairs) == 1
    pair = pairs.iloc[0]
    assert pair["model_id"] == TEXT_MODEL and pair["measurement_source"] == "evaluation-run"
    assert pair["measured_value"] == pytest.approx(measured["value"].iloc[0])
    assert pair["claimed_value"] == pytest.approx(0.99)


def test_missing_extra_names_the_package(monkeypatch):
    import builtins

    from pipeline.evaluate import extras

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "transformers":
            raise ImportError("No module named 'transformers'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr(extras.importlib, "import_module", lambda n: fake_import(n))
    with pytest.raises(extras.MissingExtraError, match=r"'transformers'.*pip install \.\[eval\]"):
        extras.require_all()
