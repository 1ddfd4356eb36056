"""Test helper: turn raw Hub records into a `models`-shaped DataFrame (no crawler needed)."""

from __future__ import annotations

import io
import json

import pandas as pd


def records_to_models(records: list[dict], via_parquet: bool = True) -> pd.DataFrame:
    """One row per raw record with the snapshot's columns; JSON fields as JSON text.

    With `via_parquet`, the frame makes a round trip through Parquet so the dtypes are the
    ones a snapshot reader gives (list column as arrays, string columns)."""
    rows = []
    for record in records:
        card = record.get("cardData")
        model_index = record.get("model-index")
        rows.append(
            {
                "id": record.get("id"),
                "pipeline_tag": record.get("pipeline_tag"),
                "tags": record.get("tags"),
                "card_data": None if card is None else json.dumps(card),
                "model_index": None if model_index is None else json.dumps(model_index),
                "downloads": record.get("downloads"),
                "created_at": pd.to_datetime(record.get("createdAt"), utc=True),
            }
        )
    frame = pd.DataFrame(rows)
    if not via_parquet:
        return frame
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    buffer.seek(0)
    return pd.read_parquet(buffer)
