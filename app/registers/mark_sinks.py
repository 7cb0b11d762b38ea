"""Where imported marks go while the file streams: binary COPY on PostgreSQL, executemany on SQLite.

Blocks of new marks go straight into `marks`; marks for sessions the school had already recorded
are staged in `import_marks` and merged at the end (a re-sent mark is a no-op, a different one an
amendment).
"""

from __future__ import annotations

import queue
import threading
from datetime import date
from itertools import repeat
from typing import Any, NoReturn, Protocol

import numpy as np
import psycopg
from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    and_,
    bindparam,
    or_,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db import UTCDateTime, utcnow
from app.registers import binary_copy
from app.registers.mark_arrays import CODE_LIST, SESSIONS, Marks
from app.registers.mark_checks import MAX_MINUTES
from app.registers.marks import Mark, MarkBatch
from app.registers.recording import Change, Entry

_staging = Table(
    "import_marks",
    MetaData(),
    Column("pupil_id", Integer),
    Column("date", Date),
    Column("session", String(2)),
    Column("code", String(2)),
    Column("minutes_late", SmallInteger),
)


class MarkSink(Protocol):
    def write(self, marks: Marks) -> None: ...
    def stage(self, marks: Marks) -> None: ...
    def finish(self) -> None: ...
    def abandon(self) -> None: ...


def sink_for(db: Session, school_id: int, batch_id: int) -> MarkSink:
    if db.get_bind().dialect.name == "postgresql":
        return PostgresSink(db, school_id, batch_id)
    return SqliteSink(db, school_id, batch_id)


def _merge_query(school_id: int) -> Any:
    """Staged rows that are new, or differ from the mark already held."""
    marks, s = Mark.__table__, _staging
    joined = s.outerjoin(
        marks,
        and_(
            marks.c.school_id == school_id,
            marks.c.pupil_id == s.c.pupil_id,
            marks.c.date == s.c.date,
            marks.c.session == s.c.session,
        ),
    )
    return (
        select(
            s.c.pupil_id,
            s.c.date,
            s.c.session,
            s.c.code,
            s.c.minutes_late,
            marks.c.code,
            marks.c.minutes_late,
            marks.c.batch_id,
        )  # fmt: skip
        .select_from(joined)
        .where(
            or_(
                marks.c.code.is_(None),
                marks.c.code != s.c.code,
                marks.c.minutes_late.is_distinct_from(s.c.minutes_late),
            ),
        )
    )


_DIFFERS = {
    "postgresql": "(m.code <> s.code OR m.minutes_late IS DISTINCT FROM s.minutes_late)",
    "sqlite": "(m.code <> s.code OR m.minutes_late IS NOT s.minutes_late)",
}
_NEW_UUID = {"postgresql": "gen_random_uuid()", "sqlite": "lower(hex(randomblob(16)))"}
_KEY = "m.school_id = :school AND m.pupil_id = s.pupil_id AND m.date = s.date AND m.session = s.session"


def staged_changes(db: Session, school_id: int) -> tuple[list[Entry], list[Change]]:
    """The staged marks that are new, and those that change a mark already held."""
    if db.connection().dialect.name == "postgresql":
        # Autovacuum never sees a temporary table: unanalysed, the planner takes the staged marks for 800 rows
        # and hashes all the school's marks in each merge statement (0.5 s for an MIS post of 60 marks).
        db.connection().exec_driver_sql("ANALYZE import_marks")
    new: list[Entry] = []
    changes: list[Change] = []
    for pid, day, session, code, minutes, old_code, old_minutes, old_batch in db.connection().execute(
        _merge_query(school_id)
    ):
        entry = Entry(pid, day, session, code, minutes)
        if old_code is None:
            new.append(entry)
        else:
            changes.append(Change(entry, old_code, old_minutes, old_batch))
    return new, changes


def apply_merge(db: Session, school_id: int, batch: MarkBatch, reason: str) -> None:
    """Write the staged changes set-based: amendments (keeping each original), updates, new marks.

    The caller has already read the same rows with `staged_changes` for the rollups and the counts.
    """
    connection = db.connection()
    dialect = connection.dialect.name
    differs, key = _DIFFERS[dialect], _KEY
    params = {
        "school": school_id, "batch": batch.id, "reason": reason, "now": utcnow(), "by_id": batch.recorded_by_id,
        "by_name": batch.recorded_by_name, "by_title": batch.recorded_by_title,
    }  # fmt: skip
    connection.execute(
        text(
            "INSERT INTO mark_amendments (school_id, id, pupil_id, date, session, original_code, "
            "original_minutes_late, original_batch_id, new_code, new_minutes_late, batch_id, reason, amended_at, "
            "amended_by_id, amended_by_name, amended_by_title) "
            f"SELECT :school, {_NEW_UUID[dialect]}, s.pupil_id, s.date, s.session, m.code, m.minutes_late, m.batch_id, "
            "s.code, s.minutes_late, :batch, :reason, :now, :by_id, :by_name, :by_title "
            f"FROM import_marks s JOIN marks m ON {key} WHERE {differs}"
        ).bindparams(bindparam("now", type_=UTCDateTime())),
        params,
    )
    connection.execute(
        text(
            "UPDATE marks AS m SET code = s.code, minutes_late = s.minutes_late, batch_id = :batch "
            f"FROM import_marks s WHERE {key} AND {differs}"
        ),
        params,
    )
    connection.execute(
        text(
            "INSERT INTO marks (school_id, pupil_id, date, session, code, minutes_late, batch_id) "
            "SELECT :school, s.pupil_id, s.date, s.session, s.code, s.minutes_late, :batch "
            f"FROM import_marks s LEFT JOIN marks m ON {key} WHERE m.pupil_id IS NULL"
        ),
        params,
    )


