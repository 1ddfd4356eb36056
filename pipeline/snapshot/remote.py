"""Snapshots on any storage fsspec reaches (s3://, gs://, az://, file://, memory://, ...).

A crawl always writes to a local store first, where parts are renamed into place and the
progress log is appended (neither is possible on an object store); that is what makes it
resumable. Once complete, `publish_snapshot` copies the folder to the remote store with
`manifest.json` last, so a remote snapshot is complete exactly when its manifest exists,
as locally. `fetch_snapshot` brings a remote snapshot into a local cache for the analyses
and refuses one without a manifest.
"""

from __future__ import annotations

from pathlib import Path

import fsspec

from pipeline.errors import SnapshotError
from pipeline.snapshot.writer import MANIFEST, PROGRESS

# Files of a local snapshot that only serve the crawl that wrote it.
LOCAL_ONLY = {PROGRESS}


def is_remote(location: str | Path) -> bool:
    """True for a URL with a protocol (`s3://...`, `file://...`), False for a plain path."""
    return "://" in str(location)


def publish_snapshot(folder: Path, store_url: str) -> str:
    """Copy a complete local snapshot to `<store_url>/<snapshot id>`; the manifest goes last.

    Returns the remote snapshot URL. Republishing overwrites the same files.
    """
    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        raise SnapshotError(f"snapshot {folder} is incomplete (no {MANIFEST}): not published")
    try:
        fs, root = fsspec.core.url_to_fs(store_url)
    except (ImportError, ValueError) as error:
        raise SnapshotError(f"cannot open the store {store_url}: {error}") from error
    target = f"{root.rstrip('/')}/{folder.name}"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in LOCAL_ONLY)
    try:
        for path in files:
            if path.name == MANIFEST or path.name.startswith("."):
                continue
            relative = path.relative_to(folder).as_posix()
            fs.makedirs(f"{target}/{relative}".rsplit("/", 1)[0], exist_ok=True)
            fs.put_file(str(path), f"{target}/{relative}")
        fs.put_file(str(folder / MANIFEST), f"{target}/{MANIFEST}")
    except OSError as error:
        raise SnapshotError(f"cannot publish {folder} to {store_url}: {error}") from error
    return f"{store_url.rstrip('/')}/{folder.name}"


def fetch_snapshot(url: str, cache: Path) -> Path:
    """A local copy of the remote snapshot at `url` under `cache` (reused when complete)."""
    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as error:
        raise SnapshotError(f"cannot open {url}: {error}") from error
    root = root.rstrip("/")
    name = root.rsplit("/", 1)[-1]
    local = Path(cache) / name
    if (local / MANIFEST).is_file():
        return local
    if not fs.exists(f"{root}/{MANIFEST}"):
        raise SnapshotError(f"snapshot {url} is incomplete or missing: it has no {MANIFEST}")
    for remote in sorted(fs.find(root)):
        relative = remote[len(root) :].lstrip("/")
        if relative == MANIFEST:
            continue
        target = local / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        fs.get_file(remote, str(target))
    fs.get_file(f"{root}/{MANIFEST}", str(local / MANIFEST))
    return local
