"""Report sections that are not a figure's: the population analysed and the definitions of
every result table (each figure's own section lives in its `pipeline.figures` module)."""

from __future__ import annotations

from pipeline.figures import definitions
from pipeline.text import NOT_MEASURED
from pipeline.text import count as _n


def population_lines(analysis: dict) -> list[str]:
    """Which population was analysed, and how much of the paper's list the snapshot holds."""
    if not analysis:
        return ["- Population analysed: all models of the snapshot (analysis.json missing)"]
    population = analysis.get("population", "all")
    models = analysis.get("models")
    lines = []
    if population == "paper":
        ids, found = analysis.get("paper_ids"), analysis.get("paper_ids_found")
        share = f" ({100 * found / ids:.1f}%)" if isinstance(ids, int) and ids and found else ""
        lines.append(
            f"- Population analysed: **the paper's population**, the models of its "
            f"2022-08-15 list found in this snapshot: {_n(found)} of the paper's {_n(ids)} "
            f"ids{share} (of {_n(analysis.get('snapshot_models'))} models in the snapshot)."
        )
        if analysis.get("paper_ids_as_written") is not None:
            lines.append(
                f"- Matching the paper's ids: {_n(analysis.get('paper_ids_as_written'))} found "
                f"as written, {_n(analysis.get('paper_ids_via_rename'))} via a rename (the "
                "Hub's 307 to the current id, recorded by the crawl in the `names` table), "
                f"{_n(analysis.get('paper_ids_not_found'))} not at all (deleted, private, "
                "beyond a partial listing, or not resolved: `crawl.resolve_paper_ids`). "
                "Base-model and dataset names count under their current id too, once per "
                "model; names that did not resolve are kept as written."
            )
    else:
        lines.append(f"- Population analysed: all {_n(models)} models of the snapshot")
    measured = analysis.get("measured_tables") or []
    missing = [t for t in ("files", "cards", "orgs", "commits", "security") if t not in measured]
    lines.append(f"- Tables in the snapshot: {', '.join(measured) or 'unknown'}")
    if missing:
        lines.append(f"- Not crawled ({NOT_MEASURED}): {', '.join(missing)}")
    cards, bodies = analysis.get("cards_models"), analysis.get("cards_with_body")
    if cards is not None:
        lines.append(
            f"- README bodies stored for {_n(bodies)} of {_n(cards)} cards (card-text "
            "attributes are unknown for the others)"
        )
    return lines


def definitions_section() -> list[str]:
    lines = ["## Definitions", ""]
    for name, text in definitions():
        lines.append(f"- `{name}`: {text}")
    return [*lines, ""]
