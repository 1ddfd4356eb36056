"""The per-model factors on hand-made rows and on the bundled sample's facts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.crawl.records import parse_model_record
from pipeline.evolution.factors import FACTORS, factor_shares, model_factors


def test_each_factor_on_hand_made_rows() -> None:
    models = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "card_data": ['{"license": "mit"}', "{}", None],
            "tags": [np.array(["model-index", "arxiv:1", "safetensors"]), np.array([]), None],
            "license": ["mit", "other", None],
            "pipeline_tag": ["fill-mask", "", None],
            "library_name": ["transformers", None, None],
            "base_models": [np.array(["x/y"]), np.array([]), None],
            "datasets": [["d"], [], None],
            "safetensors_total": [None, 10, None],
        }
    )
    factors = model_factors(models).set_index("id")
    assert factors.loc["a"].all()
    assert factors.loc["b"].tolist() == [False] * 8 + [True]  # only safetensors_total
    assert not factors.loc["c"].any()
    assert list(factors.columns) == list(FACTORS)


def test_missing_source_columns_leave_the_factor_out() -> None:
    factors = model_factors(pd.DataFrame({"id": ["a"], "license": ["apache-2.0"]}))
    assert list(factors.columns) == ["id", "license"]
    assert factor_shares(factors).to_dict() == {"license": 1.0}


def test_the_model_index_factor_is_the_hubs_tag(sample_records: list[dict]) -> None:
    # data/README.md: the `model-index` tag is on 1,060 of the 7,868 models.
    models = pd.DataFrame([parse_model_record(r) for r in sample_records])
    factors = model_factors(models)
    assert int(factors["model_index"].sum()) == 1060
    assert len(factors) == 7868
