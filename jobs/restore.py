"""Restore a finished backup into an empty database, all or nothing, and prove every row came back.

Every object is checked against the manifest's SHA-256 before anything is written. The target must be
empty: no tables at all (it is then migrated to the backup's schema revision), or migrated to that
revision with rows only in the tables `turnout db upgrade` fills itself. The rows go in, in the
manifest's foreign-key order, in one transaction, as the database owner with no trigger or constraint
switched off; the counts are checked before it commits, and a backup from an older revision is then
migrated to the code's head like any other database.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.db import UTCDateTime, make_engine, utcnow
from app.migrate import alembic_config, upgrade
from app.storage import InvalidKey, ObjectNotFound, Storage, validate_prefix
from jobs.backup import CHUNK, FORMAT, MANIFEST, ROOT, complete_backups, read_manifest
from jobs.restore_values import insertable_table
from tenants.scoping import set_school_ids

Progress = Callable[[str], None]
VERSION_TABLE = "alembic_version"
SEEDED = {VERSION_TABLE, "attendance_codes"}  # the tables `turnout db upgrade` fills in a new database
_OWNED_SEQUENCES = sa.text(
    """SELECT s.oid::regclass::text, t.relname, a.attname
    FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE d.deptype IN ('a', 'i')"""
)  # every serial or identity column's sequence
_NOT_OWNER = sa.text(
    """SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner <> current_user
    AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) ORDER BY tablename"""
)


class RestoreRefused(Exception):
    """A restore that would not be safe or could not be complete; raised before any row is written."""


class RestoreFailed(Exception):
    """The rows did not come back as the manifest says; the transaction was rolled back."""


@dataclass(frozen=True)
class Restored:
    """What a restore did, for the command's summary."""

    prefix: str
    revision: str
    upgraded_to: str | None
    source_dialect: str
    tables: int
    rows: int


def find_backup(store: Storage, which: str) -> str:
    """The folder of a finished backup: the newest for 'latest', else the one a stamp or folder names."""
    finished = complete_backups(store)
    if which == "latest":
        if not finished:
            raise RestoreRefused(
                f"no finished backup under {ROOT} (a backup without {MANIFEST} never finished)"
            )
        return finished[-1]
    prefix = which.strip("/") + "/"
    prefix = prefix if prefix.startswith(ROOT) else ROOT + prefix
    try:
        validate_prefix(prefix)
    except InvalidKey as error:
        raise RestoreRefused(str(error)) from None
    if prefix in finished:
        return prefix
    if store.list_keys(prefix):
        raise RestoreRefused(
            f"backup {prefix} has no {MANIFEST}: it never finished, so it cannot be restored"
        )
    newest = ", ".join(finished[-3:]) or "none"
    raise RestoreRefused(f"no backup {prefix} in the store (the newest finished: {newest})")


def restore_backup(
    store: Storage, which: str, database_url: str, *, app_role: str = "turnout_app",
    progress: Progress = lambda _message: None,
) -> Restored:  # fmt: skip
    """Check the backup whole, then load it into the empty database in one transaction."""
    prefix = find_backup(store, which)
    manifest = _checked_manifest(store, prefix)
    revision, head = _revisions(database_url, manifest["schema_revision"])
    where = make_url(database_url).render_as_string(hide_password=True)
    engine = make_engine(database_url)  # the owner's connection: no SET ROLE to the app role
    try:
        new = _prepare(engine, revision, where)
        with tempfile.TemporaryDirectory(prefix="turnout-restore-") as folder:
            files = _fetch(store, prefix, manifest, Path(folder), progress)
            if new:
                progress(f"migrating the new database to the backup's schema revision {revision}")
                upgrade(database_url, app_role, revision)
            _check_columns(engine, manifest)
            rows = _load(engine, manifest, files, progress)
    finally:
        engine.dispose()
    upgraded = None
    if revision != head:
        progress(f"upgrading the restored database from {revision} to {head}")
        upgrade(database_url, app_role)
        upgraded = head
    return Restored(prefix, revision, upgraded, manifest["dialect"], len(manifest["tables"]), rows)


