"""The data dictionary: every snapshot and result column carries its meaning in its Arrow
field metadata (`column`), and the README's tables are generated from the schemas
(`markdown_table`; `scripts/data_dictionary.py` rewrites the README, a test keeps it in sync).
Shared by every stage; imports no stage."""

from __future__ import annotations

import pyarrow as pa

DESCRIPTION = b"description"


def column(name: str, kind: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    """A schema field carrying its meaning (`description` field metadata)."""
    return pa.field(name, kind, nullable=nullable, metadata={DESCRIPTION: description.encode()})


def description(field: pa.Field | pa.Schema) -> str:
    """The meaning of a column (or of a table's rows, for a schema), from its metadata
    ("" when undocumented)."""
    return (field.metadata or {}).get(DESCRIPTION, b"").decode()


def type_name(kind: pa.DataType) -> str:
    """A short type name for the dictionary: `string`, `int64`, `list<string>`, ..."""
    if pa.types.is_list(kind):
        return f"list<{type_name(kind.value_type)}>"
    if pa.types.is_timestamp(kind):
        return "timestamp (UTC)" if kind.tz == "UTC" else "timestamp"
    return {"bool": "bool", "double": "float64"}.get(str(kind), str(kind))


def markdown_table(schema: pa.Schema, skip: tuple[str, ...] = ()) -> list[str]:
    """`| column | type | meaning |` rows for every field of `schema` except `skip`."""
    lines = ["| column | type | meaning |", "|---|---|---|"]
    for field in schema:
        if field.name not in skip:
            meaning = description(field).replace("|", "\\|")
            lines.append(f"| `{field.name}` | {type_name(field.type)} | {meaning} |")
    return lines
