"""Where imported marks go while the file streams: COPY on PostgreSQL, executemany on SQLite."""

from __future__ import annotations

import queue
import threading
from typing import Any, Protocol

from sqlalchemy import (
    Boolean,
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
from sqlalchemy.orm import Session

from app.db import UTCDateTime, utcnow
from app.registers.codes import CODES
from app.registers.marks import Mark, MarkBatch
from app.registers.recording import Change, Entry

CHUNK = 20_000
_COPY_CODE = {code: code.replace("\\", "\\\\") for code in CODES}  # COPY text format escapes backslashes
_staging = Table(
    "import_marks",
    MetaData(),
    Column("pupil_id", Integer),
    Column("date", Date),
    Column("session", String(2)),
    Column("code", String(2)),
    Column("minutes_late", SmallInteger),
    Column("fresh", Boolean),
)


class MarkSink(Protocol):
    chunk: int

    def write(self, rows: list[tuple]) -> None: ...
    def stage(self, pupil_id: int, day: str, session: str, code: str, minutes: int | None) -> None: ...
    def finish(self) -> None: ...
    def abandon(self) -> None: ...
    def merge(self) -> tuple[list[Entry], list[Change]]: ...


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
            s.c.fresh.is_(False),
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


def apply_merge(db: Session, school_id: int, batch: MarkBatch, reason: str) -> None:
    """Write the staged changes set-based: amendments (keeping each original), updates, new marks.

    The caller has already read the same rows with `_merge` for the rollups and the counts.
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
            f"FROM import_marks s JOIN marks m ON {key} WHERE NOT s.fresh AND {differs}"
        ).bindparams(bindparam("now", type_=UTCDateTime())),
        params,
    )
    connection.execute(
        text(
            "UPDATE marks AS m SET code = s.code, minutes_late = s.minutes_late, batch_id = :batch "
            f"FROM import_marks s WHERE {key} AND NOT s.fresh AND {differs}"
        ),
        params,
    )
    connection.execute(
        text(
            "INSERT INTO marks (school_id, pupil_id, date, session, code, minutes_late, batch_id) "
            "SELECT :school, s.pupil_id, s.date, s.session, s.code, s.minutes_late, :batch "
            f"FROM import_marks s LEFT JOIN marks m ON {key} WHERE NOT s.fresh AND m.pupil_id IS NULL"
        ),
        params,
    )


def _merge(db: Session, school_id: int) -> tuple[list[Entry], list[Change]]:
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


class PostgresSink:
    """Stream chunks to a writer thread that COPYs each into a temporary table and moves it into
    marks with INSERT ... SELECT (COPY cannot target a table with row-level security). The server
    works on one chunk while this process parses the next.
    """

    chunk = 50_000

    def __init__(self, db: Session, school_id: int, batch_id: int) -> None:
        self.db, self.school_id, self.batch_id = db, school_id, batch_id
        connection = db.connection()
        for name in ("import_chunk", "import_marks"):
            connection.exec_driver_sql(
                f"CREATE TEMP TABLE {name} (pupil_id integer, date date, session text, code text, "
                "minutes_late smallint, fresh boolean) ON COMMIT DROP"
            )
        self._raw = connection.connection.driver_connection
        self._staged: list[tuple] = []
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._writer = threading.Thread(target=self._write_loop, name="turnout-mark-writer", daemon=True)
        self._writer.start()

    def _write_loop(self) -> None:
        while (job := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._run(*job)
                except BaseException as exc:  # re-raised in the importing thread by _join
                    self._error = exc

    def _run(self, kind: str, payload: Any) -> None:
        with self._raw.cursor() as cursor:
            if kind == "fresh":
                with cursor.copy("COPY import_chunk FROM STDIN") as copy:
                    copy.write(payload)
                cursor.execute(
                    "INSERT INTO marks (school_id, pupil_id, date, session, code, minutes_late, batch_id) "
                    "SELECT %s, pupil_id, date, session, code, minutes_late, %s FROM import_chunk",
                    (self.school_id, self.batch_id),
                )
                cursor.execute("TRUNCATE import_chunk")
            else:
                with cursor.copy("COPY import_marks FROM STDIN") as copy:
                    for row in payload:
                        copy.write_row(row)

    def _join(self) -> None:
        self._queue.put(None)
        self._writer.join()
        if self._error is not None:
            raise self._error

    def write(self, rows: list[tuple]) -> None:
        """Rows are (school_id, pupil_id, date text, session, code, minutes, batch_id).

        Formatted here, in the importing thread: the writer thread then only waits on the
        server, so it never competes with parsing for the interpreter.
        """
        text = "".join(
            f"{r[1]}\t{r[2]}\t{r[3]}\t{_COPY_CODE[r[4]]}\t{_copy_minutes(r[5])}\tt\n" for r in rows
        )
        self._queue.put(("fresh", text))

    def stage(self, pupil_id: int, day: str, session: str, code: str, minutes: int | None) -> None:
        self._staged.append((pupil_id, day, session, code, minutes, False))
        if len(self._staged) >= CHUNK:
            self._queue.put(("staged", self._staged))
            self._staged = []

    def finish(self) -> None:
        self._queue.put(("staged", self._staged))
        self._staged = []
        self._join()

    def abandon(self) -> None:
        self._staged = []
        self._join()

    def merge(self) -> tuple[list[Entry], list[Change]]:
        return _merge(self.db, self.school_id)


def _copy_minutes(minutes: int | None) -> str:
    return "\\N" if minutes is None else str(minutes)


class SqliteSink:
    """Insert new marks as they stream; stage the rest in a temporary table for the merge."""

    chunk = CHUNK

    INSERT = "INSERT INTO marks (school_id, pupil_id, date, session, code, minutes_late, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
    STAGE = "INSERT INTO import_marks VALUES (?, ?, ?, ?, ?, 0)"

    def __init__(self, db: Session, school_id: int, batch_id: int) -> None:
        self.db, self.school_id, self.batch_id = db, school_id, batch_id
        self._raw = db.connection().connection.driver_connection
        self._raw.execute("DROP TABLE IF EXISTS temp.import_marks")
        self._raw.execute(
            "CREATE TEMP TABLE import_marks (pupil_id INTEGER, date DATE, session TEXT, code TEXT, "
            "minutes_late INTEGER, fresh BOOLEAN)"
        )
        self._staged: list[tuple] = []

    def write(self, rows: list[tuple]) -> None:
        """Rows are (school_id, pupil_id, date text, session, code, minutes, batch_id)."""
        self._raw.executemany(self.INSERT, rows)

    def stage(self, pupil_id: int, day: str, session: str, code: str, minutes: int | None) -> None:
        self._staged.append((pupil_id, day, session, code, minutes))
        if len(self._staged) >= CHUNK:
            self._raw.executemany(self.STAGE, self._staged)
            self._staged.clear()

    def finish(self) -> None:
        self._raw.executemany(self.STAGE, self._staged)
        self._staged.clear()

    def abandon(self) -> None:
        self._staged.clear()

    def merge(self) -> tuple[list[Entry], list[Change]]:
        return _merge(self.db, self.school_id)
