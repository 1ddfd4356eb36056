"""Card-table claims, on real card bodies: the curated card-text samples and the bundled
README files. Expected values were read off the cards by hand."""

from __future__ import annotations

import re

import pytest

from pipeline.claims.cardtables import LOG_LABEL, card_body, card_table_claims, find_tables
from tests.claims.conftest import READMES


def _claims(body: str, model_id: str = "m") -> list[dict]:
    return card_table_claims(model_id, body)


def _readme(name: str) -> str:
    return card_body((READMES / name).read_text(encoding="utf-8"))


def _by(claims: list[dict], **where: object) -> list[dict]:
    return [c for c in claims if all(c[k] == v for k, v in where.items())]


def test_metric_columns_with_percent_signs(card_samples: dict[str, str]) -> None:
    claims = _claims(card_samples["alexandrainst/scandi-nli-large"])
    first = _by(claims, entry_name="alexandrainst/scandi-nli-large (this)")
    assert {(c["metric"], c["value"], c["unit_scale"]) for c in first[:3]} == {
        ("mcc", 73.70, "percent"),
        ("f1_macro", 74.44, "percent"),
        ("accuracy", 83.91, "percent"),
    }
    # the baselines of the comparison table are kept as rows of their own
    assert (
        _by(claims, entry_name="joeddav/xlm-roberta-large-xnli", metric="accuracy")[0]["value"]
        == 77.29
    )


def test_fraction_values_and_labels(card_samples: dict[str, str]) -> None:
    claims = _claims(card_samples["speechbrain/vad-crdnn-libriparty"])
    assert [(c["metric"], c["value"], c["unit_scale"]) for c in claims] == [
        ("precision", 0.9518, "fraction"),
        ("recall", 0.9437, "fraction"),
        ("f1", 0.9477, "fraction"),
    ]
    assert {c["metric_name"] for c in claims} == {"Test Precision", "Test Recall", "Test F-Score"}


def test_training_log_keeps_the_last_row(card_samples: dict[str, str]) -> None:
    claims = _claims(card_samples["YakovElm/Hyperledger20Classic_Balance_DATA_ratio_1"])
    # | Train Loss | Train Accuracy | Validation Loss | Validation Accuracy | Epoch |, 3 rows
    assert [(c["metric"], c["value"], c["entry_name"]) for c in claims] == [
        ("accuracy", 0.6154, LOG_LABEL)
    ]


def test_comparison_table_rows(card_samples: dict[str, str]) -> None:
    claims = _claims(card_samples["MarkS/bart-base-qa2d"])
    assert len(claims) == 20  # 5 models x BLEU, ROUGE-1, ROUGE-2, ROUGE-L
    assert _by(claims, entry_name="MPG", metric="bleu")[0]["value"] == 75.8
    assert {c["metric"] for c in claims} == {"bleu", "rouge1", "rouge2", "rougel"}


@pytest.mark.parametrize(
    "model_id",
    [
        # | Metric | Value | with benchmarks (ARC, HellaSwag, ...), which are not metrics
        "UnstableLlama/speechless-llama2-hermes-orca-platypus-wizardlm-13b-exl2",
        # | Train Loss | Validation Loss | Train Rougel | Epoch |: training only
        "phoen1x/TF-Finetuned-xsum",
        # | Type | Score | with spaCy's ENTS_F/P/R rows
        "ner4archives/fr_ner4archives_camembert_base",
    ],
)
def test_tables_without_claims(card_samples: dict[str, str], model_id: str) -> None:
    assert find_tables(card_samples[model_id])
    assert _claims(card_samples[model_id]) == []


def test_metric_rows_layout_with_split_cells() -> None:
    claims = _claims(_readme("studio-ousia__luke-large-finetuned-conll-2003.md"))
    squad = _by(claims, dataset_name="SQuAD v1.1", entry_name="LUKE-large")
    assert [(c["metric"], c["value"]) for c in squad] == [("exact_match", 90.2), ("f1", 95.4)]
    conll = _by(claims, dataset_name="CoNLL-2003")
    assert [(c["entry_name"], c["value"]) for c in conll] == [
        ("LUKE-large", 94.3),
        ("luke-base", 93.3),
    ]
    # "Previous SOTA" cells carry a citation and "-" cells no value: neither is a claim
    assert not _by(claims, entry_name="Previous SOTA")
    assert all(c["parse_status"] == "ok" for c in claims)


def test_unparsed_cell_is_kept_with_reason() -> None:
    claims = _claims(_readme("ufal__robeczech-base.md"))
    assert len(claims) == 1
    assert claims[0]["parse_status"] == "unparsed"
    assert "several numbers" in claims[0]["parse_reason"]
    assert claims[0]["value_text"] == "92.36           80.13"


def test_rouge_table_and_descriptive_tables() -> None:
    brio = _claims(_readme("Yale-LILY__brio-cnndm-uncased.md"))
    assert _by(brio, entry_name="Ours", metric="rouge1")[0]["value"] == 47.78
    intel = _claims(_readme("Intel__dynamic_tinybert.md"))
    # "| Metrics | Description |" names F1 as a text value: no claim; the results table is one
    assert [(c["metric"], c["value"]) for c in intel] == [("f1", 88.71)]


def test_every_curated_body(card_samples: dict[str, str]) -> None:
    """All 93 real bodies: no exception; every claim is low confidence and its text is in
    the body; numeric cells read back to the same number by a simpler rule."""
    total = 0
    for model_id, body in card_samples.items():
        plain = body.replace("*", "")
        for claim in _claims(body, model_id):
            total += 1
            assert claim["source"] == "card-table" and claim["confidence"] == "low"
            assert claim["value_text"].replace("*", "") in plain
            simple = re.fullmatch(r"\s*\**(-?\d+(?:\.\d+)?)%?\**\s*", claim["value_text"])
            if simple:
                assert claim["value"] == float(simple.group(1))
    assert total == 244  # pinned: 45 of the 93 bodies have claims (a regression guard)


def test_heading_and_fences_synthetic() -> None:
    # synthetic: a leaderboard section (bot-written) and a table inside a code fence
    body = (
        "# Open LLM Leaderboard Evaluation Results\n\n"
        "| Model | Accuracy |\n|---|---|\n| x | 61.2 |\n"
        "\n```\n| Model | F1 |\n|---|---|\n| y | 0.5 |\n```\n"
    )
    claims = _claims(body)
    assert len(claims) == 1
    assert (
        claims[0]["bot_written"]
        and claims[0]["source_name"] == "Open LLM Leaderboard Evaluation Results"
    )


@pytest.mark.parametrize("junk", [None, 3, "", "no table | here", "|a|\n|b|", "| F1 |\n|---|\n"])
def test_junk_bodies(junk: object) -> None:
    # synthetic
    assert card_table_claims("m", junk) == []


def test_card_body_strips_front_matter() -> None:
    text = (READMES / "Yale-LILY__brio-cnndm-uncased.md").read_text(encoding="utf-8")
    assert text.startswith("---") and not card_body(text).startswith("---")
    assert card_body("no front matter") == "no front matter"
