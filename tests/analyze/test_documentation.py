"""Documentation gaps: cards-based and card-metadata measures."""

from __future__ import annotations

import pandas as pd

from pipeline.analyze.source import MemorySource
from pipeline.figures import analyze_source


def _tables(tables: dict) -> dict:
    manifest = {"tables": {name: {} for name in tables}}
    return analyze_source(MemorySource(".", manifest, None, tables), with_figure1=False).tables


def test_card_metadata_proxy_equals_raw_count(sample_records, sample_table) -> None:
    tables = _tables({"models": sample_table})
    summary = tables["documentation"].set_index("measure")
    no_card = sum(1 for r in sample_records if not r.get("cardData"))
    # 2,548 records without card data, 8 with an empty one
    assert summary.loc["no_card_metadata", "models"] == no_card == 2556
    assert summary.loc["missing_or_template", "definition"].startswith("not measured")
    assert summary.loc["no_card_metadata", "paper_percent"] == 80
    top = tables["documentation_top_models"]
    expected = sorted(
        ((r["downloads"], r["id"]) for r in sample_records if not r.get("cardData")),
        key=lambda pair: (-pair[0], pair[1]),
    )[:10]
    assert list(zip(top["downloads"], top["id"], strict=True)) == expected


def test_cards_measure(sample_table, sample_cards) -> None:
    """Synthetic statuses on real ids: 2 missing READMEs, 1 template-only, rest as given."""
    cards = sample_cards.copy()
    ids = list(cards["model_id"][:3])
    cards.loc[cards["model_id"].isin(ids[:2]), "readme_status"] = "missing"
    cards.loc[cards["model_id"] == ids[2], ["readme_status", "is_template"]] = ["ok", True]
    tables = _tables({"models": sample_table, "cards": cards})
    summary = tables["documentation"].set_index("measure")
    assert summary.loc["no_readme", "models"] == 2
    assert summary.loc["template_only", "models"] == 1
    known = (
        2
        + 1
        + 15
        - int(
            cards["model_id"][:3]
            .isin(cards.loc[sample_cards["readme_status"] == "ok", "model_id"])
            .sum()
        )
    )
    assert summary.loc["missing_or_template", "denominator"] == known
    assert summary.loc["missing_or_template", "models"] == 3
    top = tables["documentation_top_models"]
    assert set(top.loc[top["basis"] == "cards", "id"]) == set(ids)
    assert isinstance(top, pd.DataFrame)
