"""Lazy imports of the optional `eval` extras (torch, transformers, safetensors)."""

from __future__ import annotations

import importlib
from types import ModuleType

from pipeline.errors import PipelineError

EXTRAS = ("torch", "transformers", "safetensors")
INSTALL_HINT = "pip install .[eval]"


class MissingExtraError(PipelineError):
    """An optional package of the `eval` extras is not installed (the message names it)."""


def require(name: str) -> ModuleType:
    """Import an `eval` extra, or raise `MissingExtraError` naming it and the install line."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise MissingExtraError(
            f"`ptm evaluate` needs the package {name!r}, which is not installed "
            f"({error}); install the evaluation extras with `{INSTALL_HINT}`"
        ) from error


def require_all() -> dict[str, ModuleType]:
    """All `eval` extras, checked up front so a missing one fails before any download."""
    return {name: require(name) for name in EXTRAS}


def versions() -> dict[str, str]:
    """Versions of the libraries a measurement depends on (for the provenance columns)."""
    found = {}
    for name in ("torch", "transformers", "huggingface_hub", "safetensors"):
        try:
            found[name] = str(importlib.import_module(name).__version__)
        except ImportError:
            found[name] = ""
    return found
