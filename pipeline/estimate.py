"""Design-based estimates from a stratified sample (or a census), with 95% CIs. Imports no
stage: the crawl writes each sampled row's stratum, stratum size N_h and inclusion
probability, and the analyses hand those columns to the functions here.

The design (`pipeline/crawl/sampling.py`): within each stratum h of N_h units, a simple
random sample without replacement of n_h units (inclusion probability pi = n_h / N_h).

- **Horvitz-Thompson total** (`ht_total`): Y = sum over sampled units of y_i / pi_i, where
  1 / pi_i = N_h / n_h; its variance is the stratified SRSWOR variance
  sum_h N_h^2 (1 - n_h / N_h) s_h^2 / n_h (Cochran 1977, 5.6), s_h^2 the within-stratum
  sample variance of y.
- **Ratio / share** (`stratified_ratio`): R = Y / D, two HT totals (a share of a domain:
  y = in the domain and positive, d = in the domain). Variance by Taylor linearisation: the
  HT variance of z_i = (y_i - R d_i) / D (Cochran 1977, 6.11). A share of all units (d = 1)
  is the stratified mean.
- **Non-response** (a sampled unit without an answer: a failed request) is handled within
  strata: n_h counts the units that answered, so the respondents of a stratum stand for all
  of its N_h units (weighting-class adjustment, missing at random within strata).
- **Strata with one respondent** have no within-stratum variance; they borrow the pooled
  variance of z over every respondent (a conservative stand-in for collapsing strata).
- **Interval**: Wilson's score interval on Kish's effective sample size
  n_eff = R (1 - R) / Var(R) (as R's `survey::svyciprop(method = "wilson")`-style intervals
  do), so that shares near 0 or 1, such as signed commits, get an interval inside [0, 1];
  when the estimated variance is 0 but the design is not a census, n_eff is the number of
  domain respondents. The normal quantile comes from scipy.
- **Census** (every stratum fully measured, or no design columns at all): the exact value,
  variance 0, no interval (`design == "census"`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.stats import wilson_interval

CONFIDENCE = 0.95
CENSUS = "census"
SAMPLE = "stratified sample"


@dataclass(frozen=True)
class Estimate:
    """A design-based estimate: value, standard error, 95% CI, respondents (`n`, units in
    the denominator's domain) and the design (`census` or `stratified sample`)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    design: str

    @property
    def census(self) -> bool:
        return self.design == CENSUS


def _arrays(
    y: Sequence[float], strata: Sequence[object], sizes: Sequence[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    labels = pd.Series(list(strata), dtype=object).fillna("(census)").astype(str).to_numpy()
    n_big = np.asarray(sizes, dtype=float)
    if not (len(y) == len(labels) == len(n_big)):
        raise ValueError(
            f"y, strata and sizes differ in length: {len(y)}, {len(labels)}, {len(n_big)}"
        )
    return y, labels, n_big


def _strata_table(labels: np.ndarray, n_big: np.ndarray) -> pd.DataFrame:
    """Per stratum: N_h (its size) and n_h (respondents); a stratum must have one size."""
    frame = pd.DataFrame({"h": labels, "N": n_big})
    table = frame.groupby("h", sort=True)["N"].agg(["min", "max", "size"])
    bad = table[(table["min"] != table["max"]) | table["min"].isna()]
    if len(bad):
        raise ValueError(f"stratum {bad.index[0]!r} has no single size N_h")
    table = table.rename(columns={"min": "N", "size": "n"})[["N", "n"]]
    if (table["n"] > table["N"]).any():
        raise ValueError(f"stratum {table.index[table['n'] > table['N']][0]!r}: n_h > N_h")
    return table


def ht_total(
    y: Sequence[float], strata: Sequence[object], sizes: Sequence[float]
) -> tuple[float, float]:
    """The Horvitz-Thompson total of `y` over sampled units and its stratified SRSWOR
    variance (module docstring). `strata`: each unit's stratum; `sizes`: its stratum's N_h."""
    y, labels, n_big = _arrays(y, strata, sizes)
    if len(y) == 0:
        return 0.0, 0.0
    table = _strata_table(labels, n_big)
    codes = pd.Index(table.index).get_indexer(labels)
    n_h = table["n"].to_numpy(dtype=float)
    N_h = table["N"].to_numpy(dtype=float)
    sums = np.bincount(codes, weights=y, minlength=len(table))
    total = float(np.sum(N_h / n_h * sums))
    return total, _variance(y, codes, n_h, N_h)


def _variance(z: np.ndarray, codes: np.ndarray, n_h: np.ndarray, N_h: np.ndarray) -> float:
    """sum_h N_h^2 (1 - f_h) s_h^2 / n_h; singleton strata use the pooled variance of z."""
    k = len(n_h)
    means = np.bincount(codes, weights=z, minlength=k) / n_h
    squares = np.bincount(codes, weights=(z - means[codes]) ** 2, minlength=k)
    s2 = np.divide(squares, n_h - 1, out=np.zeros(k), where=n_h > 1)
    pooled = float(np.var(z, ddof=1)) if len(z) > 1 else 0.0
    s2 = np.where((n_h == 1) & (N_h > 1), pooled, s2)
    return float(np.sum(N_h**2 * (1 - n_h / N_h) * s2 / n_h))


def stratified_ratio(
    y: Sequence[float],
    d: Sequence[float],
    strata: Sequence[object],
    sizes: Sequence[float],
    confidence: float = CONFIDENCE,
) -> Estimate:
    """R = HT(y) / HT(d) with its linearised variance and a Wilson interval on the effective
    sample size; `y`, `d` per responding sampled unit (a share of a domain: d = in the
    domain, y = in it and positive). Census when every stratum has n_h = N_h."""
    y, labels, n_big = _arrays(y, strata, sizes)
    d = np.asarray(d, dtype=float)
    n_domain = int(np.count_nonzero(d))
    if len(y) == 0 or n_domain == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, n_domain, SAMPLE)
    table = _strata_table(labels, n_big)
    codes = pd.Index(table.index).get_indexer(labels)
    n_h = table["n"].to_numpy(dtype=float)
    N_h = table["N"].to_numpy(dtype=float)
    weights = (N_h / n_h)[codes]
    total_y, total_d = float(np.sum(weights * y)), float(np.sum(weights * d))
    ratio = total_y / total_d
    if np.all(n_h == N_h):
        return Estimate(ratio, 0.0, math.nan, math.nan, n_domain, CENSUS)
    variance = _variance((y - ratio * d) / total_d, codes, n_h, N_h)
    low, high = wilson_effective(ratio, variance, n_domain, confidence)
    return Estimate(ratio, math.sqrt(variance), low, high, n_domain, SAMPLE)


def stratified_share(
    y: Sequence[bool], strata: Sequence[object], sizes: Sequence[float]
) -> Estimate:
    """The share of all units with `y` (the stratified mean of a 0/1 variable)."""
    y = np.asarray(y, dtype=float)
    return stratified_ratio(y, np.ones_like(y), strata, sizes)


def effective_size(share: float, variance: float, n: int) -> float:
    """Kish's effective sample size share (1 - share) / variance; `n` when that is undefined
    (a share of 0 or 1, or no variance)."""
    if variance > 0 and 0 < share < 1:
        return share * (1 - share) / variance
    return float(n)


def wilson_effective(
    share: float, variance: float, n: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Wilson's score interval for `share` with Kish's effective sample size."""
    n_eff = effective_size(share, variance, n)
    if n_eff <= 0 or math.isnan(share):
        return math.nan, math.nan
    return wilson_interval(min(max(share, 0.0), 1.0) * n_eff, n_eff, confidence)


DESIGN_COLUMNS = ("sample_stratum", "inclusion_probability", "stratum_size")


def design_of(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, bool]:
    """(strata, N_h, sampled?) of a snapshot table's rows from its design columns. A table
    without a sampled row (a census, or a snapshot from before the sampling design) is one
    stratum whose size is its number of rows, which makes every estimate a census; rows of
    a sampled table without design columns count as a stratum measured whole."""
    n = len(rows)
    nulls = pd.Series([np.nan] * n, index=rows.index)
    pi = pd.to_numeric(rows.get("inclusion_probability", nulls), errors="coerce")
    size = pd.to_numeric(rows.get("stratum_size", nulls), errors="coerce")
    designed = (pi.notna() & size.notna()).to_numpy()
    if not (pi[designed] < 1).any():
        return np.full(n, CENSUS, dtype=object), np.full(n, float(n)), False
    strata = rows.get("sample_stratum", nulls).astype(object).to_numpy()
    strata = np.where(designed, strata, "(unweighted)")
    sizes = np.where(designed, size.to_numpy(dtype=float), float((~designed).sum()))
    return strata, sizes, True
