"""The design-based estimators (`pipeline/estimate.py`) against hand computation on small
synthetic populations (made up for the arithmetic, labelled as such), and the 95% CIs'
coverage on a real population whose census is known: the bundled sample (7,868 real models
recorded in July 2024)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.crawl.sampling import draw, model_strata
from pipeline.estimate import (
    CENSUS,
    design_of,
    effective_size,
    ht_total,
    stratified_ratio,
    stratified_share,
    wilson_effective,
)

# Synthetic: stratum A has N=4 units, 2 sampled (y = 1, 0); stratum B has N=6, 3 sampled
# (y = 1, 1, 0).
Y = [1, 0, 1, 1, 0]
STRATA = ["A", "A", "B", "B", "B"]
SIZES = [4, 4, 6, 6, 6]


def test_horvitz_thompson_total_and_variance_by_hand() -> None:
    total, variance = ht_total(Y, STRATA, SIZES)
    # 4/2 * 1 + 6/3 * 2 = 6; variance: A 16 (1 - 1/2) 0.5 / 2 = 2, B 36 (1 - 1/2) (1/3) / 3 = 2
    assert total == pytest.approx(6.0)
    assert variance == pytest.approx(4.0)


def test_stratified_share_by_hand() -> None:
    estimate = stratified_share(np.array(Y, dtype=bool), STRATA, SIZES)
    # 6 / 10; variance sum W_h^2 (1 - f_h) s_h^2 / n_h = 0.16*0.5*0.5/2 + 0.36*0.5*(1/3)/3
    assert estimate.estimate == pytest.approx(0.6)
    assert estimate.se == pytest.approx(math.sqrt(0.04))
    assert estimate.n == 5 and estimate.design == "stratified sample"
    # Wilson on Kish's effective size 0.6 * 0.4 / 0.04 = 6, written out by hand
    z, n_eff, p = 1.959963984540054, 6.0, 0.6
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff**2)) / (1 + z * z / n_eff)
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((centre - half, centre + half))


def test_ratio_of_a_domain_by_hand() -> None:
    d = [1, 1, 1, 0, 1]
    y = [1, 0, 1, 0, 0]
    estimate = stratified_ratio(y, d, STRATA, SIZES)
    # Y = 2*1 + 2*1 = 4, D = 2*2 + 2*2 = 8; linearised z = (y - 0.5 d) / 8:
    # A: s^2 = 2 * 0.0625^2 = 0.0078125 -> 16*0.5*0.0078125/2 = 0.03125
    # B: z = 0.0625, 0, -0.0625 -> s^2 = 0.00390625 -> 36*0.5*0.00390625/3 = 0.0234375
    assert estimate.estimate == pytest.approx(0.5)
    assert estimate.se**2 == pytest.approx(0.03125 + 0.0234375)
    assert estimate.n == 4


def test_a_census_is_exact_without_an_interval() -> None:
    estimate = stratified_share([True, False, True], ["A", "A", "B"], [2, 2, 1])
    assert estimate.design == CENSUS and estimate.estimate == pytest.approx(2 / 3)
    assert math.isnan(estimate.ci_low) and math.isnan(estimate.ci_high) and estimate.se == 0
    _strata, sizes, sampled = design_of(pd.DataFrame({"model_id": ["a", "b"]}))
    assert not sampled and list(sizes) == [2.0, 2.0]


def test_singleton_strata_borrow_the_pooled_variance_and_bad_designs_fail() -> None:
    estimate = stratified_share([1, 0, 1], ["A", "B", "B"], [10, 5, 5])
    assert estimate.se > 0  # stratum A (n=1) gets the pooled variance, not 0
    with pytest.raises(ValueError, match="n_h > N_h"):
        ht_total([1, 1, 1], ["A", "A", "A"], [2, 2, 2])
    with pytest.raises(ValueError, match="single size"):
        ht_total([1, 1], ["A", "A"], [2, 3])


def test_shares_of_zero_keep_an_interval_inside_zero_one() -> None:
    estimate = stratified_share([0] * 40, ["A"] * 20 + ["B"] * 20, [1000] * 20 + [500] * 20)
    assert estimate.estimate == 0 and estimate.ci_low == 0 and 0 < estimate.ci_high < 0.1
    assert effective_size(0.0, 0.0, 40) == 40
    assert wilson_effective(0.2, 0.0016, 10) == pytest.approx(wilson_effective(0.2, 0.0016, 99))


# -- coverage on the bundled sample --------------------------------------------------------

REPETITIONS = 200
SAMPLE_SIZE = 400


def population(records: list[dict]) -> pd.DataFrame:
    """The bundled sample's models with three real per-model quantities, read from the raw
    records: card data present, the Hub's `model-index` tag, a `license:` tag."""
    return pd.DataFrame(
        {
            "id": [r["id"] for r in records],
            "downloads": [r.get("downloads") for r in records],
            "pipeline_tag": [r.get("pipeline_tag") for r in records],
            "card_data": [bool(r.get("cardData")) for r in records],
            "model_index": ["model-index" in (r.get("tags") or []) for r in records],
            "license": [
                any(str(t).startswith("license:") for t in (r.get("tags") or [])) for r in records
            ],
        }
    )


def coverage_band(repetitions: int, level: float = 0.95) -> tuple[int, int]:
    """The central 99.8% range of Binomial(repetitions, 0.95): CI hits a correct 95%
    interval would land outside it with probability about 0.002."""
    low, high = stats.binom.interval(0.998, repetitions, level)
    return int(low), int(high)


@pytest.mark.parametrize("quantity", ["card_data", "model_index", "license"])
def test_95_percent_intervals_cover_the_census_value(
    sample_records: list[dict], quantity: str
) -> None:
    models = population(sample_records)
    census_value = models[quantity].mean()
    frame = pd.DataFrame(
        {"id": models["id"], "stratum": model_strata(models, SAMPLE_SIZE / len(models))}
    )
    y = models.set_index("id")[quantity]
    hits = 0
    for seed in range(REPETITIONS):
        units = draw(frame, SAMPLE_SIZE, seed).units
        estimate = stratified_share(
            y.reindex(units["id"]).to_numpy(), units["stratum"], units["stratum_size"]
        )
        assert estimate.design == "stratified sample"
        hits += estimate.ci_low <= census_value <= estimate.ci_high
    low, high = coverage_band(REPETITIONS)  # (179, 198) for 200 repetitions
    print(f"{quantity}: {hits}/{REPETITIONS} intervals contain the census {census_value:.4f}")
    assert low <= hits <= high, (quantity, hits, (low, high))
