"""README parsing on real model cards, and synthetic edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.crawl.cards import parse_readme, split_front_matter

ROOT = Path(__file__).resolve().parents[2]
READMES = sorted((ROOT / "data/hub-2024-07/readmes").glob("*.md"))


@pytest.mark.parametrize("path", READMES, ids=lambda p: p.stem)
def test_real_cards_parse(path: Path) -> None:
    card = parse_readme(path.read_bytes())
    assert card["length"] == len(path.read_text(encoding="utf-8"))
    assert card["front_matter_valid"] is True
    assert card["sections"], "every recorded card has at least one heading"


def test_real_card_sections_in_order() -> None:
    card = parse_readme((ROOT / "data/hub-2024-07/readmes/Intel__dynamic_tinybert.md").read_bytes())
    assert card["sections"][0].startswith("Model Details: Dynamic-TinyBERT")
    assert card["is_template"] is False


@pytest.mark.parametrize(
    ("text", "valid", "error_part"),
    [
        # Synthetic edge cases.
        ("---\nlicense: mit\n---\n# Title\n", True, None),
        ("---\nlicense: [mit\n---\nbody", False, "flow sequence"),
        ("---\n- a\n- b\n---\nbody", False, "not a mapping"),
        ("no front matter at all", None, None),
        ("---\n!!python/object:os.system ls\n---\n", False, "could not determine a constructor"),
    ],
)
def test_front_matter_validity(text: str, valid: bool | None, error_part: str | None) -> None:
    card = parse_readme(text.encode())
    assert card["front_matter_valid"] is valid
    if error_part:
        assert error_part in card["front_matter_error"]


def test_template_only_card_is_detected() -> None:
    # Synthetic: the shape of huggingface_hub's default model card template, unfilled.
    template = (
        "---\nlicense: mit\n---\n# Model Card for Model ID\n\n"
        "<!-- Provide a quick summary of what the model is/does. -->\n\n"
        "## Model Details\n\n### Model Description\n\n"
        "- **Developed by:** [More Information Needed]\n"
        "- **License:** [More Information Needed]\n\n"
        "## Uses\n\n[More Information Needed]\n\n## Training Details\n\n[More Information Needed]\n"
    )
    card = parse_readme(template.encode())
    assert card["is_template"] is True
    assert card["sections"][:2] == ["Model Card for Model ID", "Model Details"]


def test_non_utf8_bytes_do_not_raise() -> None:
    card = parse_readme(b"---\nlicense: mit\n---\n# Caf\xe9\n" + b"real prose " * 40)
    assert card["sections"] == ["Caf\ufffd"] and card["is_template"] is False


def test_split_front_matter_keeps_the_body() -> None:
    front, body = split_front_matter("---\na: 1\n---\nhello")
    assert front == "a: 1" and body == "hello"
