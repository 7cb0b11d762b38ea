"""A backup's JSON values turned back into the target database's column types, whichever engine made it.

The backup writes dates, times, binary and UUIDs as text (see jobs.backup.ENCODING); the restore reads
the target's own column types, so a SQLite backup loads into PostgreSQL and back.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.interfaces import ReflectedColumn

Decode = Callable[[Any], Any]


@dataclass(frozen=True)
class InsertableTable:
    """A reflected table to insert a backup's rows into, with each column's decoder."""

    table: sa.Table
    decoders: dict[str, Decode]

    def insert(self) -> sa.Insert:
        return self.table.insert()

    def delete(self) -> sa.Delete:
        return self.table.delete()

    def decode(self, row: dict[str, Any]) -> dict[str, Any]:
        """One backup row as bind values; a NULL stays NULL."""
        return {
            name: value if value is None or name not in self.decoders else self.decoders[name](value)
            for name, value in row.items()
        }


def insertable_table(
    name: str, columns: list[ReflectedColumn], source: list[dict[str, str]]
) -> InsertableTable:
    """The table as the target reflects it; source types (the manifest's) only settle UUIDs held as text."""
    source_types = {c["name"]: c["type"].upper() for c in source}
    made: list[sa.Column[Any]] = []
    decoders: dict[str, Decode] = {}
    for column in columns:
        kind = column["type"]
        if isinstance(kind, sa.JSON):
            kind = sa.JSON(none_as_null=True)  # NULL stays SQL NULL, not the JSON text 'null'
        made.append(sa.Column(column["name"], kind))
        decoder = _decoder(kind, source_types.get(column["name"], ""))
        if decoder is not None:
            decoders[column["name"]] = decoder
    return InsertableTable(sa.Table(name, sa.MetaData(), *made), decoders)


def _decoder(kind: sa.types.TypeEngine[Any], source_type: str) -> Decode | None:
    """How a JSON value becomes this column's Python value, or None when JSON already holds it."""
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.Time):
        return time.fromisoformat
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    if isinstance(kind, sa.Uuid):
        return uuid.UUID
    if isinstance(kind, sa.Boolean):
        return bool  # SQLite's 0/1 into PostgreSQL's boolean
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return Decimal
    if isinstance(kind, sa.String) and source_type == "UUID":
        return _uuid_text  # PostgreSQL's uuid into SQLite's CHAR(32), as sa.Uuid stores it there
    return None


def _uuid_text(value: str) -> str:
    return uuid.UUID(value).hex