def _checked_manifest(store: Storage, prefix: str) -> dict[str, Any]:
    """The manifest, refused unless it is one this code writes and names every table once."""
    try:
        manifest = read_manifest(store, prefix)
    except (ValueError, UnicodeDecodeError) as error:
        raise RestoreRefused(f"{prefix}{MANIFEST} is not readable JSON: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise RestoreRefused(f"{prefix}{MANIFEST} is not a {FORMAT} manifest")
    order, tables = manifest.get("restore_order"), manifest.get("tables")
    if not isinstance(order, list) or not isinstance(tables, dict) or sorted(order) != sorted(tables):
        raise RestoreRefused(f"{prefix}{MANIFEST} does not list each table once in its restore order")
    return manifest


def _revisions(database_url: str, revision: str) -> tuple[str, str]:
    """The backup's schema revision and the code's head; refused if this code does not know the revision."""
    scripts = ScriptDirectory.from_config(alembic_config(database_url))
    head = scripts.get_current_head()
    assert head is not None
    try:
        known = scripts.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise RestoreRefused(
            f"the backup is from schema revision {revision!r}, which this version of Turnout does not know "
            f"(its newest is {head}): restore it with the version of Turnout that made it, or a newer one"
        )
    return revision, head


def _fetch(
    store: Storage, prefix: str, manifest: dict[str, Any], folder: Path, progress: Progress
) -> dict[str, Path]:
    """Download every table's object to a local file, refusing the backup if any is missing or altered."""
    files: dict[str, Path] = {}
    problems: list[str] = []
    order = manifest["restore_order"]
    for number, name in enumerate(order, 1):
        entry = manifest["tables"][name]
        key = entry["key"]
        if not key.startswith(prefix):
            problems.append(f"{name}: the manifest names {key!r}, outside the backup's folder")
            continue
        try:
            data = store.get(key)
        except ObjectNotFound:
            problems.append(f"{key}: missing from the store")
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"] or len(data) != entry["size"]:
            problems.append(
                f"{key}: {len(data):,} bytes with SHA-256 {digest[:16]}..., but the manifest says "
                f"{entry['size']:,} bytes with {entry['sha256'][:16]}..."
            )
            continue
        files[name] = folder / f"{name}.jsonl.gz"
        files[name].write_bytes(data)
        progress(f"checked [{number}/{len(order)}] {key}")
    if problems:
        raise RestoreRefused(
            f"backup {prefix} is corrupt or incomplete, so nothing was written:\n  " + "\n  ".join(problems)
        )
    return files


def _prepare(engine: Engine, revision: str, where: str) -> bool:
    """Whether the database is new (to be migrated); refused unless it is new or empty at the revision."""
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        if not names:
            return True
        if VERSION_TABLE not in names:
            raise RestoreRefused(f"{where} has tables but is not a Turnout database (no {VERSION_TABLE})")
        if conn.dialect.name == "postgresql":
            foreign = list(conn.execute(_NOT_OWNER).scalars())
            if foreign:
                user = conn.execute(sa.text("SELECT current_user")).scalar()
                raise RestoreRefused(
                    f"restore must connect as the owner of the tables, not as {user} (it does not own "
                    f"{', '.join(foreign[:5])}): use the URL `turnout db upgrade` uses"
                )
        at = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()  # noqa: S608 - a constant
        if at != revision:
            raise RestoreRefused(
                f"{where} is migrated to schema revision {at}, but the backup is from {revision}: restore into "
                "a database with no tables (restore migrates it to the backup's revision, then to the newest)"
            )
        holding = {n: _count(conn, n) for n in sorted(names - SEEDED)}
    filled = [f"{name} ({count:,} rows)" for name, count in holding.items() if count]
    if filled:
        shown = ", ".join(filled[:6]) + (f" and {len(filled) - 6} more tables" if len(filled) > 6 else "")
        raise RestoreRefused(
            f"{where} is not empty: {shown}. A restore only writes into an empty database, so nothing was "
            "written: give --database a new database"
        )
    return False


def _check_columns(engine: Engine, manifest: dict[str, Any]) -> None:
    """Refuse before loading if the database's tables or columns are not the backup's."""
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        here = {
            name: [c["name"] for c in inspector.get_columns(name)] for name in inspector.get_table_names()
        }
    there = {name: [c["name"] for c in t["columns"]] for name, t in manifest["tables"].items()}
    problems = [f"table {n} is not in the backup" for n in sorted(set(here) - set(there))]
    problems += [f"the backup's table {n} is not in the database" for n in sorted(set(there) - set(here))]
    problems += [
        f"{n} has columns {sorted(here[n])} here but {sorted(there[n])} in the backup"
        for n in sorted(set(here) & set(there))
        if sorted(here[n]) != sorted(there[n])
    ]
    if problems:
        raise RestoreRefused(
            "the database's schema is not the backup's, so no row was written:\n  " + "\n  ".join(problems)
        )


def _load(engine: Engine, manifest: dict[str, Any], files: dict[str, Path], progress: Progress) -> int:
    """Every table's rows in one transaction, checked against the manifest before it commits."""
    order: list[str] = manifest["restore_order"]
    total = 0
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Policies stay forced: the restore names every school of the backup, as the backup did.
            schools = [row["id"] for row in _rows(files["schools"])]
            conn.execute(set_school_ids(",".join(str(s) for s in sorted(schools))))
        inspector = sa.inspect(conn)
        for number, name in enumerate(order, 1):
            entry = manifest["tables"][name]
            if name == VERSION_TABLE:  # the migration wrote it; _prepare checked it is the backup's
                written = entry["rows"]
            else:
                written = _insert(conn, inspector, name, entry, files[name])
            total += written
            progress(f"restored [{number}/{len(order)}] {name}: {written:,} rows ({total:,} in all)")
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
        counted = {name: _count(conn, name) for name in order}
        wrong = [
            f"{n}: {counted[n]:,} rows, manifest {t['rows']:,}"
            for n, t in manifest["tables"].items()
            if counted[n] != t["rows"]
        ]
        if wrong:
            raise RestoreFailed(
                "row counts differ from the manifest, so nothing was kept:\n  " + "\n  ".join(wrong)
            )
        progress(_end_sign_ins(conn, set(inspector.get_table_names())))
    return sum(counted.values())


def _end_sign_ins(conn: Connection, tables: set[str]) -> str:
    """The backup's sessions and half-done sign-ins end: one signed out or ended since must not work again."""
    sessions = sa.table("user_sessions", sa.column("revoked_at", UTCDateTime()))
    ended = conn.execute(
        sa.update(sessions).where(sessions.c.revoked_at.is_(None)).values(revoked_at=utcnow())
    ).rowcount
    if "login_challenges" in tables:  # written from revision 0013 on
        conn.execute(sa.text("DELETE FROM login_challenges"))
    return f"signed out the {ended:,} sessions the backup held; recovery codes are as they were then"


def _insert(conn: Connection, inspector: sa.Inspector, name: str, entry: dict[str, Any], path: Path) -> int:
    """One table's rows, in chunks; any row the database or the decoder refuses fails the whole restore."""
    table = insertable_table(name, inspector.get_columns(name), entry["columns"])
    written = 0
    try:
        if name in SEEDED:
            conn.execute(table.delete())  # the migration's copy gives way to the backup's own
        for chunk in _chunks(_rows(path)):
            conn.execute(table.insert(), [table.decode(row) for row in chunk])
            written += len(chunk)
    except (SQLAlchemyError, ValueError) as error:
        cause = getattr(error, "orig", None) or error
        raise RestoreFailed(f"{name}: a row was refused, so nothing was kept: {cause}") from error
    if written != entry["rows"]:
        raise RestoreFailed(
            f"{name}: the backup's object holds {written:,} rows but the manifest says {entry['rows']:,}, "
            "so nothing was kept"
        )
    return written


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rb") as lines:
        for line in lines:
            yield json.loads(line)


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _count(conn: Connection, name: str) -> int:
    quoted = conn.dialect.identifier_preparer.quote(name)
    return conn.execute(sa.text(f"SELECT count(*) FROM {quoted}")).scalar_one()  # noqa: S608 - a reflected name


def _reset_sequences(conn: Connection) -> None:
    """Each serial or identity counter to its column's largest value, so the next insert gets a new id."""
    quote = conn.dialect.identifier_preparer.quote
    for sequence, table, column in conn.execute(_OWNED_SEQUENCES).all():
        largest = conn.execute(sa.text(f"SELECT max({quote(column)}) FROM {quote(table)}")).scalar()  # noqa: S608 - names from the schema, quoted
        conn.execute(
            sa.text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
            {"sequence": sequence, "value": max(largest or 1, 1), "called": largest is not None},
        )