_DECODED = (
    "SELECT pupil_id, date, (%(sessions)s::text[])[session + 1], (%(codes)s::text[])[code + 1], "
    "NULLIF(minutes_late, 0) FROM import_chunk"
)


def _payload(marks: Marks) -> bytes:
    return binary_copy.payload(
        [
            (marks.pupil, ">i4"),
            (marks.day - binary_copy.EPOCH, ">i4"),
            (marks.session, ">i2"),
            (marks.code, ">i2"),
            (marks.minutes, ">i2"),
        ]
    )


class PostgresSink:
    """A writer thread COPYs each block into a temporary table and moves it into marks with
    INSERT ... SELECT (COPY cannot target a table with row-level security), so the server works
    on one block while this process checks the next.
    """

    def __init__(self, db: Session, school_id: int, batch_id: int) -> None:
        connection = db.connection()
        # Kept for the connection's life and emptied at each commit: creating them per import costs
        # more than a small file's marks.
        connection.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS import_chunk (pupil_id integer, date date, session smallint, "
            "code smallint, minutes_late smallint) ON COMMIT DELETE ROWS"
        )
        connection.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS import_marks (pupil_id integer, date date, session text, code text, "
            "minutes_late smallint) ON COMMIT DELETE ROWS"
        )
        self._connection = connection
        self._raw = connection.connection.driver_connection
        self._params = {
            "school": school_id,
            "batch": batch_id,
            "sessions": list(SESSIONS),
            "codes": list(CODE_LIST),
        }
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._writer = threading.Thread(target=self._write_loop, name="turnout-mark-writer", daemon=True)
        self._writer.start()

    def _write_loop(self) -> None:
        while (job := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._run(*job)
                except BaseException as exc:  # re-raised in the importing thread by finish
                    self._error = exc

    def _run(self, target: str, payload: bytes) -> None:
        with self._raw.cursor() as cursor:
            with cursor.copy("COPY import_chunk FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(payload)
            if target == "marks":
                cursor.execute(
                    "INSERT INTO marks (school_id, pupil_id, date, session, code, minutes_late, batch_id) "
                    f"SELECT %(school)s, d.*, %(batch)s FROM ({_DECODED}) AS d",
                    self._params,
                )
            else:
                cursor.execute(f"INSERT INTO import_marks {_DECODED}", self._params)
            cursor.execute("TRUNCATE import_chunk")

    def write(self, marks: Marks) -> None:
        self._send("marks", marks)

    def stage(self, marks: Marks) -> None:
        self._send("import_marks", marks)

    def _send(self, target: str, marks: Marks) -> None:
        """Queue a block for the writer; once it has failed, stop checking the file and say why."""
        if self._error is not None:
            self._raise()
        self._queue.put((target, _payload(marks)))

    def finish(self) -> None:
        """Wait for the writer; a database error it met is raised here, in the importing thread."""
        self.abandon()
        if self._error is not None:
            self._raise()

    def _raise(self) -> NoReturn:
        """The writer's error as SQLAlchemy raises it, so callers tell a lost connection from a bug, and
        a lost connection invalidated, so the rollback does not fail on it and the pool drops it."""
        error = self._error
        assert error is not None
        if not isinstance(error, psycopg.Error):
            raise error
        lost = self._connection.dialect.is_disconnect(error, self._raw, None)
        if lost:
            self._connection.invalidate(error)
        raise DBAPIError.instance(None, None, error, psycopg.Error, connection_invalidated=lost) from error

    def abandon(self) -> None:
        """Stop the writer (the caller rolls the transaction back); safe to call more than once."""
        if self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()


_MINUTES_VALUE = (None, *range(1, MAX_MINUTES + 1))  # 0 stands for no minutes late


def _rows(marks: Marks, *prefix: int) -> Any:
    """Marks as parameter tuples: (*prefix, pupil_id, date text, session, code, minutes)."""
    days = {d: date.fromordinal(d).isoformat() for d in np.unique(marks.day).tolist()}
    return zip(
        *(repeat(value) for value in prefix),
        marks.pupil.tolist(),
        map(days.__getitem__, marks.day.tolist()),
        map(SESSIONS.__getitem__, marks.session.tolist()),
        map(CODE_LIST.__getitem__, marks.code.tolist()),
        map(_MINUTES_VALUE.__getitem__, marks.minutes.tolist()),
        strict=False,  # the repeated prefix values are endless
    )


class SqliteSink:
    """Insert new marks as they stream; stage the rest in a temporary table for the merge."""

    def __init__(self, db: Session, school_id: int, batch_id: int) -> None:
        self.school_id, self.batch_id = school_id, batch_id
        self._raw = db.connection().connection.driver_connection
        self._raw.execute("DROP TABLE IF EXISTS temp.import_marks")
        self._raw.execute(
            "CREATE TEMP TABLE import_marks (pupil_id INTEGER, date DATE, session TEXT, code TEXT, minutes_late INTEGER)"
        )

    def write(self, marks: Marks) -> None:
        self._raw.executemany(
            "INSERT INTO marks (school_id, batch_id, pupil_id, date, session, code, minutes_late) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            _rows(marks, self.school_id, self.batch_id),
        )

    def stage(self, marks: Marks) -> None:
        self._raw.executemany("INSERT INTO import_marks VALUES (?, ?, ?, ?, ?)", _rows(marks))

    def finish(self) -> None:
        pass

    def abandon(self) -> None:
        pass
