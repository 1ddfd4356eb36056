"""The Hub's wire protocol as the crawler relies on it: header names, error codes and exact
messages (docs/hub-api.md §6, §11.6), plus the two headers only a replay Hub sends.

Pure constants and one validator, no I/O. The client (`pipeline.hub.client`) reads them,
and the replay Hub (`pipeline.hub.replay`, a test double) imports them to answer in the same
shape; nothing here imports the replay.
"""

from __future__ import annotations

from pathlib import PurePosixPath

ERROR_CODE_HEADER = "X-Error-Code"
ERROR_MESSAGE_HEADER = "X-Error-Message"

# `X-Error-Code` values (docs/hub-api.md §6), matched by huggingface_hub.hf_raise_for_status.
REPO_NOT_FOUND = "RepoNotFound"
REVISION_NOT_FOUND = "RevisionNotFound"
ENTRY_NOT_FOUND = "EntryNotFound"
GATED_REPO = "GatedRepo"

# Exact messages the official client matches on (docs/hub-api.md §6 and §11.6).
DISABLED_MESSAGE = "Access to this resource is disabled."
INVALID_CREDENTIALS_MESSAGE = "Invalid credentials in Authorization header"

# Replay-only headers (the live Hub never sends them): when the served data was recorded, and
# that a file exists in the repo but its content was not recorded (unknown, not absent).
RECORDED_AT_HEADER = "X-Replay-Recorded-At"
NOT_RECORDED_HEADER = "X-Replay-Not-Recorded"
# Replay-only: where a rename the replay answers with 307 comes from (`recorded`, `inferred`
# by a rule from recorded listings, or `synthetic` for a test), so that nothing inferred is
# ever taken for something the Hub said.
RENAME_EVIDENCE_HEADER = "X-Replay-Rename-Evidence"


def safe_repo_path(path: str) -> str:
    """`path` if it is a relative posix path inside a repo (no `..`, no absolute, no `\\`).

    :raises ValueError: naming the path.
    """
    pure = PurePosixPath(path)
    if (
        not path
        or "\\" in path
        or pure.is_absolute()
        or any(part in ("", ".", "..") for part in path.split("/"))
    ):
        raise ValueError(f"repo file path {path!r} is not a plain relative path")
    return path
