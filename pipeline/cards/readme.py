"""Generated sections of `data/card-labels/README.md`, each between its own markers, so
that every number there is written by the command that measured it."""

from __future__ import annotations

from pathlib import Path


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of a generated section."""
    return f"<!-- {name}: start -->", f"<!-- {name}: end -->"


def replace_section(path: Path, name: str, body: str) -> None:
    """Replace section `name` of the file at `path` (append it when absent)."""
    start, end = markers(name)
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def read_section(path: Path, name: str) -> str | None:
    """The text of section `name`, or None."""
    start, end = markers(name)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if start not in text or end not in text:
        return None
    return text.split(start, 1)[1].split(end, 1)[0]


def write_evaluation_section(
    path: Path, part: str, cards: int, table: str, failures: list[str]
) -> None:
    """The evaluation of the detectors on one part of the labelled set."""
    verdict = (
        "Targets (micro F1 >= 0.9; precision >= 0.8 and recall >= 0.7 for every attribute "
        "with >= 5 positives): "
        + ("**met**." if not failures else "**not met**: " + "; ".join(failures) + ".")
    )
    body = (
        f"`ptm cards evaluate --part {part} --write-readme` (written by that command; do not "
        f"edit by hand). {cards} cards of the {part} part x 14 attributes. Precision and "
        "recall: 95% Wilson intervals; F1 and every micro interval: 95% percentile bootstrap "
        "over cards (2,000 replicates, seed 20261202).\n\n"
        f"{table}\n\n{verdict}"
    )
    replace_section(path, f"evaluation {part}", body)
