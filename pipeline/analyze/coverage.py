"""Attribute coverage (paper Table I): per model, which provenance, reproducibility and
portability attributes the Hub shows, and from which evidence.

Each factor is read from one or more evidence sources (`pipeline.analyze.evidence`):

Provenance:
- dataset_details: card_yaml (card `datasets` or `dataset:` tags); card_text (a data
  section with content);
- performance_table: card_yaml (a model-index with a metric value, or the Hub's
  `model-index` tag); card_text (a Markdown table naming a metric);
- architecture_details: api (config `model_type`/`architectures`); card_text;
- training_logs: files (tfevents, `runs/`, trainer_state.json, `*.log`); tags
  (`tensorboard`: shows, never decides); card_text (training-results table, W&B link);
- original_paper: tags (`arxiv:`, except the card template's 1910.09700); card_text;
- base_model_lineage: card_yaml (`base_models`: `base_model:` tags or the card's
  `base_model`); card_text ("fine-tuned version of X").

Reproducibility:
- hardware_specification: card_yaml (`co2_eq_emissions.hardware_used`); card_text;
- training_configuration: files (training_args.bin, trainer_state.json, hparams, adapter
  config); card_text (hyper-parameter values);
- demos: card_yaml (`widget`); api (Spaces using the model); files (`*.ipynb`, `app.py`);
  card_text (notebook, Colab, Space or demo link). The Hub's default widget examples
  (`widgetData` on every model of a task) are not counted;
- documentation: cards (a README that is not template-only, `cards.is_template`);
- environment_image: files (Dockerfile, requirements, environment/conda files, setup.py);
  card_text (framework versions, pinned installs).

Portability:
- hardware_requirements, latency, fine_tuning_instructions: card_text only;
- quantized_variants: tags (gguf, gptq, awq, 4-bit, onnx, ...; or another model's
  `base_model:quantized:<this>` tag); files (quantised or compiled formats);
- framework_support: files (two or more weight formats, `pipeline.snapshot.formats`); when
  the snapshot has no `files` table, tags (two or more of the format tags the Hub derives
  from files: pytorch, tf, jax, safetensors, onnx, gguf, ...);
- license: card_yaml (`license`, from the card or a `license:` tag) on the Hub's licence
  list; `other`, `unknown` or none count as absent;
- cost_co2: card_yaml (`co2_eq_emissions`); card_text (a CO2 figure).

**Unknown is not false.** A factor is *present* when any source shows it; *absent* when
every one of its sources was measured for the model and none shows it; otherwise
*unknown* (NA): a source was not in the snapshot (e.g. no `files` table, README bodies
not stored) or not available for that model (e.g. a README that could not be fetched).

Per model and group: `<group>_present`, `<group>_known` (factors decided), `<group>_score` =
present / known (NA when nothing is known), and the bounds `<group>_score_min` = present /
factors (unknown counted absent) and `<group>_score_max` = (present + unknown) / factors.
Where many factors are unknown, read the bounds, not the score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

GROUPS = ("provenance", "reproducibility", "portability")
FACTORS: dict[str, tuple[str, ...]] = {
    "provenance": (
        "dataset_details",
        "performance_table",
        "architecture_details",
        "training_logs",
        "original_paper",
        "base_model_lineage",
    ),
    "reproducibility": (
        "hardware_specification",
        "training_configuration",
        "demos",
        "documentation",
        "environment_image",
    ),
    "portability": (
        "hardware_requirements",
        "latency",
        "quantized_variants",
        "framework_support",
        "fine_tuning_instructions",
        "license",
        "cost_co2",
    ),
}
SOURCES: dict[str, tuple[str, ...]] = {
    "dataset_details": ("card_yaml", "card_text"),  # card_yaml: card datasets or dataset: tags
    "performance_table": ("card_yaml", "card_text"),
    "architecture_details": ("api", "card_text"),
    "training_logs": ("files", "tags", "card_text"),
    "original_paper": ("tags", "card_text"),
    "base_model_lineage": ("card_yaml", "card_text"),
    "hardware_specification": ("card_yaml", "card_text"),
    "training_configuration": ("files", "card_text"),
    "demos": ("card_yaml", "api", "files", "card_text"),
    "documentation": ("cards",),
    "environment_image": ("files", "card_text"),
    "hardware_requirements": ("card_text",),
    "latency": ("card_text",),
    "quantized_variants": ("tags", "files"),
    "framework_support": ("files", "tags"),
    "fine_tuning_instructions": ("card_text",),
    "license": ("card_yaml",),
    "cost_co2": ("card_yaml", "card_text"),
}
ALL_FACTORS: tuple[str, ...] = tuple(f for group in GROUPS for f in FACTORS[group])
EVIDENCE_SOURCES: tuple[str, ...] = ("api", "card_yaml", "tags", "files", "card_text", "cards")


@dataclass(frozen=True)
class Availability:
    """Which evidence sources the snapshot measured (snapshot level).

    `card_yaml`: the crawl asked for card data (`cardData`); `api`: it asked for `config`;
    `spaces`: for `spaces`; `files`/`cards`: the tables were crawled."""

    card_yaml: bool = True
    api: bool = True
    spaces: bool = True
    files: bool = False
    cards: bool = False


class _Evidence:
    """Per factor and source: where the factor was shown, and where the source could tell."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.yes = np.ones(n, dtype=bool)
        self.no = np.zeros(n, dtype=bool)
        self.present: dict[str, dict[str, np.ndarray]] = {f: {} for f in ALL_FACTORS}
        self.measured: dict[str, dict[str, np.ndarray]] = {f: {} for f in ALL_FACTORS}

    def put(
        self, factor: str, source: str, shown: np.ndarray, known: np.ndarray, decides: bool = True
    ) -> None:
        """Record a source's evidence; a source that does not `decide` can show a factor
        but its silence proves nothing (e.g. the `tensorboard` tag)."""
        self.present[factor][source] = shown & known
        if decides:
            self.measured[factor][source] = known


