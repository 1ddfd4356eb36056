"""Measurements: the CSV import format, the Open LLM Leaderboard loader (checked against a
plain csv-module count of the curated files) and Hub-verified values."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from pipeline.claims.errors import MeasurementsError
from pipeline.claims.measurements import (
    LEADERBOARD_DIR,
    hub_verified_measurements,
    leaderboard_measurements,
    load_source,
    read_measurements_csv,
)
from pipeline.claims.schema import MEASUREMENTS_COLUMNS
from tests.claims.conftest import CLAIMS_DATA

HEADER = ",".join(MEASUREMENTS_COLUMNS)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "measured.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_format_round_trip(tmp_path: Path) -> None:
    # synthetic rows in the documented format (columns in another order are fine)
    path = _write(
        tmp_path,
        "value,scale,model_id,metric,source,dataset,split\n"
        "0.912,fraction,a/b,accuracy,own-run,glue,validation\n"
        "55.1,percent,c/d,acc_norm,own-run,,\n",
    )
    table = read_measurements_csv(path)
    assert list(table.columns) == MEASUREMENTS_COLUMNS
    assert table["value"].tolist() == [0.912, 55.1]
    assert table["dataset"].tolist()[1] is None or pd.isna(table["dataset"].tolist()[1])
    assert table["measured_at"].isna().all()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model_id,metric,value,scale\na/b,acc,1,fraction\n", r"missing column\(s\) \['source'\]"),
        (f"{HEADER}\na/b,,,,accuracy,zero,fraction,x,,\n", r"line 2: value 'zero' is not a number"),
        (f"{HEADER}\na/b,,,,accuracy,0.5,ratio,x,,\n", r"line 2: scale 'ratio'"),
        (f"{HEADER}\n,,,,accuracy,0.5,fraction,x,,\n", r"line 2: empty model_id"),
        (f"{HEADER}\na/b,,,,accuracy,nan,fraction,x,,\n", r"line 2: value 'nan' is not finite"),
    ],
)
def test_import_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(MeasurementsError, match=message) as error:
        read_measurements_csv(path)
    assert str(path) in str(error.value)


def test_missing_file_and_unknown_source(tmp_path: Path) -> None:
    with pytest.raises(MeasurementsError, match="not found"):
        read_measurements_csv(tmp_path / "absent.csv")
    with pytest.raises(MeasurementsError, match=r"unknown measurements source 'papers'"):
        load_source("papers")


def _independent_leaderboard_count(folder: Path) -> tuple[int, set[str]]:
    """Benchmark cells with a number, read with the csv module (BOM and header variants)."""
    count, dates = 0, set()
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            for column, cell in row.items():
                name = column.replace(" ", "")
                if name.split("(")[0] in ("ARC", "HellaSwag", "MMLU", "TruthfulQA") and cell:
                    count += math.isfinite(float(cell))
        dates.add(f"{path.stem[:4]}-{path.stem[4:6]}-{path.stem[6:]}")
    return count, dates


def test_leaderboard_loader_counts() -> None:
    folder = CLAIMS_DATA / LEADERBOARD_DIR
    table = leaderboard_measurements(folder)
    expected, dates = _independent_leaderboard_count(folder)
    assert len(table) == expected == 15300
    assert set(table["measured_at"]) == dates
    assert set(table["scale"]) == {"percent"}
    assert table["value"].between(0, 100).all()
    assert set(table["metric"]) == {"acc_norm", "acc", "mc2"}


def test_leaderboard_row_values() -> None:
    table = leaderboard_measurements(CLAIMS_DATA / LEADERBOARD_DIR)
    # 20230531.csv: tiiuae/falcon-40b,60.4,61.9,85.3,52.7,41.7,...
    rows = table[
        (table["model_id"] == "tiiuae/falcon-40b") & (table["measured_at"] == "2023-05-31")
    ]
    got = dict(zip(rows["dataset"], rows["value"], strict=True))
    assert got == {"ai2_arc": 61.9, "hellaswag": 85.3, "cais/mmlu": 52.7, "truthful_qa": 41.7}
    # a model listed twice in one snapshot keeps both rows
    twice = table[
        (table["model_id"] == "FelixChao/vicuna-33b-coder")
        & (table["measured_at"] == "2023-08-25")
        & (table["dataset"] == "ai2_arc")
    ]
    assert sorted(twice["value"]) == [60.4, 60.7]


def test_leaderboard_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(MeasurementsError, match="no leaderboard snapshots"):
        leaderboard_measurements(tmp_path)
    (tmp_path / "20230101.csv").write_text("a,b\n1,2\n")
    with pytest.raises(MeasurementsError, match=r"20230101\.csv: not a leaderboard snapshot"):
        leaderboard_measurements(tmp_path)


def test_hub_verified(sample_claims: pd.DataFrame) -> None:
    assert hub_verified_measurements(sample_claims).empty  # the sample has none
    # synthetic: one verified, parsed claim and one verified but unparsed
    claims = pd.DataFrame(
        [
            {
                "model_id": "a/b",
                "source": "model-index",
                "location": "model-index[0]",
                "dataset_type": "glue",
                "dataset_config": "sst2",
                "dataset_split": "validation",
                "metric": "accuracy",
                "value": 0.92,
                "unit_scale": "fraction",
                "parse_status": "ok",
                "verified": True,
            },
            {
                "model_id": "a/b",
                "source": "model-index",
                "location": "model-index[1]",
                "metric": "f1",
                "value": None,
                "unit_scale": None,
                "parse_status": "unparsed",
                "verified": True,
            },
        ]
    )
    table = hub_verified_measurements(claims)
    assert table[
        ["dataset", "dataset_config", "split", "metric", "value", "scale", "source"]
    ].values.tolist() == [
        ["glue", "sst2", "validation", "accuracy", 0.92, "fraction", "hub-verified"]
    ]
    assert load_source("hub-verified", None).empty
