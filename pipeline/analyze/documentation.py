"""Documentation gaps: models with no model card or a template-only card, and the most
downloaded among them (the paper's example: SpanBERT/spanbert-large-cased, 9th most
downloaded in August 2022, had no card).

Two measures, each on its own basis (column `basis`):

- `cards` (the crawler's README measurements): `no_readme` (the repo has no README.md),
  `template_only` (a README whose prose, once the card template's scaffolding is removed,
  is under the crawler's threshold: `cards.is_template`), and their sum
  `missing_or_template`; the denominator is the models whose README state is known
  (`readme_status` `ok` with `is_template` decided, or `missing`). Models whose README was
  not fetched or not recorded are `unknown_readme`.
- `card_metadata` (the `models` table alone): `no_card_metadata` = models whose record has
  no card YAML (`card_data` null) in a crawl that asked for it. A card without front matter
  also has no card data, so this is a proxy for "no card", not the same measure.

`documentation.csv`: `measure`, `basis`, `models`, `denominator`, `share`, `paper_percent`,
`definition`, and the share for the population: `design`, `estimate`, `ci_low`, `ci_high`,
`n`. With every README read (`census`) the estimate is the share; with a sampled cards stage
(`crawl.cards_sample`) it is the design-weighted share over the sampled models whose README
state is known (`pipeline.estimate.stratified_ratio`), with a 95% CI. The most downloaded
undocumented models are then those found in the sample.
`documentation_top_models.csv`: the ten most downloaded models of each undocumented group:
`basis`, `status`, `rank`, `id`, `downloads`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOP = 10
PAPER_MEASURE = "missing_or_template"


def documentation_status(
    models: pd.DataFrame, cards: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per model of `models` (`id`, `card_data_present`): (README status from cards:
    documented / template_only / no_readme / unknown, card metadata: present / absent)."""
    n = len(models)
    status = np.full(n, "unknown", dtype=object)
    if cards is not None and len(cards):
        joined = cards.reindex(models["id"])
        readme = joined["readme_status"].to_numpy(dtype=object)
        template = joined["is_template"].astype("boolean")
        status[readme == "missing"] = "no_readme"
        ok = readme == "ok"
        status[ok & template.eq(True).fillna(False).to_numpy(bool)] = "template_only"
        status[ok & template.eq(False).fillna(False).to_numpy(bool)] = "documented"
    metadata = np.where(models["card_data_present"].to_numpy(dtype=bool), "present", "absent")
    return status, metadata


