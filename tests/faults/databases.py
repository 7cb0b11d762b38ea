"""Database faults made on cue: a row held by another transaction stops an import where we choose, and
its backend is then terminated, as a failover or an operator's kill would; digests prove nothing changed."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date

from sqlalchemy import Connection, create_engine, select, text

from app.db import Base, normalise_url
from app.registers.measures import COUNTERS

WAIT_SECONDS = 90  # the importer starts as a process of its own (about 3 s) and writes 200k marks


def digest(url: str, skip: frozenset[str] = frozenset()) -> dict[str, tuple[int, str]]:
    """Each table's row count and a hash of all its rows, read as the owner (no RLS in the way)."""
    engine = create_engine(normalise_url(url))
    found = {}
    try:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                if table.name in skip:
                    continue
                rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                found[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    finally:
        engine.dispose()
    return found


@contextmanager
def owner(url: str) -> Iterator[Connection]:
    """A connection of the database owner, outside the app, committing each statement."""
    engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@contextmanager
def holding(url: str, statement: str, values: dict[str, object]) -> Iterator[int]:
    """Run `statement` in a transaction left open, so an import writing the same key waits on it;
    yields this backend's pid and rolls back at the end."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            conn.execute(text(statement), values)
            yield conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            conn.rollback()
    finally:
        engine.dispose()


def held_mark(
    url: str, school_id: int, pupil_id: int, day: date, session: str
) -> AbstractContextManager[int]:
    """Hold the key of one mark the import will write: its INSERT waits there, mid-file."""
    return holding(
        url,
        "INSERT INTO marks (school_id, pupil_id, date, session, code, batch_id) "
        "VALUES (:school, :pupil, :day, :session, '/', 999999)",
        {"school": school_id, "pupil": pupil_id, "day": day, "session": session},
    )


def kill_the_waiter(watch: Connection, blocker: int, alive: Callable[[], None]) -> int:
    """Wait (bounded) for a backend to queue behind `blocker`, then terminate it; returns its pid."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        pid = watch.execute(
            text("SELECT pid FROM pg_stat_activity WHERE :blocker = ANY(pg_blocking_pids(pid))"),
            {"blocker": blocker},
        ).scalar()
        if pid is not None:
            assert watch.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
            return pid
        alive()  # the importer failing early must not look like a wait
        time.sleep(0.05)
    raise AssertionError(f"no backend waited behind {blocker} within {WAIT_SECONDS} s")


def held_session(url: str, school_id: int, day: date, session: str) -> AbstractContextManager[int]:
    """Hold one school session's rollup row: the import waits there with every mark written."""
    return holding(
        url,
        f"INSERT INTO school_sessions (school_id, date, session, {', '.join(COUNTERS)}) "
        f"VALUES (:school, :day, :session, {', '.join('0' for _ in COUNTERS)})",
        {"school": school_id, "day": day, "session": session},
    )


def held_pupil(url: str, school_id: int, like_pupil: int, upn: str) -> AbstractContextManager[int]:
    """Hold a UPN the pupils import is about to add (a copy of another pupil's row under it)."""
    return holding(
        url,
        "INSERT INTO pupils SELECT (jsonb_populate_record(NULL::pupils, to_jsonb(p) "
        "|| jsonb_build_object('id', 999999, 'upn', CAST(:upn AS text)))).* FROM pupils p "
        "WHERE p.school_id = :school AND p.id = :pupil",
        {"school": school_id, "pupil": like_pupil, "upn": upn},
    )


def register(url: str, school_id: int) -> set[tuple[str, str, str, str, str]]:
    """The school's marks as a file lists them: upn, date, session, code, minutes late ('' for none)."""
    engine = create_engine(normalise_url(url))
    marks, pupils = Base.metadata.tables["marks"], Base.metadata.tables["pupils"]
    query = (
        select(pupils.c.upn, marks.c.date, marks.c.session, marks.c.code, marks.c.minutes_late)
        .join(pupils, (pupils.c.school_id == marks.c.school_id) & (pupils.c.id == marks.c.pupil_id))
        .where(marks.c.school_id == school_id)
    )
    try:
        with engine.connect() as conn:
            return {
                (upn, day.isoformat(), session, code, "" if minutes is None else str(minutes))
                for upn, day, session, code, minutes in conn.execute(query)
            }
    finally:
        engine.dispose()
