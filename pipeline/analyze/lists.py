"""Vectorised helpers over Arrow list columns (tags, datasets, base_models). Null lists and
null items are skipped, never raised on.

Snapshots are read with dictionary-encoded strings for the repetitive columns (tags,
datasets, base models, pipeline tag; see `pipeline.analyze.source`), so every helper
accepts plain or dictionary-encoded strings: string functions run once per distinct value
(`apply`), then are spread to the rows through the dictionary indices."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def as_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array (list columns of a record batch are already one chunk)."""
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def column_or_nulls(batch: pa.RecordBatch | pa.Table, name: str, arrow_type: pa.DataType):
    """`batch[name]`, or an all-null array of `arrow_type` when the column is absent."""
    if name in batch.schema.names:
        return as_array(batch.column(name))
    return pa.nulls(batch.num_rows, type=arrow_type)


def flatten(column: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(items, row of each item) of a list array; null items dropped."""
    column = as_array(column)
    if len(column) == 0:
        return pa.array([], type=pa.string()), np.zeros(0, dtype=np.int64)
    values = pc.list_flatten(column)
    rows = pc.list_parent_indices(column).to_numpy(zero_copy_only=False)
    valid = values.is_valid()
    if valid.false_count:
        values = values.filter(valid)
        rows = rows[valid.to_numpy(zero_copy_only=False)]
    return values, rows.astype(np.int64, copy=False)


def apply(values: pa.Array, function) -> pa.Array:
    """`function(values)` for plain strings; for dictionary-encoded strings, `function` of
    the dictionary, taken back to the rows (null rows stay null)."""
    values = as_array(values)
    if pa.types.is_dictionary(values.type):
        return function(values.dictionary).take(values.indices)
    return function(values)


def decoded(values: pa.Array) -> pa.Array:
    """Plain strings (dictionary-encoded arrays decoded)."""
    values = as_array(values)
    return values.dictionary_decode() if pa.types.is_dictionary(values.type) else values


def mask(values: pa.Array) -> np.ndarray:
    """A boolean Arrow array as NumPy, nulls as False."""
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False)


def rows_having(column: pa.Array, value_set: pa.Array | list[str]) -> np.ndarray:
    """Per row: does the list hold any of `value_set`? Null lists give False."""
    values, rows = flatten(column)
    out = np.zeros(len(column), dtype=bool)
    if len(values):
        wanted = _values(value_set)
        hit = mask(apply(values, lambda v: pc.is_in(v, value_set=wanted)))
        out[rows[hit]] = True
    return out


def rows_having_prefix(column: pa.Array, prefix: str) -> np.ndarray:
    """Per row: does the list hold an item starting with `prefix`?"""
    values, rows = flatten(column)
    out = np.zeros(len(column), dtype=bool)
    if len(values):
        hit = mask(apply(values, lambda v: pc.starts_with(v, pattern=prefix)))
        out[rows[hit]] = True
    return out


def first_in(column: pa.Array, value_set: pa.Array | list[str]) -> np.ndarray:
    """Per row: the first item of the list that is in `value_set`, else None (object array)."""
    values, rows = flatten(column)
    out = np.full(len(column), None, dtype=object)
    if len(values):
        hit = pc.is_in(values, value_set=_values(value_set)).to_numpy(zero_copy_only=False)
        hit_rows = rows[hit]
        if len(hit_rows):
            unique_rows, first = np.unique(hit_rows, return_index=True)
            out[unique_rows] = (
                values.filter(pa.array(hit)).take(pa.array(first)).to_numpy(zero_copy_only=False)
            )
    return out


def non_empty(column: pa.Array) -> np.ndarray:
    """Per row: is the list present and non-empty (after dropping null items)?"""
    _, rows = flatten(column)
    out = np.zeros(len(column), dtype=bool)
    out[rows] = True
    return out


def is_null(column: pa.Array) -> np.ndarray:
    return as_array(column).is_null().to_numpy(zero_copy_only=False)


def _values(value_set: pa.Array | list[str]) -> pa.Array:
    return value_set if isinstance(value_set, pa.Array) else pa.array(list(value_set), pa.string())