def assess_coverage(
    models: pd.DataFrame,
    files: pd.DataFrame | None = None,
    cards: pd.DataFrame | None = None,
    availability: Availability = Availability(),
    quantized_elsewhere: set[str] | frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Per model: `id`, `task`, `downloads`, `year`, one nullable boolean column per factor,
    `<factor>_evidence` (the first source that showed it), the group counts and scores.

    `models` is `evidence.model_evidence` output; `files`/`cards` are `file_evidence` /
    `card_evidence` output indexed by model id (None when the table was not crawled)."""
    evidence = _Evidence(len(models))
    _model_evidence(evidence, models, availability, quantized_elsewhere)
    _file_evidence(evidence, models, files if availability.files else None)
    _card_evidence(evidence, models["id"], cards if availability.cards else None)
    out = _factor_states(evidence, models)
    _add_scores(out)
    return out


def _model_evidence(
    ev: _Evidence,
    models: pd.DataFrame,
    availability: Availability,
    quantized_elsewhere: set[str] | frozenset[str],
) -> None:
    """Evidence from the model record: card YAML, API fields and tags."""

    def flag(name: str) -> np.ndarray:
        return models[name].to_numpy(dtype=bool)

    put, yes, no = ev.put, ev.yes, ev.no
    yaml_known = yes if availability.card_yaml else no
    tags_known = flag("tags_known")
    put("dataset_details", "card_yaml", flag("datasets_listed"), yaml_known | tags_known)
    put(
        "performance_table",
        "card_yaml",
        flag("claim_from_json") | flag("claim_from_tag"),
        yaml_known | tags_known,
    )
    put("architecture_details", "api", flag("config_architecture"), yes if availability.api else no)
    put("original_paper", "tags", flag("arxiv_tag"), tags_known)
    put(
        "base_model_lineage",
        "card_yaml",
        flag("base_models_listed") | flag("base_model_tags"),
        yaml_known | tags_known,
    )
    put("hardware_specification", "card_yaml", flag("co2_hardware"), yaml_known)
    put("demos", "card_yaml", flag("widget"), yaml_known)
    spaces_known = flag("spaces_known") if availability.spaces else no
    put("demos", "api", flag("spaces"), spaces_known)
    put("license", "card_yaml", flag("license_recognised"), yaml_known | tags_known)
    put("cost_co2", "card_yaml", flag("co2"), yaml_known)
    elsewhere = models["id"].isin(list(quantized_elsewhere)).to_numpy(dtype=bool)
    put("quantized_variants", "tags", flag("quantized_tag") | elsewhere, tags_known)


def _file_evidence(ev: _Evidence, models: pd.DataFrame, files: pd.DataFrame | None) -> None:
    """Evidence from the file list (None: not crawled; the Hub's tags stand in)."""
    put, no = ev.put, ev.no
    tags_known = models["tags_known"].to_numpy(dtype=bool)
    # files: known for models with file rows, or with no files at all (n_files == 0)
    if files is not None:
        joined = files.reindex(models["id"])
        has_rows = joined["n_file_rows"].notna().to_numpy(dtype=bool)
        empty = (models["n_files"].fillna(-1).to_numpy(dtype="int64") == 0) & ~has_rows
        files_known = has_rows | empty

        def file_flag(name: str) -> np.ndarray:
            return joined[name].fillna(False).to_numpy(dtype=bool)

        put("training_logs", "files", file_flag("training_log_files"), files_known)
        put("training_configuration", "files", file_flag("training_config_files"), files_known)
        put("demos", "files", file_flag("notebook_files"), files_known)
        put("environment_image", "files", file_flag("environment_files"), files_known)
        put("quantized_variants", "files", file_flag("quantized_files"), files_known)
        formats = joined["n_weight_formats"].fillna(0).to_numpy(dtype="int64")
        put("framework_support", "files", formats >= 2, files_known)
    else:
        for factor in ("training_logs", "training_configuration", "environment_image"):
            put(factor, "files", no, no)
        put("demos", "files", no, no)
        # tags the Hub derives from weight files stand in for the file list
        put("framework_support", "tags", models["framework_tags"].to_numpy() >= 2, tags_known)
    # the Hub tags `tensorboard` when the repo has TensorBoard event files
    tensorboard = models["tensorboard_tag"].to_numpy(dtype=bool)
    put("training_logs", "tags", tensorboard, tags_known, decides=False)


def _card_evidence(ev: _Evidence, ids: pd.Series, cards: pd.DataFrame | None) -> None:
    """Evidence from the README: template detection and card-text signals."""
    put, no = ev.put, ev.no
    if cards is None:
        put("documentation", "cards", no, no)
        for factor in TEXT_SIGNALS:
            put(factor, "card_text", no, no)
        return
    joined = cards.reindex(ids)
    status = joined["readme_status"].to_numpy(dtype=object)
    missing = status == "missing"
    ok = status == "ok"
    template = joined["is_template"].astype("boolean")
    put(
        "documentation",
        "cards",
        ok & (~template.fillna(True)).to_numpy(dtype=bool),
        missing | (ok & template.notna().to_numpy(dtype=bool)),
    )
    body = joined["has_body"].fillna(False).to_numpy(dtype=bool) & ok
    text_known = body | missing
    for factor, signal in TEXT_SIGNALS.items():
        column = joined.get(f"text_{signal}")
        shown = no if column is None else column.astype("boolean").fillna(False).to_numpy(bool)
        put(factor, "card_text", shown & body, text_known)


def _factor_states(ev: _Evidence, models: pd.DataFrame) -> pd.DataFrame:
    """One nullable boolean per factor (unknown when no deciding source could tell) and
    the first source that showed it."""
    n = ev.n
    out = pd.DataFrame(
        {
            "id": models["id"].to_numpy(dtype=object),
            "task": models["task"].to_numpy(dtype=object),
            "downloads": models["downloads"].to_numpy(),
            "year": models["year"].to_numpy(),
        }
    )
    for factor in ALL_FACTORS:
        shown_any = np.zeros(n, dtype=bool)
        all_known = np.ones(n, dtype=bool)
        evidence = np.full(n, -1, dtype=np.int8)  # index in EVIDENCE_SOURCES, -1: none
        for source, shown in ev.present[factor].items():
            evidence[shown & ~shown_any] = EVIDENCE_SOURCES.index(source)
            shown_any |= shown
        for known in ev.measured[factor].values():
            all_known &= known
        state = pd.array(np.where(shown_any, True, False), dtype="boolean")
        state[~shown_any & ~all_known] = pd.NA
        out[factor] = state
        out[f"{factor}_evidence"] = pd.Categorical.from_codes(evidence, EVIDENCE_SOURCES)
    return out


def _add_scores(out: pd.DataFrame) -> None:
    """Per group: factors present, factors known, and the score with its bounds."""
    n = len(out)
    for group in GROUPS:
        block = out[list(FACTORS[group])]
        n_factors = len(FACTORS[group])
        got = block.fillna(False).astype(bool).sum(axis=1).to_numpy()
        known = block.notna().sum(axis=1).to_numpy()
        out[f"{group}_present"] = got
        out[f"{group}_known"] = known
        score = np.divide(got, known, out=np.full(n, np.nan), where=known > 0)
        out[f"{group}_score"] = score
        out[f"{group}_score_min"] = got / n_factors
        out[f"{group}_score_max"] = (got + (n_factors - known)) / n_factors


# Table I factor -> card-text signal (`pipeline.analyze.cardtext.SIGNALS`): public, since
# the error correction (`pipeline.cards.correction`) maps its factors with it too.
TEXT_SIGNALS: dict[str, str] = {
    "dataset_details": "dataset_details",
    "performance_table": "performance_table",
    "architecture_details": "architecture",
    "training_logs": "training_log",
    "original_paper": "paper",
    "base_model_lineage": "base_model",
    "hardware_specification": "training_hardware",
    "training_configuration": "hyperparameters",
    "demos": "notebook_or_demo",
    "environment_image": "framework_versions",
    "hardware_requirements": "inference_hardware",
    "latency": "latency",
    "fine_tuning_instructions": "fine_tuning",
    "cost_co2": "co2",
}


def coverage_summary(per_model: pd.DataFrame) -> pd.DataFrame:
    """One row per factor: `group`, `factor`, `sources`, `models`, `present`, `absent`,
    `unknown`, `share_present` (present / models: a lower bound when unknown > 0),
    `share_present_of_known` (present / (present + absent)), and `present_by_<source>`
    counts (the first source that showed the factor)."""
    rows = []
    total = len(per_model)
    for group in GROUPS:
        for factor in FACTORS[group]:
            state = per_model[factor]
            present = int(state.fillna(False).astype(bool).sum())
            unknown = int(state.isna().sum())
            absent = total - present - unknown
            evidence = per_model[f"{factor}_evidence"].astype(object).value_counts()
            row = {
                "group": group,
                "factor": factor,
                "sources": "+".join(SOURCES[factor]),
                "models": total,
                "present": present,
                "absent": absent,
                "unknown": unknown,
                "share_present": present / total if total else np.nan,
                "share_present_of_known": present / (present + absent)
                if present + absent
                else np.nan,
            }
            for source in ("api", "card_yaml", "tags", "files", "card_text", "cards"):
                row[f"present_by_{source}"] = int(evidence.get(source, 0))
            rows.append(row)
    return pd.DataFrame(rows)


def coverage_breakdown(per_model: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per value of `by` (`task`, `popularity_decile` or `year`): `models`, the mean score
    and bounds of each group (the score's mean over models with a known factor), and the
    share of models with each factor present (lower bound) and unknown."""
    column = popularity_deciles(per_model["downloads"]) if by == "popularity_decile" else None
    column = per_model[by] if column is None else column
    key = column.astype(object).where(column.notna(), "unknown").astype(str).to_numpy(object)
    codes, groups = pd.factorize(key, sort=True)
    counts = np.bincount(codes, minlength=len(groups)).astype(float)

    def mean(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        valid = ~np.isnan(values)
        total = np.bincount(codes[valid], weights=values[valid], minlength=len(groups))
        number = np.bincount(codes[valid], minlength=len(groups))
        return np.divide(total, number, out=np.full(len(groups), np.nan), where=number > 0)

    out = {by: list(groups), "models": counts.astype("int64")}
    for group in GROUPS:
        for suffix in ("score", "score_min", "score_max"):
            out[f"{group}_{suffix}"] = mean(per_model[f"{group}_{suffix}"].to_numpy(float))
    for factor in ALL_FACTORS:
        state = per_model[factor]
        out[f"{factor}_present"] = mean(state.fillna(False).to_numpy(dtype=float))
        out[f"{factor}_unknown"] = mean(state.isna().to_numpy(dtype=float))
    table = pd.DataFrame(out)
    if by == "popularity_decile":
        order = {str(d): d for d in range(1, 11)}
        table = table.sort_values(by, key=lambda s: s.map(lambda v: order.get(v, 99)))
    return table.reset_index(drop=True)


def popularity_deciles(downloads: pd.Series) -> pd.Series:
    """Decile of downloads (1 = least, 10 = most downloaded); ties broken by position so
    every decile has the same size; NA for models without a download count."""
    values = pd.to_numeric(downloads, errors="coerce")
    known = values.notna()
    out = pd.Series(pd.NA, index=downloads.index, dtype="Int64")
    if known.sum() == 0:
        return out
    ranks = values[known].rank(method="first")
    out[known] = (np.ceil(10 * ranks / known.sum())).astype("int64").clip(1, 10)
    return out


ESTIMATE_COLUMNS = ("design", "estimate", "ci_low", "ci_high", "n")
CARD_SOURCES = ("cards", "card_text")


def sampled_cards(design: pd.DataFrame | None) -> pd.DataFrame | None:
    """The cards rows (`model_id` and the design columns) of a sampled cards stage, with
    `stratum` and `size` ready for the estimators; None when the cards are a census."""
    from pipeline.estimate import design_of

    if design is None or design.empty:
        return None
    strata, sizes, sampled = design_of(design)
    if not sampled:
        return None
    return pd.DataFrame(
        {"model_id": design["model_id"].to_numpy(), "stratum": strata, "size": sizes}
    ).drop_duplicates("model_id")


def coverage_estimates(
    summary: pd.DataFrame, per_model: pd.DataFrame, design: pd.DataFrame | None
) -> pd.DataFrame:
    """`coverage_summary` output plus, per factor, the share present for the population:
    `design` (`census`: the exact share; `stratified sample`: the factor reads the README
    and the cards stage was sampled), `estimate`, its 95% CI and `n` (models measured).

    A card-read factor is estimated over the sampled models (their factor state is complete:
    every source was read), weighted by the design (`pipeline.estimate.stratified_share`);
    the other factors come from the listing and files, a census."""
    from pipeline.estimate import CENSUS, stratified_share

    out = summary.copy()
    out["design"] = CENSUS
    out["estimate"] = out["share_present"]
    out["ci_low"] = np.nan
    out["ci_high"] = np.nan
    out["n"] = out["models"]
    sample = sampled_cards(design)
    if sample is None:
        return out
    rows = per_model.set_index("id").reindex(sample["model_id"])
    for i, factor in enumerate(out["factor"]):
        if not set(SOURCES[factor]) & set(CARD_SOURCES):
            continue
        present = rows[factor].astype("boolean").fillna(False).to_numpy(dtype=bool)
        estimate = stratified_share(present, sample["stratum"], sample["size"])
        index = out.index[i]
        out.loc[index, "design"] = estimate.design
        out.loc[index, "estimate"] = estimate.estimate
        out.loc[index, "ci_low"] = estimate.ci_low
        out.loc[index, "ci_high"] = estimate.ci_high
        out.loc[index, "n"] = estimate.n
    return out
