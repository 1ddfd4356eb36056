"""Errors of the claims stage; the CLI prints any `PipelineError` as one line."""

from __future__ import annotations

from pipeline.errors import PipelineError


class ClaimsError(PipelineError):
    """A claims or discrepancy input is missing or unusable (the message names it)."""


class MeasurementsError(ClaimsError):
    """A measurements file or source is missing or malformed (the message names it)."""
