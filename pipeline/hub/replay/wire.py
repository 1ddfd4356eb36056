"""The Hub's wire format for answers: status, headers and body, plus the Hub's error shape.

Pure helpers, no I/O. The Hub reports errors in `X-Error-Code` / `X-Error-Message` headers
and a JSON body `{"error": msg}` (docs/hub-api.md §6); `huggingface_hub.hf_raise_for_status`
maps those headers to its exception classes, so the exact strings matter; they live in
`pipeline.hub.protocol`, which the client reads too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pipeline.hub.protocol import ERROR_CODE_HEADER, ERROR_MESSAGE_HEADER

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


class QueryError(ValueError):
    """A request's query string is invalid; the message names the parameter and value."""


@dataclass(frozen=True)
class Answer:
    """One HTTP answer. `headers` never holds Content-Length: the server derives it from body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def json_answer(status: int, payload: Any, headers: dict[str, str] | None = None) -> Answer:
    """An answer with a compact UTF-8 JSON body."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Answer(status, {"Content-Type": JSON_TYPE, **(headers or {})}, body)


def text_answer(status: int, text: str | bytes, headers: dict[str, str] | None = None) -> Answer:
    """An answer with a text body (str is UTF-8 encoded, bytes are sent as they are)."""
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Answer(status, {"Content-Type": TEXT_TYPE, **(headers or {})}, body)


def error_answer(
    status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """The Hub's error shape: `X-Error-Code` (when given), `X-Error-Message`, `{"error": msg}`."""
    error_headers = {ERROR_CODE_HEADER: code} if code else {}
    error_headers[ERROR_MESSAGE_HEADER] = message
    return json_answer(status, {"error": message}, {**error_headers, **(headers or {})})


def redirect_answer(location: str) -> Answer:
    """A 307 with a relative `Location` and a text body, as the Hub answers for renamed repos."""
    return text_answer(
        307, f"Temporary Redirect. Redirecting to {location}", {"Location": location}
    )


def git_blob_sha1(data: bytes) -> str:
    """Git's blob id of `data`: sha1 over `b"blob <size>\\0" + data` (the Hub's ETag for git files).

    >>> git_blob_sha1(b"")
    'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
    """
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
