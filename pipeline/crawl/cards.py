"""Parse a README.md model card into a `cards` row. Pure; PyYAML's safe loader only.

The front matter is found with huggingface_hub's own rule (`repocard.REGEX_YAML_BLOCK`,
docs/hub-api.md §9): a `---` block at the very top, parsed within limits
(`boundedyaml.py`: size, depth, aliases; timestamps and huge integers kept as text).
Malformed YAML, YAML over a limit, or YAML that is not a mapping makes `front_matter_valid`
false with the reason, and the card's body is still measured. A README longer than
`MAX_README_BYTES` is measured on its first `MAX_README_BYTES` bytes and flagged
`body_truncated` (`length` stays its full size).

A card is *template-only* when, once front matter, HTML comments, headings, the template's
`[More Information Needed]` placeholders and field labels are removed, fewer than
`TEMPLATE_MAX_CHARS` characters of prose are left.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import yaml

from pipeline.crawl.boundedyaml import load_bounded_yaml

# Same pattern as huggingface_hub.repocard.REGEX_YAML_BLOCK.
FRONT_MATTER = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
PLACEHOLDER = re.compile(r"\[?More Information Needed\]?(\([^)]*\))?", re.IGNORECASE)
FIELD_LABEL = re.compile(r"^\s*[-*]\s*\*\*[^*]+\*\*:?", re.MULTILINE)
TEMPLATE_MAX_CHARS = 300
MAX_SECTIONS = 200
# Real cards are rarely over 100 KB (the largest of 364 sampled cards is 59 KB).
MAX_README_BYTES = 1_000_000


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(front matter YAML text or None, body) of a README."""
    match = FRONT_MATTER.search(text)
    if not match:
        return None, text
    return match.group(2), text[match.end() :]


def parse_front_matter(yaml_text: str | None) -> tuple[bool | None, str | None]:
    """(valid, error message): None when the card has no front matter at all."""
    if yaml_text is None:
        return None, None
    try:
        data = load_bounded_yaml(yaml_text)
    except yaml.YAMLError as error:
        return False, " ".join(str(error).split())[:500]
    if data is not None and not isinstance(data, dict):
        return False, f"front matter is a {type(data).__name__}, not a mapping"
    return True, None


def section_headings(body: str) -> list[str]:
    """Markdown headings (`#` to `######`) in order, without the hashes."""
    headings = [m.group(2).strip() for m in HEADING.finditer(HTML_COMMENT.sub("", body))]
    return headings[:MAX_SECTIONS]


def prose_length(body: str) -> int:
    """Characters of the body that are not template scaffolding."""
    text = HTML_COMMENT.sub("", body)
    text = HEADING.sub("", text)
    text = PLACEHOLDER.sub("", text)
    text = FIELD_LABEL.sub("", text)
    return len(re.sub(r"[\s\-*_#>|:`]+", "", text))


def decode_readme(raw: bytes, limit: int = MAX_README_BYTES) -> tuple[str, int, bool]:
    """(text of the first `limit` bytes, full length in characters, truncated?).

    UTF-8 with undecodable bytes replaced (U+FFFD); a UTF-8 byte-order mark is dropped, and
    a README with a UTF-16 byte-order mark is read as UTF-16. A cut never splits a character.
    """
    encoding = "utf-8"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    truncated = len(raw) > limit
    if not truncated:
        text = raw.decode(encoding, errors="replace")
        return text, len(text), False
    full_length = len(raw.decode(encoding, errors="replace"))
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(raw[:limit], final=False), full_length, True


def parse_readme(raw: bytes, *, keep_body: bool = False) -> dict[str, Any]:
    """The `cards` columns measured from a README's bytes (see `decode_readme`)."""
    text, length, truncated = decode_readme(raw)
    front_matter, body = split_front_matter(text)
    valid, error = parse_front_matter(front_matter)
    return {
        "has_readme": True,
        "readme_status": "ok",
        "length": length,
        "front_matter_valid": valid,
        "front_matter_error": error,
        "sections": section_headings(body),
        "is_template": prose_length(body) < TEMPLATE_MAX_CHARS,
        "body": body if keep_body else None,
        "body_truncated": truncated,
    }


def missing_readme(status: str) -> dict[str, Any]:
    """The `cards` columns of a model whose README is absent (`missing`) or unknown."""
    has = False if status == "missing" else None
    return {
        "has_readme": has,
        "readme_status": status,
        "length": None,
        "front_matter_valid": None,
        "front_matter_error": None,
        "sections": None,
        "is_template": None,
        "body": None,
        "body_truncated": None,
    }
