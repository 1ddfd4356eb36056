"""Card-text shares corrected for detector error (Rogan-Gladen), with bootstrap CIs.

A detector with sensitivity Se and specificity Sp that fires on a share `a` of cards
(the *detector rate*) implies a true share

    p = (a + Sp - 1) / (Se + Sp - 1)        (Rogan & Gladen, 1978)

clipped to [0, 1]. Se and Sp are measured on the labelled set's held-out part
(`pipeline.cards.labels.TEST_PART`, `test3`: 104 cards drawn, labelled and adjudicated
before any detector ran on them, never used to tune the detectors or train their token
model; earlier rounds' test parts became development data once measured), by running the
current detectors on its cards, so they always describe the code that produced the rate.
Their uncertainty is propagated by a percentile bootstrap: the labelled cards are
resampled with replacement, Se and Sp recomputed, and `p` recomputed from the same rate. A
replicate where Se or Sp is undefined (no positives or no negatives drawn) or Se + Sp <= 1
(the detector is no better than chance) gives no estimate; the share of such replicates is
reported (`corrected_invalid`), and the interval is taken over the others.

When the rate itself comes from a random sample of cards rather than every card of the
snapshot (a sampled cards stage), pass `sample_sizes`: each replicate then also redraws the
detected count from a binomial with the sample's size and rate, so the interval combines
the sampling error with the detector error. The default (a census of the cards read)
treats the rate as exact.

With a stratified sample of cards (`crawl.cards_sample`), `add_text_correction` passes the
design-weighted detector rate (`rates`, `pipeline.estimate.stratified_ratio`) and, as
`sample_sizes`, Kish's effective sample size n_eff = rate (1 - rate) / Var(rate) of that
design: each replicate draws the rate from Binomial(n_eff, rate) / n_eff, whose variance
is the design's, and corrects it with that replicate's Se and Sp. The two errors are
independent (the labelled cards are not the sampled ones), so the percentile interval
covers both.

The correction assumes the labelled cards (a random sample of
`../shared/data/model-cards/card-text-samples.json`) make the same kind of errors as the
snapshot's cards; a snapshot whose cards differ much (another era, mostly non-English)
may have other Se and Sp.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.analyze.cardtext import SIGNALS
from pipeline.cards.evaluation import BOOTSTRAP_REPS, BOOTSTRAP_SEED
from pipeline.cards.labels import TEST_PART

CORRECTION_PART = TEST_PART  # the held-out part, never the development cards


def rogan_gladen(apparent, sensitivity, specificity):
    """The Rogan-Gladen estimate, clipped to [0, 1]; NaN where Se + Sp <= 1 or an input is
    NaN. Works on floats and NumPy arrays alike."""
    apparent = np.asarray(apparent, dtype=float)
    sensitivity = np.asarray(sensitivity, dtype=float)
    specificity = np.asarray(specificity, dtype=float)
    youden = sensitivity + specificity - 1
    valid = youden > 0  # False for NaN too
    safe = np.where(valid, youden, 1.0)
    estimate = np.clip((apparent + specificity - 1) / safe, 0.0, 1.0)
    out = np.where(valid, estimate, np.nan)
    return float(out) if out.ndim == 0 else out


def corrected_shares(
    detected: Mapping[str, int],
    measured: Mapping[str, int],
    truth: np.ndarray,
    predicted: np.ndarray,
    *,
    sample_sizes: Mapping[str, int] | None = None,
    rates: Mapping[str, float] | None = None,
    reps: int = BOOTSTRAP_REPS,
    seed: int = BOOTSTRAP_SEED,
    attributes: Sequence[str] = SIGNALS,
) -> pd.DataFrame:
    """Per attribute in `detected`: `measured` (cards read), `detected`, `rate`,
    `sensitivity`, `specificity` (on the labelled cards), `corrected` (Rogan-Gladen),
    `corrected_low`/`corrected_high` (95% bootstrap CI), `corrected_invalid` (share of
    replicates without an estimate), `labelled_cards`, `labelled_positives`.

    `truth`/`predicted`: labelled cards x `attributes`, the labels and the detector's
    answers. `sample_sizes` (per attribute): the rate was measured on a random sample of
    that many cards; its binomial error is then added to the interval. `rates` (per
    attribute): the detector rate to correct, when it is a design-weighted estimate rather
    than `detected / measured`."""
    truth = np.asarray(truth, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    n = len(truth)
    rng = np.random.default_rng(seed)
    index = rng.integers(0, n, size=(reps, n))
    rows = []
    for name, count in detected.items():
        j = list(attributes).index(name)
        y, p = truth[:, j], predicted[:, j]
        total = int(measured[name])
        rate = count / total if total else np.nan
        if rates is not None and name in rates:
            rate = float(rates[name])
        se = _ratio((y & p).sum(), y.sum())
        sp = _ratio((~y & ~p).sum(), (~y).sum())
        by, bp = y[index], p[index]
        boot_se = _ratio((by & bp).sum(axis=1), by.sum(axis=1))
        boot_sp = _ratio((~by & ~bp).sum(axis=1), (~by).sum(axis=1))
        boot_rate = np.full(reps, rate)
        size = (sample_sizes or {}).get(name)
        if size and not np.isnan(rate):
            boot_rate = rng.binomial(int(size), rate, size=reps) / int(size)
        boot = np.asarray(rogan_gladen(boot_rate, boot_se, boot_sp), dtype=float)
        valid = ~np.isnan(boot)
        low, high = (
            (float(np.percentile(boot[valid], 2.5)), float(np.percentile(boot[valid], 97.5)))
            if valid.any() and not np.isnan(rate)
            else (np.nan, np.nan)
        )
        rows.append(
            {
                "attribute": name,
                "measured": total,
                "detected": int(count),
                "rate": rate,
                "sensitivity": se,
                "specificity": sp,
                "corrected": rogan_gladen(rate, se, sp),
                "corrected_low": low,
                "corrected_high": high,
                "corrected_invalid": float(1 - valid.mean()),
                "labelled_cards": n,
                "labelled_positives": int(y.sum()),
            }
        )
    return pd.DataFrame(rows, columns=CORRECTED_COLUMNS)


CORRECTED_COLUMNS = (
    "attribute",
    "measured",
    "detected",
    "rate",
    "sensitivity",
    "specificity",
    "corrected",
    "corrected_low",
    "corrected_high",
    "corrected_invalid",
    "labelled_cards",
    "labelled_positives",
)


def _ratio(num, den):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.divide(num, den, out=np.full(np.shape(num), np.nan), where=den > 0)
    return float(out) if out.ndim == 0 else out


def card_text_rates(cards: pd.DataFrame | None, ids: pd.Series) -> tuple[dict, dict]:
    """(detected, measured) per card-text signal over the models `ids` whose card body was
    read (`cards` is `pipeline.analyze.evidence.card_evidence` output)."""
    if cards is None or "has_body" not in cards:
        return {}, {}
    joined = cards.reindex(ids)
    ok = joined["readme_status"].astype(object).eq("ok").to_numpy(dtype=bool)
    body = joined["has_body"].astype("boolean").fillna(False).to_numpy(dtype=bool) & ok
    detected, measured = {}, {}
    for signal in SIGNALS:
        column = joined.get(f"text_{signal}")
        if column is None:
            continue
        shown = column.astype("boolean").fillna(False).to_numpy(dtype=bool) & body
        detected[signal] = int(shown.sum())
        measured[signal] = int(body.sum())
    return detected, measured


TEXT_COLUMNS = (
    "text_cards",
    "text_detected",
    "text_rate",
    "text_corrected",
    "text_corrected_low",
    "text_corrected_high",
    "text_sensitivity",
    "text_specificity",
    "text_precision",
    "text_recall",
    "text_f1",
    "text_labelled_positives",
)


def add_text_correction(
    summary: pd.DataFrame,
    cards: pd.DataFrame | None,
    ids: pd.Series,
    labels_dir=None,
    design: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`coverage_summary` output with the card-text columns of `TEXT_COLUMNS` for each
    factor that has a card-text source: cards read, detector rate, Rogan-Gladen corrected
    share with its 95% CI, and the detector's sensitivity, specificity, precision, recall
    and F1 on the labelled held-out part (`CORRECTION_PART`). NaN where not measured (no
    bodies read, or the labelled set is not available). `design`: the cards rows' sampling
    design; when the cards were sampled the rate is design-weighted and its sampling error
    enters the CI (module docstring)."""
    from pipeline.analyze.coverage import TEXT_SIGNALS
    from pipeline.cards.evaluation import evaluate, label_matrix, prediction_matrix
    from pipeline.cards.labels import LABELS_DIR, load_labelled_set, select
    from pipeline.errors import PipelineError

    out = summary.copy()
    for column in TEXT_COLUMNS:
        out[column] = np.nan
    try:
        labelled = select(load_labelled_set(labels_dir or LABELS_DIR), CORRECTION_PART)
    except (PipelineError, OSError):
        return out
    truth, predicted = label_matrix(labelled), prediction_matrix(labelled)
    validity = evaluate(truth, predicted).set_index("attribute")
    detected, measured = card_text_rates(cards, ids)
    signals = [s for s in SIGNALS if measured.get(s)]
    rates, sizes = sampled_rates(cards, design, signals)
    corrected = corrected_shares(
        {s: detected[s] for s in signals},
        measured,
        truth,
        predicted,
        sample_sizes=sizes,
        rates=rates,
    ).set_index("attribute")
    for i, factor in enumerate(out["factor"]):
        signal = TEXT_SIGNALS.get(factor)
        if signal is None:
            continue
        row = out.index[i]
        metrics = validity.loc[signal]
        out.loc[row, "text_sensitivity"] = metrics["recall"]
        out.loc[row, "text_specificity"] = metrics["specificity"]
        out.loc[row, "text_precision"] = metrics["precision"]
        out.loc[row, "text_recall"] = metrics["recall"]
        out.loc[row, "text_f1"] = metrics["f1"]
        out.loc[row, "text_labelled_positives"] = metrics["positives"]
        if signal in corrected.index:
            estimate = corrected.loc[signal]
            out.loc[row, "text_cards"] = estimate["measured"]
            out.loc[row, "text_detected"] = estimate["detected"]
            out.loc[row, "text_rate"] = estimate["rate"]
            out.loc[row, "text_corrected"] = estimate["corrected"]
            out.loc[row, "text_corrected_low"] = estimate["corrected_low"]
            out.loc[row, "text_corrected_high"] = estimate["corrected_high"]
    return out


def sampled_rates(
    cards: pd.DataFrame | None, design: pd.DataFrame | None, signals: Sequence[str]
) -> tuple[dict[str, float] | None, dict[str, int] | None]:
    """Per signal, the design-weighted detector rate over the sampled cards with a body and
    Kish's effective sample size; (None, None) when the cards are a census."""
    from pipeline.analyze.coverage import sampled_cards
    from pipeline.estimate import effective_size, stratified_ratio

    sample = sampled_cards(design)
    if sample is None or cards is None or not signals:
        return None, None
    joined = cards.reindex(sample["model_id"])
    ok = joined["readme_status"].astype(object).eq("ok").to_numpy(dtype=bool)
    body = joined["has_body"].astype("boolean").fillna(False).to_numpy(dtype=bool) & ok
    rates: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for signal in signals:
        column = joined.get(f"text_{signal}")
        if column is None or not body.any():
            continue
        shown = column.astype("boolean").fillna(False).to_numpy(dtype=bool) & body
        estimate = stratified_ratio(shown, body, sample["stratum"], sample["size"])
        rates[signal] = estimate.estimate
        n_eff = effective_size(estimate.estimate, estimate.se**2, estimate.n)
        sizes[signal] = max(1, round(n_eff))
    return rates, sizes
