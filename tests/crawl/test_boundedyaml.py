"""Front matter parsed within limits: hostile YAML is refused with a YAMLError, never more."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.crawl.boundedyaml import (
    MAX_YAML_CHARS,
    YamlLimitError,
    YamlValueError,
    load_bounded_yaml,
)
from pipeline.crawl.cards import parse_front_matter, split_front_matter
from tests.conftest import SAMPLE_DIR
from tests.crawl.hostile import front_matter_lines, hostile_readme

REAL_READMES = sorted((SAMPLE_DIR / "readmes").glob("*.md"))


def real_front_matters() -> list[str]:
    texts = [split_front_matter(p.read_text(encoding="utf-8"))[0] for p in REAL_READMES]
    return [t for t in texts if t is not None]


def test_real_front_matter_reads_as_safe_load_reads_it() -> None:
    """On real cards the limits change nothing (dates would stay text; none of these has one)."""
    texts = real_front_matters()
    assert len(texts) >= 10
    for text in texts:
        assert load_bounded_yaml(text) == yaml.safe_load(text)


def test_timestamps_stay_text_even_impossible_ones() -> None:
    # yaml.safe_load raises ValueError ("month must be in 1..12") on the second.
    assert load_bounded_yaml("a: 2024-01-05\nb: 2024-13-45\n") == {
        "a": "2024-01-05",
        "b": "2024-13-45",
    }


def test_integers_beyond_int64_stay_text() -> None:
    digits = "9" * 5000  # yaml.safe_load raises ValueError (Exceeds the limit (4300 digits))
    assert load_bounded_yaml(f"n: {digits}\nm: 12\nk: -9223372036854775809") == {
        "n": digits,
        "m": 12,
        "k": "-9223372036854775809",
    }


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("deep: " + "[" * 5000 + "]" * 5000, YamlLimitError, "nested more than"),
        ("x: " + "a" * (MAX_YAML_CHARS + 1), YamlLimitError, "characters"),
        (
            "a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a,"
            " *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a,"
            " *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a,"
            " *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a,"
            " *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a,"
            " *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
            YamlLimitError,
            "aliases",
        ),
        ("n: !!int abc", YamlValueError, "cannot construct"),
        ("b: !!bool maybe", YamlValueError, "cannot construct"),
        ("x: !!python/object/apply:os.system ['echo']", yaml.YAMLError, "python/object"),
    ],
)
def test_hostile_yaml_is_refused_with_the_reason(text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        load_bounded_yaml(text)


@given(st.sampled_from(REAL_READMES), front_matter_lines)
@settings(derandomize=True, max_examples=150, deadline=None)
def test_a_hostile_line_in_real_front_matter_never_escapes_as_an_exception(path, line) -> None:
    text = hostile_readme(path.read_bytes(), line).decode("utf-8", "replace")
    valid, error = parse_front_matter(split_front_matter(text)[0])
    assert valid in (True, False)
    assert (error is None) == valid
