"""Parse a README.md model card into a `cards` row. Pure; `yaml.safe_load` only.

The front matter is found with huggingface_hub's own rule (`repocard.REGEX_YAML_BLOCK`,
docs/hub-api.md §9): a `---` block at the very top. Malformed YAML, or YAML that is not a
mapping, makes `front_matter_valid` false with the parser's message, and the card's body
is still measured. A card is *template-only* when, once front matter, HTML comments,
headings, the template's `[More Information Needed]` placeholders and field labels are
removed, fewer than `TEMPLATE_MAX_CHARS` characters of prose are left.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

# Same pattern as huggingface_hub.repocard.REGEX_YAML_BLOCK.
FRONT_MATTER = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
PLACEHOLDER = re.compile(r"\[?More Information Needed\]?(\([^)]*\))?", re.IGNORECASE)
FIELD_LABEL = re.compile(r"^\s*[-*]\s*\*\*[^*]+\*\*:?", re.MULTILINE)
TEMPLATE_MAX_CHARS = 300
MAX_SECTIONS = 200


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
        data = yaml.safe_load(yaml_text)
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


def parse_readme(raw: bytes, *, keep_body: bool = False) -> dict[str, Any]:
    """The `cards` columns measured from a README's bytes (undecodable bytes replaced)."""
    text = raw.decode("utf-8", errors="replace")
    front_matter, body = split_front_matter(text)
    valid, error = parse_front_matter(front_matter)
    return {
        "has_readme": True,
        "readme_status": "ok",
        "length": len(text),
        "front_matter_valid": valid,
        "front_matter_error": error,
        "sections": section_headings(body),
        "is_template": prose_length(body) < TEMPLATE_MAX_CHARS,
        "body": body if keep_body else None,
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
    }
