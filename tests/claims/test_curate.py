"""The curated data: checksums hold, the README states sources and licences, and the
curation rebuilds the same bytes from ../shared (skipped where ../shared is absent)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline.claims.curate import CARD_SAMPLES, curate
from tests.claims.conftest import CLAIMS_DATA, ROOT

SHARED = ROOT.parent / "shared"


def _sums() -> dict[str, str]:
    lines = (CLAIMS_DATA / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def test_checksums_cover_every_curated_file() -> None:
    sums = _sums()
    files = {
        p.relative_to(CLAIMS_DATA).as_posix()
        for p in CLAIMS_DATA.rglob("*")
        if p.is_file() and p.name not in ("SHA256SUMS", "README.md")
    }
    assert files == set(sums)
    for name, digest in sums.items():
        assert hashlib.sha256((CLAIMS_DATA / name).read_bytes()).hexdigest() == digest, name
    assert CARD_SAMPLES in sums
    total = sum((CLAIMS_DATA / name).stat().st_size for name in sums)
    assert total < 3_000_000  # "a few MB at most"


def test_readme_names_sources_and_licences() -> None:
    text = (CLAIMS_DATA / "README.md").read_text(encoding="utf-8")
    for needed in (
        "arXiv:2503.15222",
        "Open LLM Leaderboard",
        "licence",
        "unspecified",
        "python -m pipeline.claims.curate",
    ):
        assert needed in text


@pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="../shared is not available")
def test_curation_is_deterministic(tmp_path: Path) -> None:
    written = curate(SHARED, tmp_path)
    assert written[-1].name == "SHA256SUMS"
    for path in written:
        relative = path.relative_to(tmp_path)
        assert path.read_bytes() == (CLAIMS_DATA / relative).read_bytes(), relative
