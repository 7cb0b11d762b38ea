"""The nightly backup: every table, from one snapshot, as gzip'd JSON lines in object storage.

Each table is one object under `backups/<UTC stamp>/`; `manifest.json` is written last, naming every
object with its row count and SHA-256, the schema revision and the order a restore inserts tables in.
A backup without a manifest is unfinished and is never read as a good one. Nothing is ever deleted:
the store's versioning and the operator's lifecycle rules decide how long backups are kept.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.db import utcnow
from app.storage import Storage, StorageError, validate_prefix
from tenants.context import TenantContext
from tenants.scoping import set_school_ids

ROOT = "backups/"
MANIFEST = "manifest.json"
FORMAT = "turnout-backup-1"
CHUNK = 5_000  # rows fetched at a time: memory stays flat however large the marks table grows
ENCODING = (
    "gzip'd JSON lines, one object per row keyed by column name, in primary-key order; dates and times "
    "ISO 8601 (times in UTC), binary as base64, UUIDs and decimals as text, JSON columns as JSON"
)


@dataclass(frozen=True)
class TableDump:
    """One table's object, as the manifest lists it."""

    name: str
    key: str
    rows: int
    sha256: str
    size: int
    columns: list[dict[str, str]]
    primary_key: list[str]


def stamp(now: datetime) -> str:
    """The backup's folder name: its UTC moment in key-safe characters (no ':')."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H%M%SZ")


def export_backup(
    db: Session, store: Storage, now: datetime, progress: Callable[[str], None] = lambda _message: None
) -> str:
    """Write every table to object storage from one consistent snapshot, the manifest last."""
    prefix = f"{ROOT}{stamp(now)}/"
    label = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    if store.exists(prefix + MANIFEST):
        done = read_manifest(store, prefix)
        return f"backup {label}: already complete ({_totals(done)})"
    started = utcnow()
    with _snapshot(db) as conn:
        inspector = sa.inspect(conn)
        order = [name for name, _fks in inspector.get_sorted_table_and_fkc_names() if name is not None]
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        dumps = []
        for name in order:
            dumps.append(_dump(conn, inspector, store, prefix, name))
            done = sum(d.rows for d in dumps)
            progress(f"[{len(dumps)}/{len(order)}] {name}: {dumps[-1].rows:,} rows ({done:,} in all)")
    manifest = {
        "format": FORMAT,
        "encoding": ENCODING,
        "schema_revision": revision,
        "dialect": db.get_bind().dialect.name,
        "started_at": started.isoformat(),
        "finished_at": utcnow().isoformat(),
        "restore_order": order,
        "tables": {
            d.name: {
                "key": d.key,
                "rows": d.rows,
                "sha256": d.sha256,
                "size": d.size,
                "columns": d.columns,
                "primary_key": d.primary_key,
            }
            for d in dumps
        },  # fmt: skip
    }
    store.put(prefix + MANIFEST, json.dumps(manifest, indent=1).encode(), "application/json")
    return f"backup {label}: {_totals(manifest)}"


def _totals(manifest: dict[str, Any]) -> str:
    tables = manifest["tables"].values()
    rows = sum(t["rows"] for t in tables)
    megabytes = sum(t["size"] for t in tables) / 1_000_000
    size = f"{megabytes:,.0f} MB" if megabytes >= 10 else f"{megabytes:.1f} MB"
    return f"{len(tables)} tables, {rows:,} rows, {size}"


@contextmanager
def _snapshot(db: Session) -> Iterator[Connection]:
    """Every table as of one moment, on a connection of its own, rolled back after.

    On PostgreSQL RLS shows the app role only the schools its context names, so the context set here is
    every school, read from the same snapshot: a school added during the backup cannot half-appear.
    """
    conn = db.get_bind().connect()
    try:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.begin()
            schools = conn.execute(sa.text("SELECT id, trust_id FROM schools")).all()
            every = TenantContext.of((s for s, _ in schools), (t for _, t in schools), "job:backup")
            conn.execute(set_school_ids(every.rls_setting()))
        else:
            conn.exec_driver_sql("BEGIN")  # pysqlite begins no transaction for reads; a snapshot needs one
        yield conn
    finally:
        conn.rollback()
        conn.close()


def _dump(conn: Connection, inspector: sa.Inspector, store: Storage, prefix: str, name: str) -> TableDump:
    """Stream one table, in primary-key order, into one gzip'd JSON-lines object."""
    reflected = inspector.get_columns(name)
    names = [c["name"] for c in reflected]
    key_columns = inspector.get_pk_constraint(name).get("constrained_columns") or []
    table = sa.table(name, *(sa.column(c["name"], c["type"]) for c in reflected))
    query = sa.select(*table.c).order_by(*(table.c[k] for k in key_columns))
    rows = 0

    def write(out: IO[bytes]) -> None:
        nonlocal rows
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as packed:
            result = conn.execution_options(yield_per=CHUNK).execute(query)
            for chunk in result.partitions():
                packed.write(b"".join(_line(names, row) for row in chunk))
                rows += len(chunk)

    stored = store.put(f"{prefix}{name}.jsonl.gz", write, "application/gzip")
    columns = [{"name": c["name"], "type": str(c["type"])} for c in reflected]
    return TableDump(name, stored.key, rows, stored.sha256, stored.size, columns, list(key_columns))


def _line(names: list[str], row: sa.Row[Any]) -> bytes:
    values = dict(zip(names, row, strict=True))
    return json.dumps(values, default=_plain, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _plain(value: object) -> object:
    """A value JSON cannot hold, as text a restore turns back by the manifest's column type."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"backup cannot write a {type(value).__name__}")


def complete_backups(store: Storage) -> list[str]:
    """Every backup folder with a manifest, oldest first: the only backups a restore may read."""
    return sorted(key.removesuffix(MANIFEST) for key in store.list_keys(ROOT) if key.endswith("/" + MANIFEST))


def read_manifest(store: Storage, prefix: str) -> dict[str, Any]:
    """A finished backup's manifest; ObjectNotFound if the backup never finished."""
    return json.loads(store.get(validate_prefix(prefix) + MANIFEST))


def read_rows(store: Storage, prefix: str, table: str) -> Iterator[dict[str, Any]]:
    """A table's rows from a finished backup, after checking its bytes against the manifest's SHA-256."""
    entry = read_manifest(store, prefix)["tables"][table]
    data = store.get(entry["key"])
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise StorageError(f"backup object {entry['key']!r} does not match its manifest")
    for line in gzip.decompress(data).splitlines():
        yield json.loads(line)
