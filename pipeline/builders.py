"""The `datasets` library's packaged builders: names a model card may give as its "dataset"
that are not Hub datasets but the loader of local files (`load_dataset("imagefolder",
data_dir=...)`).

Source: huggingface/datasets, `src/datasets/packaged_modules/__init__.py` at commit 01fa43b
(the builders imported there: arrow, audiofolder, cache, csv, imagefolder, json, pandas,
parquet, pdffolder, sql, text, videofolder, webdataset, xml), plus the packaged modules
`generator` (`Dataset.from_generator`) and `spark` (`Dataset.from_spark`) of the same folder.
Shared by every stage; imports nothing.
"""

from __future__ import annotations

BUILDERS: frozenset[str] = frozenset(
    {
        "arrow",
        "audiofolder",
        "cache",
        "csv",
        "generator",
        "imagefolder",
        "json",
        "pandas",
        "parquet",
        "pdffolder",
        "spark",
        "sql",
        "text",
        "videofolder",
        "webdataset",
        "xml",
    }
)
LOCAL_FILES = "local files"


def is_builder(name: str) -> bool:
    """Whether a dataset name, as written, is one of the packaged builders (case-insensitive)."""
    return name.strip().lower() in BUILDERS
