"""Reading a snapshot for the analyses: Arrow record batches, bounded memory, and which
tables and fields the snapshot measured.

A table that the crawl produced is listed under `tables` in the manifest; one that is not
listed was **not measured** (not crawled), which is different from a measured table with
zero rows. Fields of the `models` table requested from the Hub are listed under
`listing.expand`: a model with no `card_data` in a crawl that asked for `cardData` has no
card metadata; in a crawl that did not ask, its card metadata is unknown.

The analyses read the Parquet parts through `pyarrow.dataset` in batches (`batch_rows`), so
memory is bounded by the batch size and by what each analysis keeps, not by the snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.snapshot.reader import read_manifest, table_parts
from pipeline.snapshot.schema import TABLES

BATCH_ROWS = 131_072
# Columns read dictionary-encoded: few distinct values repeated over many rows.
DICTIONARY_COLUMNS = frozenset({"tags", "datasets", "base_models", "pipeline_tag", "library_name"})
# `listing.expand` field -> what it makes measurable (see `Source.field_measured`).
EXPAND_FIELDS = ("cardData", "config", "siblings", "spaces", "tags", "model-index")


@dataclass
class Source:
    """One snapshot (or a directory of Parquet parts) opened for analysis."""

    folder: Path
    manifest: dict = field(default_factory=dict)
    ids: pa.Array | None = None  # population filter on the model id (None: all models)

    def measured(self, name: str) -> bool:
        """Was table `name` crawled into this snapshot (even with zero rows)?"""
        tables = self.manifest.get("tables")
        if isinstance(tables, dict):
            return name in tables
        return bool(self.parts(name))

    def field_measured(self, expand_name: str) -> bool | None:
        """Did the crawl ask the Hub for this listing field? None when the manifest does not
        say (an older snapshot, or a folder without a crawl record)."""
        listing = self.manifest.get("listing")
        expand = listing.get("expand") if isinstance(listing, dict) else None
        if not isinstance(expand, list):
            return None
        return expand_name in expand

    def parts(self, name: str) -> list[Path]:
        """The table's Parquet parts, in order."""
        return table_parts(self.folder, name)

    def rows(self, name: str) -> int | None:
        tables = self.manifest.get("tables")
        entry = tables.get(name) if isinstance(tables, dict) else None
        rows = entry.get("rows") if isinstance(entry, dict) else None
        return rows if isinstance(rows, int) and not isinstance(rows, bool) else None

    def batches(
        self, name: str, columns: Iterable[str], batch_rows: int = BATCH_ROWS
    ) -> Iterator[pa.RecordBatch]:
        """Record batches of `columns` of table `name`, restricted to the population.

        Parts are read one at a time (row group by row group); the repetitive string columns
        of `DICTIONARY_COLUMNS` come dictionary-encoded (the analyses accept both). Columns
        a part lacks (an older schema) come back as nulls."""
        schema = TABLES[name]
        wanted = [c for c in dict.fromkeys(columns) if c in schema.names]
        key = "id" if name == "models" else "model_id" if "model_id" in schema.names else None
        if self.ids is not None and key is not None and key not in wanted:
            wanted.append(key)
        dictionary = [_leaf(schema.field(c)) for c in wanted if c in DICTIONARY_COLUMNS]
        for part in self.parts(name):
            handle = pq.ParquetFile(part, read_dictionary=dictionary)
            present = [c for c in wanted if c in handle.schema_arrow.names]
            for batch in handle.iter_batches(
                batch_size=batch_rows, columns=present, use_threads=True
            ):
                if len(present) < len(wanted):
                    batch = _with_missing(batch, wanted, schema)
                if self.ids is not None and key is not None:
                    batch = batch.filter(pc.is_in(batch.column(key), value_set=self.ids))
                if batch.num_rows:
                    yield batch

    def read(self, name: str, columns: Iterable[str]) -> pd.DataFrame:
        """A (small) table as pandas; an empty frame with the columns when there are no rows."""
        columns = list(columns)
        batches = list(self.batches(name, columns))
        schema = TABLES[name]
        wanted = pa.schema([schema.field(c) for c in columns if c in schema.names])
        if not batches:
            return wanted.empty_table().to_pandas()
        return pa.Table.from_batches(batches).select(wanted.names).to_pandas()


def _leaf(field: pa.Field) -> str:
    """The Parquet column path `read_dictionary` wants (`tags.list.element` for a list)."""
    return f"{field.name}.list.element" if pa.types.is_list(field.type) else field.name