def documentation_tables(
    models: pd.DataFrame,
    cards: pd.DataFrame | None,
    cards_measured: bool,
    card_data_measured: bool,
    paper: dict | None = None,
    design: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(`documentation.csv`, `documentation_top_models.csv`) tables (module docstring);
    `design`: the cards rows' sampling design (`model_id` and the design columns)."""
    status, metadata = documentation_status(models, cards if cards_measured else None)
    paper_percent = _paper_percent(paper)
    rows = _card_rows(status, len(models), paper_percent, cards_measured)
    rows.append(_metadata_row(metadata, paper_percent, card_data_measured))
    _add_estimates(rows, status, models["id"], design if cards_measured else None)
    groups = []
    if cards_measured:
        groups += [("cards", s, status == s) for s in ("no_readme", "template_only")]
    if card_data_measured:
        groups.append(("card_metadata", "no_card_metadata", metadata == "absent"))
    return pd.DataFrame(rows), _top_models(models, groups)


def _card_rows(
    status: np.ndarray, n_models: int, paper_percent: float, measured: bool
) -> list[dict]:
    """The `cards` rows: no README, template only, both, unknown (or "not measured")."""
    if not measured:
        return [
            _row(
                PAPER_MEASURE,
                "cards",
                None,
                None,
                "not measured in this snapshot (no cards table)",
                paper_percent,
                PAPER_MEASURE,
            )
        ]
    rows = []
    known = int(np.isin(status, ["documented", "template_only", "no_readme"]).sum())
    for measure, members, definition in (
        ("no_readme", ["no_readme"], "models whose repository has no README.md"),
        ("template_only", ["template_only"], "README that is only the card template"),
        (
            PAPER_MEASURE,
            ["no_readme", "template_only"],
            "no README, or a template-only README (the paper's 'missing or inadequate')",
        ),
    ):
        count = int(np.isin(status, members).sum())
        rows.append(_row(measure, "cards", count, known, definition, paper_percent, measure))
    rows.append(
        _row(
            "unknown_readme",
            "cards",
            int((status == "unknown").sum()),
            n_models,
            "README not fetched, not recorded or failed: counted in no share above",
            None,
            "",
        )
    )
    return rows


def _metadata_row(metadata: np.ndarray, paper_percent: float, measured: bool) -> dict:
    """The `card_metadata` row: models without card YAML (or "not measured")."""
    if not measured:
        return _row(
            "no_card_metadata",
            "card_metadata",
            None,
            None,
            "not measured in this snapshot (card data not requested)",
            None,
            "",
        )
    return _row(
        "no_card_metadata",
        "card_metadata",
        int((metadata == "absent").sum()),
        len(metadata),
        "no card YAML in the model record (card_data null): a proxy for no card",
        paper_percent,
        PAPER_MEASURE,
    )


MEMBERS = {
    "no_readme": ["no_readme"],
    "template_only": ["template_only"],
    PAPER_MEASURE: ["no_readme", "template_only"],
}
KNOWN = ["documented", "template_only", "no_readme"]


def _add_estimates(
    rows: list[dict], status: np.ndarray, ids: pd.Series, design: pd.DataFrame | None
) -> None:
    """Each row's share for the population: exact in a census, else design-based."""
    from pipeline.analyze.coverage import sampled_cards
    from pipeline.estimate import CENSUS, stratified_ratio

    sample = sampled_cards(design)
    if sample is not None:
        position = pd.Series(np.arange(len(ids)), index=ids.to_numpy())
        at = position.reindex(sample["model_id"]).to_numpy()
        present = ~np.isnan(at)
        sample = sample[present]
        sampled_status = status[at[present].astype(int)]
    for row in rows:
        row.update(design=CENSUS, estimate=row["share"], ci_low=np.nan, ci_high=np.nan)
        row["n"] = row["denominator"]
        if sample is None or row["basis"] != "cards" or row["models"] is None:
            continue
        if row["measure"] == "unknown_readme":
            y, d = sampled_status == "unknown", np.ones(len(sampled_status), dtype=bool)
        else:
            d = np.isin(sampled_status, KNOWN)
            y = np.isin(sampled_status, MEMBERS[row["measure"]]) & d
        estimate = stratified_ratio(y, d, sample["stratum"], sample["size"])
        row.update(
            design=estimate.design,
            estimate=estimate.estimate,
            ci_low=estimate.ci_low,
            ci_high=estimate.ci_high,
            n=estimate.n,
        )


def _top_models(models: pd.DataFrame, groups: list[tuple[str, str, np.ndarray]]) -> pd.DataFrame:
    """The `TOP` most downloaded models of each undocumented group."""
    top = []
    downloads = pd.to_numeric(models["downloads"], errors="coerce")
    for basis, name, mask in groups:
        chosen = models.loc[mask, ["id"]].assign(downloads=downloads[mask].to_numpy())
        chosen = chosen.dropna(subset=["downloads"]).sort_values(
            ["downloads", "id"], ascending=[False, True]
        )
        for rank, row in enumerate(chosen.head(TOP).itertuples(), start=1):
            top.append(
                {
                    "basis": basis,
                    "status": name,
                    "rank": rank,
                    "id": row.id,
                    "downloads": int(row.downloads),
                }
            )
    columns = ["basis", "status", "rank", "id", "downloads"]
    return pd.DataFrame(top, columns=columns)


def _row(measure, basis, count, denominator, definition, paper_percent, paper_key) -> dict:
    share = count / denominator if count is not None and denominator else np.nan
    return {
        "measure": measure,
        "basis": basis,
        "models": count,
        "denominator": denominator,
        "share": share,
        "paper_percent": paper_percent if paper_key == PAPER_MEASURE else np.nan,
        "definition": definition,
    }


def _paper_percent(paper: dict | None) -> float:
    if paper is None:
        from pipeline.paper import load_paper_numbers

        paper = load_paper_numbers()
    value = (paper.get("documentation") or {}).get("missing_or_inadequate_percent")
    return float(value) if isinstance(value, int | float) else np.nan
