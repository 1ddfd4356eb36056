"""Recorded listings and the INFERRED renames derived from them, for the replay Hub's
`names.jsonl.gz` (see `pipeline/hub/replay/names.py` and `infer.py`).

Used by `build_sample.py` (the bundled sample) and `benchmarks/names.py` (the full
380-page listing). Every record is a real recorded listing item in a provenance envelope;
every rename written here is labelled `inferred` with the rule that produced it.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.crawl.records import base_models_of, datasets_of  # noqa: E402
from pipeline.hub.replay.infer import (  # noqa: E402
    DATASET_PLACEHOLDER,
    MODEL_PLACEHOLDER,
    infer_legacy_renames,
)
from pipeline.hub.replay.names import Rename, names_lines  # noqa: E402


def iso_date(mm_dd_yyyy: str) -> str:
    month, day, year = mm_dd_yyyy.split("-")
    return f"{year}-{month}-{day}"


def listing_envelopes(folder: Path, pattern: str, kind: str) -> Iterator[dict]:
    """Every item of the recorded pages matching `pattern`, first occurrence, in an envelope."""
    seen: set[str] = set()
    pages = sorted(folder.glob(pattern), key=lambda p: int(p.name.split("_")[1][4:]))
    for page in pages:
        date = iso_date(page.name.rsplit("_", 1)[1].removesuffix(".json.gz"))
        for item in json.loads(gzip.decompress(page.read_bytes())):
            if (
                isinstance(item, dict)
                and isinstance(item.get("id"), str)
                and item["id"] not in seen
            ):
                seen.add(item["id"])
                source = f"hub-2024-07/{folder.name}/{page.name}"
                yield {"kind": kind, "recorded_at": date, "source": source, "record": item}


def references(records: Iterable[dict]) -> tuple[set[str], set[str]]:
    """(base-model names, dataset names) the records reference, as written."""
    bases: set[str] = set()
    datasets: set[str] = set()
    for record in records:
        tags = record.get("tags") if isinstance(record.get("tags"), list) else None
        card = record.get("cardData") if isinstance(record.get("cardData"), dict) else {}
        bases.update(base_models_of(tags, card))
        datasets.update(d.strip() for d in datasets_of(tags, card))
    return bases, datasets


def names_for(
    listed: set[str],
    model_names: set[str],
    dataset_names: set[str],
    model_pool: list[dict],
    dataset_pool: list[dict],
) -> tuple[list[dict], list[dict], list[Rename]]:
    """Unlisted model envelopes, dataset envelopes and inferred renames for these names.

    `model_pool`/`dataset_pool` are recorded listing envelopes; a rename is inferred from all
    of them (the rule needs the whole listing), and its target's record is served."""
    model_records = [e["record"] for e in model_pool]
    renames = infer_legacy_renames(model_names - listed, model_records, MODEL_PLACEHOLDER, "model")
    targets = {r.new for r in renames} - listed
    models = [e for e in model_pool if e["record"]["id"] in targets]
    dataset_records = [e["record"] for e in dataset_pool]
    dataset_renames = infer_legacy_renames(
        dataset_names, dataset_records, DATASET_PLACEHOLDER, "dataset"
    )
    wanted = set(dataset_names) | {r.new for r in dataset_renames}
    datasets = [e for e in dataset_pool if e["record"]["id"] in wanted]
    return models, datasets, [*renames, *dataset_renames]


def names_file_lines(models: list[dict], datasets: list[dict], renames: list[Rename]) -> list[str]:
    """`names.jsonl.gz` lines: envelopes with kind `model` / `dataset`, then the renames."""
    as_kind = [{**e, "kind": "model"} for e in models]
    return names_lines(as_kind, [{**e, "kind": "dataset"} for e in datasets], renames)
