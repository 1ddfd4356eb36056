"""Card-text detectors: their behaviour on small cases, and their measured quality on the
bundled labelled set (`data/card-labels/`, a random sample of real cards labelled twice
and adjudicated). The figures recorded in that set's README are recomputed here, so they
cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.analyze.cardtext import (
    SIGNALS,
    card_signals,
    has_content,
    split_sections,
    strip_front_matter,
)
from pipeline.cards.evaluation import (
    evaluate_cards,
    markdown_table,
    parse_markdown_counts,
    target_failures,
)
from pipeline.cards.labels import LABELS_DIR, load_labelled_set, select
from pipeline.cards.readme import read_section

FIXTURES = Path(__file__).parent / "fixtures"
FRONT_MATTER = re.compile(r"\A\s*---\r?\n.*?\r?\n---[ \t]*\r?\n", re.DOTALL)


def _body(card: str) -> str:
    return FRONT_MATTER.sub("", (FIXTURES / "cards" / card).read_text(encoding="utf-8"), count=1)


@pytest.fixture(scope="module")
def labelled():
    return load_labelled_set()


@pytest.mark.parametrize("part", ["development", "test3"])
def test_readme_records_what_the_code_computes(labelled, part: str) -> None:
    """The per-attribute counts in data/card-labels/README.md are those of the current
    detectors (rewrite them with `ptm cards evaluate --part PART --write-readme`)."""
    section = read_section(LABELS_DIR / "README.md", f"evaluation {part}")
    assert section, f"no 'evaluation {part}' section in the labelled set's README"
    table = evaluate_cards(select(labelled, part))
    recorded = parse_markdown_counts(section)
    computed = parse_markdown_counts(markdown_table(table))
    assert set(recorded) == {*SIGNALS, "micro"}
    assert recorded == computed
    verdict = "**met**" if not target_failures(table) else "**not met**"
    assert verdict in section


def test_development_part_meets_the_targets(labelled) -> None:
    """The detectors were tuned on the development cards (dev, test and test2); they must
    at least meet the targets there (held-out figures are recorded, not asserted)."""
    assert target_failures(evaluate_cards(select(labelled, "development"))) == []


def test_template_citation_is_not_a_paper() -> None:
    body = _body("pritam1984314__bloom-1b7-lora-linkedin-headline.md")
    assert "1910.09700" in body
    assert card_signals(body)["paper"] is False
    assert card_signals(body + "\nSee https://arxiv.org/abs/2106.09685.")["paper"] is True


def test_no_body_is_unknown_and_junk_never_raises() -> None:
    assert card_signals(None) == dict.fromkeys(SIGNALS)
    for junk in (3, b"bytes", ["list"], {"a": 1}):  # synthetic junk
        assert set(card_signals(junk)) == set(SIGNALS)
    assert not any(card_signals("").values())
    assert not any(card_signals("#\n##\n|||\n---").values())
    for path in sorted((FIXTURES / "cards").glob("*.md")):  # real cards: booleans only
        assert all(isinstance(v, bool) for v in card_signals(path.read_text()).values())


def test_front_matter_is_ignored() -> None:
    # synthetic: the YAML says base_model, the text says nothing
    card = "---\nbase_model: gpt2\ndatasets: [imdb]\n---\n# Hello\nA small model.\n"
    assert strip_front_matter(card).startswith("# Hello")
    assert not any(card_signals(card).values())
    assert strip_front_matter("no front matter") == "no front matter"


def test_sections_and_placeholders() -> None:
    sections = split_sections("intro\n# A\ntext a\n## B\nMore information needed\n**Data**\nc\n")
    assert [h for h, _ in sections] == ["", "A", "B", "Data"]
    assert not has_content("[More Information Needed]")
    assert not has_content("[TODO: describe the data used to train the model]")
    assert has_content("Trained on 2,998,345 Java files from GitHub.")


# Synthetic cases, one per rule family: each must fire, and its negative twin must not.
CASES = [
    (
        "base_model",
        "- Original model: [ibm/merlinite-7b](https://huggingface.co/ibm/merlinite-7b)",
        True,
    ),
    ("base_model", "**Finetuned from model [optional]:** [More Information Needed]", False),
    (
        "base_model",
        "LLaMA 7B fine-tuned on the English part of the `gpt_roleplay_realm` dataset",
        True,
    ),
    ("base_model", "A model trained from scratch on our data.", False),
    (
        "dataset_details",
        "LLaMA 7B fine-tuned on the English part of the `gpt_roleplay_realm` dataset",
        True,
    ),
    (
        "dataset_details",
        "A fine-tuned version of [x/y](https://huggingface.co/x/y) on the None dataset.",
        False,
    ),
    ("performance_table", "| Model | Accuracy |\n|---|---|\n| ours | 91.2 |", True),
    ("performance_table", "| Training Loss | Epoch |\n|---|---|\n| 0.5 | 1.0 |", False),
    (
        "training_log",
        "| Training Loss | Epoch | Step | Validation Loss |\n"
        "|---|---|---|---|\n| 0.5 | 1.0 | 10 | 0.4 |",
        True,
    ),
    ("hyperparameters", "- learning_rate: 2e-05\n- train_batch_size: 8", True),
    ("hyperparameters", "- load_in_4bit: True\n- bnb_4bit_quant_type: nf4", False),
    (
        "framework_versions",
        "### Framework versions\n\n- Transformers 4.21.0\n- Pytorch 1.12.1",
        True,
    ),
    ("notebook_or_demo", "Try it in [Colab](https://colab.research.google.com/drive/abc)", True),
    (
        "notebook_or_demo",
        "See the [leaderboard](https://huggingface.co/spaces/HuggingFaceH4/open_llm_leaderboard)",
        False,
    ),
    ("training_hardware", "The model was trained on 8x A100 GPUs for two days.", True),
    ("co2", "- **Carbon Emitted:** 0.25 kg CO2eq", True),
    ("co2", "- **Carbon Emitted:** [More Information Needed]", False),
]


@pytest.mark.parametrize(("signal", "text", "expected"), CASES)
def test_synthetic_cases(signal: str, text: str, expected: bool) -> None:
    assert card_signals(text)[signal] is expected


def test_token_model_is_what_the_training_script_writes(labelled) -> None:
    """The shipped model (pipeline/analyze/cardtext_model.json) is what
    `python scripts/train_card_model.py` trains from the bundled development cards: no
    hand edits, no held-out card in its training data."""
    import importlib.util

    from pipeline.analyze.cardtext import MODEL_FILE

    script = Path(__file__).resolve().parents[2] / "scripts" / "train_card_model.py"
    spec = importlib.util.spec_from_file_location("train_card_model", script)
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    development = select(labelled, "development")
    model = train.build_model(development)
    assert model["trained_on"]["cards"] == len(development)
    assert set(model["trained_on"]["parts"]) <= {"dev", "test", "test2"}
    assert MODEL_FILE.read_text(encoding="utf-8") == train.model_json(model)


def test_token_model_adds_to_the_rules() -> None:
    """card_signals = rules OR (token model's logit > threshold), for the model's
    attributes only."""
    from pipeline.analyze.cardtext import card_tokens, rule_signals, token_score

    # synthetic card
    body = "We fine-tuned this 7B chat model with QLoRA. The dataset was cleaned and filtered."
    tokens = card_tokens(body)
    assert token_score(tokens, "latency") is None  # not a model attribute
    rules, combined = rule_signals(body), card_signals(body)
    for attribute in SIGNALS:
        score = token_score(tokens, attribute)
        if score is None:
            assert combined[attribute] == rules[attribute]
        else:
            assert combined[attribute] == (rules[attribute] or score > 1.5)
