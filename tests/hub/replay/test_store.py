"""ReplayStore: loading the real sample, renames, READMEs, clear errors on bad data."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest

from pipeline.hub.replay.store import ReplayStore, placeholder_commit, readme_file_name
from tests.hub.replay.helpers import synthetic_record


def test_load_keeps_every_record_in_stored_order(sample_store, sample_records):
    assert len(sample_store) == len(sample_records) == 7868
    assert sample_store.models == sample_records
    assert sample_store.get("Qwen/Qwen-VL-Chat") == sample_records[0]
    assert sample_store.get("no/such-model") is None


def test_load_turns_requested_ids_into_renames(sample_store):
    # The six envelopes of the bundled sample whose requested id differs from the record's id.
    assert dict(sample_store.renamed) == {
        "222gate/blurdus-7b-v0.1": "gate369/Blurdus-7b-v0.1",
        "222gate/blurred-beagle-7b-slerp": "gate369/Blurred-Beagle-7b-slerp",
        "222gate/brurrydog-7b-v0.1": "gate369/BrurryDog-7b-v0.1",
        "222gate/ingot-7b-slerp-7-forged-mirror": "gate369/Ingot-7b-slerp-7-forged-mirror",
        "qblocks/mistral_7b_norobots": "monsterapi/mistral_7b_norobots",
        "qblocks/zephyr_7b_norobots": "monsterapi/zephyr_7b_norobots",
    }
    assert all(sample_store.get(new) for new in sample_store.renamed.values())


def test_readmes_are_the_recorded_bytes(sample_store, sample_dir):
    files = sorted((sample_dir / "readmes").glob("*.md"))
    assert len(files) == 15
    for path in files:
        model_id = next(
            m["id"] for m in sample_store.models if readme_file_name(m["id"]) == path.name
        )
        assert sample_store.readme(model_id) == path.read_bytes()
    assert sample_store.readme("Qwen/Qwen-VL-Chat") is None


def test_commit_is_recorded_sha_or_documented_placeholder(sample_store, sample_records):
    with_sha = next(r for r in sample_records if "sha" in r)
    without_sha = next(r for r in sample_records if "sha" not in r)
    assert sample_store.commit(with_sha["id"]) == with_sha["sha"]
    expected = hashlib.sha1(b"replay-unrecorded:" + without_sha["id"].encode()).hexdigest()
    assert sample_store.commit(without_sha["id"]) == placeholder_commit(without_sha["id"])
    assert placeholder_commit(without_sha["id"]) == expected


def test_missing_directory_names_the_path(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        ReplayStore.load(missing)
    with pytest.raises(FileNotFoundError, match=r"models\.jsonl\.gz"):
        ReplayStore.load(tmp_path)


def _write_models(folder: Path, lines: list[str]) -> None:
    with gzip.open(folder / "models.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


def test_malformed_line_names_file_and_line(tmp_path):
    # SYNTHETIC data: a valid envelope followed by a broken line.
    good = {"kind": "model_info", "requested_id": "a/b", "record": synthetic_record("a/b")}
    _write_models(tmp_path, [json.dumps(good), "{not json"])
    with pytest.raises(ValueError, match=r"models\.jsonl\.gz:2: not valid JSON"):
        ReplayStore.load(tmp_path)


def test_envelope_without_record_id_is_rejected(tmp_path):
    # SYNTHETIC data: an envelope whose record has no id.
    _write_models(tmp_path, [json.dumps({"kind": "listing", "record": {"likes": 1}})])
    with pytest.raises(ValueError, match=r":1: expected a JSON object with a string 'id'"):
        ReplayStore.load(tmp_path)


def test_unknown_kind_and_orphan_readme_are_rejected(tmp_path):
    # SYNTHETIC data.
    _write_models(tmp_path, [json.dumps({"kind": "other", "record": synthetic_record("a/b")})])
    with pytest.raises(ValueError, match="'kind' must be one of"):
        ReplayStore.load(tmp_path)
    _write_models(tmp_path, [json.dumps({"kind": "listing", "record": synthetic_record("a/b")})])
    (tmp_path / "readmes").mkdir()
    (tmp_path / "readmes" / "x__y.md").write_text("# y")
    with pytest.raises(ValueError, match=r"x__y\.md: no model"):
        ReplayStore.load(tmp_path)


def test_orgs_file_is_optional_and_served_by_name(tmp_path):
    # SYNTHETIC data: one model and one org overview.
    _write_models(tmp_path, [json.dumps({"kind": "listing", "record": synthetic_record("a/b")})])
    assert ReplayStore.load(tmp_path).org("acme") is None
    (tmp_path / "orgs.jsonl").write_text(json.dumps({"name": "acme", "numModels": 3}) + "\n")
    assert ReplayStore.load(tmp_path).org("acme") == {"name": "acme", "numModels": 3}
    (tmp_path / "orgs.jsonl").write_text("[]\n")
    with pytest.raises(ValueError, match=r"orgs\.jsonl:1"):
        ReplayStore.load(tmp_path)


def test_with_overrides_changes_only_the_named_model(sample_store, sample_records):
    model_id = sample_records[3]["id"]
    gated = sample_store.with_overrides({model_id: {"gated": "manual"}})
    assert gated.get(model_id)["gated"] == "manual"
    assert sample_store.get(model_id)["gated"] is False
    assert gated.get(sample_records[4]["id"]) == sample_records[4]
    with pytest.raises(KeyError, match="no/such"):
        sample_store.with_overrides({"no/such": {"private": True}})


def test_from_records_rejects_duplicates_and_dangling_renames():
    # SYNTHETIC records.
    record = synthetic_record("a/b")
    with pytest.raises(ValueError, match="duplicate model id 'a/b'"):
        ReplayStore.from_records([record, dict(record)])
    with pytest.raises(ValueError, match="no record has id 'c/d'"):
        ReplayStore.from_records([record], renames={"old/x": "c/d"})
