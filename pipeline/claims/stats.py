"""Statistics of claimed-minus-measured discrepancies. Pure (numpy, scipy).

Computed on the pairs' `discrepancy_pp` (percentage points, positive = the claim is better
than the measurement; pairs without one, e.g. raw-unit metrics, are left out), overall
and per task and per measurement source:

- `n_pairs`, `n_models`; the statistics are over *units*: by default one unit per model
  (the median of its pairs' discrepancies, so a model with four leaderboard benchmarks
  counts once and units are independent), or one per pair (`unit="pair"`);
- the share of units overstating beyond the tolerance (`discrepancy > tolerance`), with a
  Wilson 95% interval; shares understating and within tolerance;
- the median discrepancy with a percentile bootstrap 95% interval (seeded, 10,000
  resamples by default);
- a two-sided Wilcoxon signed-rank test of the discrepancies against zero (= paired test
  of claimed vs measured; zero differences dropped). With fewer than
  `MIN_WILCOXON_N` non-zero differences even a perfect ordering cannot reach p < 0.05, so
  the test is reported "not computable" with the reason, as it is when all are zero.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.claims.schema import DISCREPANCY_SUMMARY
from pipeline.stats import CONFIDENCE, wilson_interval

DEFAULT_RESAMPLES = 10_000
DEFAULT_SEED = 20230514  # ICSE 2023's first day; any fixed seed makes the CI reproducible
MIN_WILCOXON_N = 6
_CHUNK = 4_000_000  # bootstrap draws held in memory at once

SUMMARY_COLUMNS = DISCREPANCY_SUMMARY.names  # described in schema.py


def bootstrap_median_ci(
    values: np.ndarray,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the median (resampling with replacement)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CHUNK // n)
    medians = []
    for start in range(0, n_resamples, per_chunk):
        size = min(per_chunk, n_resamples - start)
        draws = values[rng.integers(0, n, size=(size, n))]
        medians.append(np.median(draws, axis=1))
    alpha = (1 - confidence) / 2
    low, high = np.quantile(np.concatenate(medians), [alpha, 1 - alpha])
    return float(low), float(high)


def wilcoxon_test(differences: np.ndarray) -> dict:
    """Two-sided Wilcoxon signed-rank test against zero: `statistic`, `p`, and a `note`
    saying why it is not computable (then statistic and p are NaN)."""
    values = np.asarray(differences, dtype=float)
    values = values[np.isfinite(values)]
    nonzero = int(np.count_nonzero(values))
    if len(values) == 0:
        return _not_computable("not computable: no pairs")
    if nonzero == 0:
        return _not_computable("not computable: all differences are zero")
    if nonzero < MIN_WILCOXON_N:
        return _not_computable(
            f"not computable: {nonzero} non-zero differences (< {MIN_WILCOXON_N})"
        )
    try:
        result = stats.wilcoxon(values, zero_method="wilcox", alternative="two-sided")
    except ValueError as error:
        return _not_computable(f"not computable: {error}")
    return {"statistic": float(result.statistic), "p": float(result.pvalue), "note": ""}


def _not_computable(note: str) -> dict:
    return {"statistic": math.nan, "p": math.nan, "note": note}


def unit_discrepancies(pairs: pd.DataFrame, unit: str = "model") -> pd.Series:
    """One discrepancy per unit: per model the median of its pairs (`unit="model"`), or
    every pair (`unit="pair"`); pairs without a discrepancy are left out."""
    if unit not in ("model", "pair"):
        raise ValueError(f"unit must be 'model' or 'pair', not {unit!r}")
    usable = pairs[np.isfinite(pairs["discrepancy_pp"].astype(float))]
    if unit == "pair":
        return usable["discrepancy_pp"].astype(float).reset_index(drop=True)
    return usable.groupby("model_id", sort=True)["discrepancy_pp"].median().astype(float)


def summarise(
    pairs: pd.DataFrame,
    tolerance_pp: float,
    *,
    unit: str = "model",
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict:
    """The statistics of one set of pairs (one row of `discrepancy_summary`)."""
    values = unit_discrepancies(pairs, unit).to_numpy()
    n = len(values)
    over = int((values > tolerance_pp).sum())
    under = int((values < -tolerance_pp).sum())
    low, high = wilson_interval(over, n)
    median_low, median_high = bootstrap_median_ci(values, n_resamples, seed)
    test = wilcoxon_test(values)
    usable = pairs[np.isfinite(pairs["discrepancy_pp"].astype(float))]
    return {
        "unit": unit,
        "n_pairs": len(usable),
        "n_models": int(usable["model_id"].nunique()),
        "n_units": n,
        "tolerance_pp": float(tolerance_pp),
        "n_overstated": over,
        "share_overstated": over / n if n else math.nan,
        "share_ci_low": low,
        "share_ci_high": high,
        "n_within": n - over - under,
        "n_understated": under,
        "median_pp": float(np.median(values)) if n else math.nan,
        "median_ci_low": median_low,
        "median_ci_high": median_high,
        "mean_pp": float(np.mean(values)) if n else math.nan,
        "wilcoxon_statistic": test["statistic"],
        "wilcoxon_p": test["p"],
        "wilcoxon_note": test["note"],
        "n_resamples": n_resamples,
        "seed": seed,
    }


def discrepancy_summary(
    pairs: pd.DataFrame,
    tolerance_pp: float | None = None,
    *,
    unit: str = "model",
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Rows for `all` pairs, then per `task` and per `measurement_source` (SUMMARY_COLUMNS).

    `tolerance_pp` defaults to the pairs' own `tolerance_pp` (0.5 when there are none)."""
    if tolerance_pp is None:
        known = pairs["tolerance_pp"].dropna() if "tolerance_pp" in pairs else pd.Series([])
        tolerance_pp = float(known.iloc[0]) if len(known) else 0.5
    options = {"unit": unit, "n_resamples": n_resamples, "seed": seed}
    rows = [{"grouping": "all", "group": "all", **summarise(pairs, tolerance_pp, **options)}]
    for grouping in ("task", "measurement_source"):
        if pairs.empty:
            continue
        for group, subset in pairs.groupby(grouping, sort=True, dropna=False):
            label = group if isinstance(group, str) else "unknown"
            rows.append(
                {"grouping": grouping, "group": label, **summarise(subset, tolerance_pp, **options)}
            )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
