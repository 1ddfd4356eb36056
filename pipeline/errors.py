"""The pipeline's exceptions. The CLI turns any `PipelineError` into one line on stderr."""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: an error the user can act on, with a message that names the bad input."""


class ConfigError(PipelineError):
    """A configuration file or override is invalid (the message names the key)."""


class HubError(PipelineError):
    """The Hub endpoint could not be used (unreachable, empty, or answered nonsense)."""


class SnapshotError(PipelineError):
    """A snapshot folder is missing, incomplete (no manifest) or unreadable."""
