"""Machine-parseable performance claims: does a model-index hold at least one metric value?

The paper (Figure 7) counts a model as making a machine-parseable claim when its card's
YAML front matter has a `model-index` with at least one reported metric value. Cards are
written by hand, so every function here accepts any junk and never raises.
"""

from __future__ import annotations

import json
import math
from typing import Final

_INVALID: Final = object()  # sentinel: text present but not valid JSON


def has_machine_parseable_claim(model_index: object) -> bool:
    """True when `model_index` (list of entries -> `results` -> `metrics` -> `value`)
    holds at least one metric whose value is not null/empty. Never raises."""
    if not isinstance(model_index, list):
        return False
    for entry in model_index:
        results = entry.get("results") if isinstance(entry, dict) else None
        if not isinstance(results, list):
            continue
        for result in results:
            metrics = result.get("metrics") if isinstance(result, dict) else None
            if not isinstance(metrics, list):
                continue
            for metric in metrics:
                if isinstance(metric, dict) and _is_value(metric.get("value")):
                    return True
    return False


def _is_value(value: object) -> bool:
    """A reported value: anything but None, NaN, a blank string or an empty container.

    Strings such as "20.0 ± 1.2" and dicts count (the Hub tags those models too)."""
    if value is None:
        return False
    if isinstance(value, float):
        return not math.isnan(value)
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | dict | tuple | set):
        return len(value) > 0
    return True


def load_json(text: object) -> object:
    """Parse JSON text; `None` when absent (null/NaN), `_INVALID` when not valid JSON.

    Non-string values (an already parsed dict or list) are returned unchanged."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return _INVALID
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _INVALID


def is_invalid(value: object) -> bool:
    """True for the result of `load_json` on text that is not valid JSON."""
    return value is _INVALID


def model_index_of(card_data_json: str | None, model_index_json: str | None) -> object:
    """The card's `model-index` (from the card data) when present, else the top-level one.

    Bad JSON counts as absent; returns None when neither is available. Never raises."""
    card = load_json(card_data_json)
    if isinstance(card, dict) and card.get("model-index") is not None:
        return card["model-index"]
    top = load_json(model_index_json)
    return None if top is _INVALID else top
