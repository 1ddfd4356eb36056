"""JSON from the Hub, decoded within limits, so one hostile record cannot stop a crawl. Pure.

Python's `json` recurses once per nesting level (a few thousand levels raise
`RecursionError`) and refuses integers of more than 4,300 digits (`ValueError`). Anyone can
upload a card whose data the Hub then serves nested or huge, so:

- `json_depth` measures the nesting of a body *before* decoding it (strings masked out, one
  vectorised pass), and `loads_bounded` refuses a body deeper than `MAX_JSON_DEPTH` with
  `JsonTooDeep` instead of recursing;
- `decode_json_array` decodes a listing page item by item when the page as a whole cannot be
  decoded within the limits: good items are returned as usual and each bad one becomes an
  `UndecodableItem` naming its position, the reason and the id it seems to carry, so the
  caller records one error row for it and keeps the rest of the page. Integers too long for
  Python's limit are kept as their digits (a string), never clamped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

# Real Hub records nest about a dozen levels (model-index inside cardData); 128 leaves room
# and stays far below the depth at which Python's decoder recurses out of stack.
MAX_JSON_DEPTH = 128
# Python refuses int("...") beyond 4,300 digits (sys.int_info.default_max_str_digits).
MAX_INT_DIGITS = 4300

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_ID_HINT = re.compile(rb'"(?:id|modelId)"\s*:\s*"([^"\\]{1,400})"')
_OPEN = (ord("["), ord("{"))
_CLOSE = (ord("]"), ord("}"))


class JsonRefused(ValueError):
    """A JSON body that decodes (or would) but cannot be used as it is; retrying won't help."""


class JsonTooDeep(JsonRefused):
    """A JSON body nests deeper than the limit; decoding it was not attempted."""


class NotAJsonArray(JsonRefused):
    """A body that should be a JSON array (a listing page) is another JSON value."""


@dataclass(frozen=True)
class UndecodableItem:
    """An item of a JSON array that could not be decoded within the limits."""

    position: int
    reason: str
    id_hint: str | None


def _masked(raw: bytes) -> bytes:
    """`raw` with every string literal's content blanked, same length (brackets in strings
    then no longer count)."""
    return _STRING.sub(lambda m: b'"' + b" " * (len(m.group()) - 2) + b'"', raw)


def _depths(masked: bytes) -> np.ndarray:
    """The nesting depth after each byte of a masked body."""
    codes = np.frombuffer(masked, dtype=np.uint8)
    step = np.isin(codes, _OPEN).astype(np.int64) - np.isin(codes, _CLOSE).astype(np.int64)
    return np.cumsum(step)


def json_depth(raw: bytes) -> int:
    """How deeply a JSON body nests (0 for a scalar); strings are not counted.

    >>> json_depth(b'[{"a": [1, "]]]"]}]')
    3
    """
    if not raw:
        return 0
    depths = _depths(_STRING.sub(b'""', raw))
    return int(depths.max()) if depths.size else 0


def _int_or_digits(text: str) -> int | str:
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else text


def loads_bounded(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` that refuses a body nesting deeper than `max_depth` (`JsonTooDeep`) and
    keeps integers beyond Python's digit limit as their digits.

    :raises JsonTooDeep: too deep (nothing was decoded).
    :raises json.JSONDecodeError: not JSON (e.g. a truncated body).
    :raises UnicodeDecodeError: not UTF-8 (nor UTF-16/32).
    """
    data = raw
    depth = json_depth(data)
    if depth > max_depth:
        raise JsonTooDeep(f"JSON nests {depth} levels deep, more than the limit of {max_depth}")
    try:
        return json.loads(data)
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer beyond the digit limit: decode again, keeping its digits
        return json.loads(data, parse_int=_int_or_digits)


def split_json_array(raw: bytes) -> list[bytes]:
    """The raw bytes of each item of a top-level JSON array, split at its top-level commas.

    :raises json.JSONDecodeError: the body is not one complete array.
    """
    masked = _masked(raw)
    stripped = masked.strip()
    if not stripped.startswith(b"[") or not stripped.endswith(b"]"):
        raise json.JSONDecodeError("not a JSON array", raw.decode("utf-8", "replace")[:80], 0)
    depths = _depths(masked)
    if depths.size == 0 or int(depths[-1]) != 0 or int(depths.min()) < 0:
        raise json.JSONDecodeError("unbalanced JSON array", "", 0)
    codes = np.frombuffer(masked, dtype=np.uint8)
    commas = np.flatnonzero((codes == ord(",")) & (depths == 1))
    start = masked.index(b"[") + 1
    end = masked.rindex(b"]")
    bounds = [start, *(int(c) + 1 for c in commas), end + 1]
    items = [raw[bounds[i] : bounds[i + 1] - 1].strip() for i in range(len(bounds) - 1)]
    return [] if items == [b""] else items


def id_hint(raw_item: bytes) -> str | None:
    """The first `"id"` (or `"modelId"`) string in a raw item: a best guess at whose it is."""
    match = _ID_HINT.search(raw_item)
    return match.group(1).decode("utf-8", "replace") if match else None


def decode_json_array(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> list[Any]:
    """A JSON array's items; an item that cannot be decoded within the limits becomes an
    `UndecodableItem` and the others are kept.

    :raises NotAJsonArray: the body is another JSON value.
    :raises json.JSONDecodeError: the body is not JSON (e.g. truncated).
    """
    try:
        items = loads_bounded(raw, max_depth)
    except (JsonTooDeep, UnicodeDecodeError):
        items = None
    if items is not None:
        if not isinstance(items, list):
            raise NotAJsonArray(f"expected a JSON array, got a {type(items).__name__}")
        return items
    decoded: list[Any] = []
    for position, item in enumerate(split_json_array(raw)):
        try:
            decoded.append(loads_bounded(item, max_depth - 1))
        except (JsonTooDeep, json.JSONDecodeError, UnicodeDecodeError) as error:
            decoded.append(UndecodableItem(position, str(error)[:300], id_hint(item)))
    return decoded
