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


# HTTP ERRORS: one request to an outside service failed for good. `HubClient` (and every
# client built on its retry machinery) raises exactly these; callers catch them by type.


class HubRequestError(HubError):
    """A request failed for good (after retries, or with a non-retryable status)."""

    def __init__(
        self,
        url: str,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(f"{message} ({url}, after {attempts} attempt(s))")
        self.url = url
        self.status = status
        self.error_code = error_code
        self.attempts = attempts
        self.reason = message


class RateLimitError(HubRequestError):
    """429 Too Many Requests, still after every retry."""


class NotFoundError(HubRequestError):
    """404 (or the Hub's anonymous 401 `RepoNotFound`): the repo, revision or file is absent."""


class RepoNotFoundError(NotFoundError):
    """`X-Error-Code: RepoNotFound`: a missing or private repo (indistinguishable, §6)."""


class RevisionNotFoundError(NotFoundError):
    """`X-Error-Code: RevisionNotFound`: the repo has no such revision."""


class EntryNotFoundError(NotFoundError):
    """`X-Error-Code: EntryNotFound`: the repo has no such file."""


class NotRecordedError(EntryNotFoundError):
    """A replay Hub holds no recording of a file that exists: unknown, not absent."""


class GatedRepoError(HubRequestError):
    """`X-Error-Code: GatedRepo`: the repo's files need an approved token."""


class DisabledRepoError(HubRequestError):
    """403 `Access to this resource is disabled.`"""
