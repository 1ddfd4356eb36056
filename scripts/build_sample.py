"""Rebuild the bundled sample `data/hub-2024-07/` from the recordings in `../shared/data`.

Usage:  python scripts/build_sample.py [--shared ../shared] [--out data/hub-2024-07]

What it takes (see data/README.md for sources and licences):

* every per-model record in `hub-2024-07/model_data/*.zip` (the raw `GET /api/models/{id}`
  answers recorded 2024-07-09..11), kept byte-for-byte as JSON, in a provenance envelope;
* the real README.md model cards of `model-cards/readme-with-yaml/` whose model appears in
  the recorded listing pages; those models enter the sample with their listing item as
  their record (`kind: "listing"`), since no per-model record of them was recorded.

Records are written in the Hub's `sort=downloads` order (descending, ties by id), one
JSON envelope a line, gzipped. The output is deterministic: running the script twice gives
identical bytes.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

RECORD_NAME = re.compile(
    r"^(?P<author>.+?)_!##\+\+##!_(?P<name>.+)_(?P<date>\d\d-\d\d-\d{4})\.json$"
)


def iso_date(mm_dd_yyyy: str) -> str:
    month, day, year = mm_dd_yyyy.split("-")
    return f"{year}-{month}-{day}"


def read_model_records(model_data: Path) -> list[dict]:
    """Every recorded model_info answer, wrapped in a provenance envelope."""
    envelopes = []
    for archive in sorted(model_data.glob("*.zip")):
        with zipfile.ZipFile(archive) as zf:
            for info in sorted(zf.infolist(), key=lambda i: i.filename):
                match = RECORD_NAME.match(Path(info.filename).name)
                if info.is_dir() or not match:
                    continue
                record = json.loads(zf.read(info).decode("utf-8"))
                envelopes.append(
                    {
                        "kind": "model_info",
                        "recorded_at": iso_date(match["date"]),
                        "requested_id": f"{match['author']}/{match['name']}",
                        "source": f"hub-2024-07/model_data/{archive.name}:{info.filename}",
                        "record": record,
                    }
                )
    return envelopes


def read_listing_items(model_lists: Path, wanted: set[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for page in sorted(model_lists.glob("models_page*_*.json.gz")):
        for item in json.loads(gzip.decompress(page.read_bytes())):
            if item.get("id") in wanted:
                date = page.name.rsplit("_", 1)[1].removesuffix(".json.gz")
                found[item["id"]] = {
                    "kind": "listing",
                    "recorded_at": iso_date(date),
                    "requested_id": item["id"],
                    "source": f"hub-2024-07/model_lists/{page.name}",
                    "record": item,
                }
    return found


def card_model_id(card: Path) -> str:
    author, name = card.stem.split("__", 1)
    return f"{author}/{name}"


def build(shared: Path, out: Path) -> dict[str, int]:
    envelopes = read_model_records(shared / "data/hub-2024-07/model_data")
    known = {e["record"]["id"] for e in envelopes}
    cards = {
        card_model_id(p): p
        for p in sorted((shared / "data/model-cards/readme-with-yaml").glob("*.md"))
    }
    listed = read_listing_items(shared / "data/hub-2024-07/model_lists", set(cards) - known)
    envelopes.extend(listed.values())
    envelopes.sort(key=lambda e: (-int(e["record"].get("downloads") or 0), e["record"]["id"]))

    out.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    # mtime=0 keeps the gzip header, and so the file, identical across rebuilds.
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz:
        for envelope in envelopes:
            gz.write(
                json.dumps(envelope, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
            )
    (out / "models.jsonl.gz").write_bytes(buffer.getvalue())

    readmes = out / "readmes"
    readmes.mkdir(exist_ok=True)
    served = {e["record"]["id"] for e in envelopes}
    n_readmes = 0
    for model_id, card in cards.items():
        if model_id in served:
            (readmes / card.name).write_bytes(card.read_bytes())
            n_readmes += 1
    names = build_names(shared, out, envelopes)
    return {
        **names,
        "models": len(envelopes),
        "model_info_records": sum(e["kind"] == "model_info" for e in envelopes),
        "listing_records": sum(e["kind"] == "listing" for e in envelopes),
        "readmes": n_readmes,
        "renamed": sum(e["requested_id"] != e["record"]["id"] for e in envelopes),
    }


def build_names(shared: Path, out: Path, envelopes: list[dict]) -> dict[str, int]:
    """`names.jsonl.gz`: the datasets the sample's models name (recorded dataset listing
    items), and INFERRED renames (labelled so) of the legacy model and dataset names they
    reference, with their targets' recorded listing items (served, not listed)."""
    from names_data import listing_envelopes, names_file_lines, names_for, references

    from pipeline.hub.replay.names import NAMES_FILE, write_names

    recorded = shared / "data/hub-2024-07"
    records = [e["record"] for e in envelopes]
    bases, datasets = references(records)
    models, dataset_records, renames = names_for(
        {r["id"] for r in records},
        bases,
        datasets,
        list(listing_envelopes(recorded / "model_lists", "models_page*.json.gz", "listing")),
        list(listing_envelopes(recorded / "dataset_lists", "datasets_page*.json.gz", "listing")),
    )
    write_names(out / NAMES_FILE, names_file_lines(models, dataset_records, renames))
    return {
        "unlisted_models": len(models),
        "datasets": len(dataset_records),
        "inferred_model_renames": sum(r.repo_type == "model" for r in renames),
        "inferred_dataset_renames": sum(r.repo_type == "dataset" for r in renames),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--shared", type=Path, default=root.parent / "shared")
    parser.add_argument("--out", type=Path, default=root / "data/hub-2024-07")
    args = parser.parse_args()
    counts = build(args.shared, args.out)
    print(json.dumps(counts, indent=2))


if __name__ == "__main__":
    main()