def _with_missing(batch: pa.RecordBatch, wanted: list[str], schema: pa.Schema) -> pa.RecordBatch:
    arrays = [
        batch.column(c)
        if c in batch.schema.names
        else pa.nulls(batch.num_rows, schema.field(c).type)
        for c in wanted
    ]
    return pa.RecordBatch.from_arrays(arrays, names=wanted)


def open_snapshot(folder: Path, ids: Iterable[str] | None = None) -> Source:
    """A complete snapshot (it must have its manifest); `ids` restricts the population."""
    manifest = read_manifest(Path(folder))
    population = None if ids is None else pa.array(sorted(set(ids)), type=pa.string())
    return Source(Path(folder), manifest, population)


def source_from_tables(tables: dict[str, pa.Table | pd.DataFrame], manifest: dict) -> Source:
    """An in-memory stand-in for a snapshot (tests, notebooks): see `MemorySource`."""
    return MemorySource(Path("."), manifest, None, tables)


@dataclass
class MemorySource(Source):
    """A `Source` over in-memory tables (pandas or Arrow), with the same API."""

    tables: dict[str, pa.Table | pd.DataFrame] = field(default_factory=dict)

    def measured(self, name: str) -> bool:
        tables = self.manifest.get("tables")
        if isinstance(tables, dict):
            return name in tables
        return name in self.tables

    def parts(self, name: str) -> list[Path]:
        return []

    def batches(
        self, name: str, columns: Iterable[str], batch_rows: int = BATCH_ROWS
    ) -> Iterator[pa.RecordBatch]:
        table = self.tables.get(name)
        if table is None:
            return
        if isinstance(table, pd.DataFrame):
            table = to_arrow(table, name)
        wanted = [c for c in dict.fromkeys(columns) if c in table.column_names]
        table = table.select(wanted)
        schema = TABLES.get(name)
        for c in dict.fromkeys(columns):  # columns of the schema a table lacks: nulls
            if schema is not None and c in schema.names and c not in table.column_names:
                table = table.append_column(
                    schema.field(c), pa.nulls(len(table), schema.field(c).type)
                )
        if self.ids is not None:
            key = "id" if name == "models" else "model_id"
            if key in table.column_names:
                table = table.filter(pc.is_in(table[key], value_set=self.ids))
        yield from table.to_batches(max_chunksize=batch_rows)


def to_arrow(frame: pd.DataFrame, name: str) -> pa.Table:
    """A pandas frame as Arrow with the snapshot schema's types for the columns it has.

    Values of the wrong shape (a string where a list belongs, a number where text belongs)
    become null rather than failing: an analysis counts them as unknown."""
    schema = TABLES[name]
    arrays, names = [], []
    for column in frame.columns:
        values = frame[column]
        if column in schema.names:
            arrow_type = schema.field(column).type
            arrays.append(_coerce(values, arrow_type))
        else:
            try:
                arrays.append(pa.array(values.to_numpy(dtype=object), from_pandas=True))
            except (pa.ArrowException, TypeError, ValueError):
                continue
        names.append(column)
    return pa.Table.from_arrays(arrays, names=names)


def _coerce(values: pd.Series, arrow_type: pa.DataType) -> pa.Array:
    objects = values.to_numpy(dtype=object)
    if pa.types.is_list(arrow_type) and any(isinstance(v, str | bytes | dict) for v in objects):
        objects = None  # Arrow would split a string into characters: clean value by value
    if objects is not None:
        try:
            return pa.array(objects, type=arrow_type, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            pass
    cleaned = [_clean(value, arrow_type) for value in values.to_numpy(dtype=object)]
    return pa.array(cleaned, type=arrow_type, from_pandas=True)


def _clean(value: object, arrow_type: pa.DataType) -> object:
    """One value made to fit `arrow_type`, or None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if pa.types.is_list(arrow_type):
        if isinstance(value, str | bytes | dict):
            return None
        try:
            return [v for v in value if isinstance(v, str)]
        except TypeError:
            return None
    if pa.types.is_string(arrow_type):
        return value if isinstance(value, str) else None
    if pa.types.is_integer(arrow_type):
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if pa.types.is_floating(arrow_type):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return float(value) if number else None
    if pa.types.is_boolean(arrow_type):
        return value if isinstance(value, bool) else None
    if pa.types.is_timestamp(arrow_type):
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError):
            return None
        return None if pd.isna(stamp) else (stamp.tz_localize("UTC") if stamp.tz is None else stamp)
    return None
