"""Fetching models and dataset splits through the Hub API (`huggingface_hub`, any endpoint).

Model weights: safetensors only, unless `allow_pickle`; a model with pickle-only weights
(`pytorch_model.bin`, `*.pt`, ...) is refused with a reason and nothing of it is downloaded.
Only configuration, tokenizer and weight files are fetched (never `*.py`: remote code is not
trusted). Downloads land in the huggingface_hub cache under the evaluation cache folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import HubError
from pipeline.hub.protocol import safe_repo_path

SAFE_WEIGHTS = (".safetensors",)
PICKLE_WEIGHTS = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
OTHER_WEIGHTS = (".h5", ".msgpack", ".onnx", ".ot", ".gguf", ".tflite")
SUPPORT_PATTERNS = ["*.json", "*.txt", "*.model", "*.tiktoken", "*.vocab"]
REPO_ID = re.compile(r"^(?:[A-Za-z0-9][\w.-]*/)?[A-Za-z0-9][\w.-]*$")


class Skip(Exception):
    """A model or dataset that is not evaluated; the message is the recorded reason."""


@dataclass(frozen=True)
class ModelRef:
    repo_id: str
    sha: str
    files: tuple[str, ...]
    weights: str  # "safetensors" or "pickle"


@dataclass(frozen=True)
class DatasetRef:
    repo_id: str
    sha: str
    files: tuple[str, ...]


def check_repo_id(repo_id: object) -> str:
    """A Hub repo id safe to use in URLs and paths (`author/name`), else `Skip`."""
    if not isinstance(repo_id, str) or not REPO_ID.match(repo_id) or ".." in repo_id:
        raise Skip(f"repo id {repo_id!r} is not a valid Hub id")
    return repo_id


def endpoint_of(endpoint: str | None) -> str | None:
    """The Hub endpoint to use: the given one, else `HF_ENDPOINT`, else the library default."""
    return endpoint or os.environ.get("HF_ENDPOINT") or None


def _api(endpoint: str | None):
    from huggingface_hub import HfApi

    return HfApi(endpoint=endpoint_of(endpoint))


def _hub_errors() -> tuple[type[BaseException], ...]:
    from huggingface_hub.errors import HfHubHTTPError

    try:  # the transport of huggingface_hub 2.x; 1.x uses httpx
        from httpx2 import HTTPError
    except ImportError:
        from httpx import HTTPError
    return (HfHubHTTPError, HTTPError, OSError, ValueError)


def model_ref(repo_id: str, allow_pickle: bool, endpoint: str | None = None) -> ModelRef:
    """The model's commit and the files to fetch; `Skip` when its weights may not be loaded."""
    check_repo_id(repo_id)
    try:
        info = _api(endpoint).model_info(repo_id)
    except _hub_errors() as error:
        raise Skip(f"model info unavailable: {type(error).__name__}: {error}") from error
    if not info.sha:
        raise Skip("the Hub gave no commit sha for the model")
    names = []
    for sibling in info.siblings or []:
        try:
            names.append(safe_repo_path(sibling.rfilename))
        except ValueError:
            continue
    safe = [n for n in names if n.endswith(SAFE_WEIGHTS)]
    pickle = [n for n in names if n.endswith(PICKLE_WEIGHTS) and "training_args" not in n]
    if safe:
        weights = "safetensors"
    elif pickle and allow_pickle:
        weights = "pickle"
    elif pickle:
        raise Skip(
            f"weights are pickle-only ({', '.join(sorted(pickle))}); not loaded without "
            "--allow-pickle"
        )
    else:
        raise Skip("no loadable weights (no *.safetensors, no PyTorch weights)")
    return ModelRef(repo_id, info.sha, tuple(names), weights)


def download_model(ref: ModelRef, cache_dir: Path, endpoint: str | None = None) -> Path:
    """The local snapshot folder of the model (config, tokenizer and allowed weights)."""
    from huggingface_hub import snapshot_download

    patterns = [*SUPPORT_PATTERNS, "*.safetensors"]
    if ref.weights == "pickle":
        patterns += ["*.bin", "*.pt", "*.pth"]
    try:
        folder = snapshot_download(
            ref.repo_id,
            revision=ref.sha,
            cache_dir=str(cache_dir),
            endpoint=endpoint_of(endpoint),
            allow_patterns=patterns,
            ignore_patterns=["*.py", "training_args.bin"],
        )
    except _hub_errors() as error:
        raise HubError(f"{ref.repo_id}: download failed: {error}") from error
    return Path(folder)


def dataset_ref(repo_id: str, endpoint: str | None = None) -> DatasetRef:
    """The dataset repo's commit and files; `Skip` when the Hub does not have it."""
    check_repo_id(repo_id)
    try:
        info = _api(endpoint).dataset_info(repo_id)
    except _hub_errors() as error:
        raise Skip(f"dataset {repo_id} unavailable: {type(error).__name__}: {error}") from error
    if not info.sha:
        raise Skip(f"the Hub gave no commit sha for dataset {repo_id}")
    return DatasetRef(repo_id, info.sha, tuple(s.rfilename for s in info.siblings or []))


def download_dataset_file(
    ref: DatasetRef, path: str, cache_dir: Path, endpoint: str | None = None
) -> Path:
    """One file of the dataset repo, at the recorded commit."""
    from huggingface_hub import hf_hub_download

    safe_repo_path(path)
    try:
        local = hf_hub_download(
            ref.repo_id,
            path,
            repo_type="dataset",
            revision=ref.sha,
            cache_dir=str(cache_dir),
            endpoint=endpoint_of(endpoint),
        )
    except _hub_errors() as error:
        raise Skip(f"dataset file {path} could not be downloaded: {error}") from error
    return Path(local)
