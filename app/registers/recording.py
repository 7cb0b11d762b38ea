"""Writing marks: new marks, amendments that keep the original, and the rollups that move with them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import repeat

import numpy as np
from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from app.audit.services import record_amendments
from app.registers import binary_copy
from app.registers.mark_arrays import SESSIONS, Marks
from app.registers.marks import Mark, MarkAmendment, MarkBatch, PupilWeek, SchoolSession
from app.registers.measures import COUNTERS
from app.registers.tally import Tally
from tenants.counters import allocate


@dataclass(frozen=True)
class Recorder:
    """Who records marks: their name and job title go on every batch and amendment."""

    user_id: int | None
    name: str
    title: str


@dataclass(frozen=True)
class Entry:
    """A mark as given: pupil, date, session, code and minutes late."""

    pupil_id: int
    date: date
    session: str
    code: str
    minutes_late: int | None = None


@dataclass(frozen=True)
class Change:
    """An existing mark and the entry that replaces it."""

    entry: Entry
    original_code: str
    original_minutes_late: int | None
    original_batch_id: int


def week_start(day: date) -> date:
    """Weeks run Monday to Sunday and are named by their Monday."""
    return day - timedelta(days=day.weekday())


def open_batch(db: Session, school_id: int, recorder: Recorder, source: str, description: str) -> MarkBatch:
    """Record who is writing marks now; the per-school counter also serialises writers on PostgreSQL."""
    batch = MarkBatch(
        school_id=school_id,
        id=allocate(db, school_id, "mark_batches"),
        recorded_by_id=recorder.user_id,
        recorded_by_name=recorder.name,
        recorded_by_title=recorder.title,
        source=source,
        description=description[:300],
    )
    db.add(batch)
    db.flush()
    return batch


class Rollups:
    """Counter deltas per pupil-week and per school session, written with one upsert each."""

    def __init__(self) -> None:
        self._weeks, self._sessions = Tally(), Tally()

    def add_marks(self, marks: Marks, sign: int = 1) -> None:
        """Count marks in (sign 1) or out (sign -1)."""
        day = marks.day.astype(np.int64)
        monday_number = (day - 1) // 7  # date ordinal 1 (1 January of year 1) was a Monday
        self._weeks.add(monday_number << 32 | marks.pupil, marks.code, marks.minutes, sign)
        self._sessions.add(day * 2 + marks.session, marks.code, marks.minutes, sign)

    def add(self, entries: Iterable[Entry], sign: int = 1) -> None:
        self.add_marks(
            Marks.of((e.pupil_id, e.date, e.session, e.code, e.minutes_late) for e in entries), sign
        )

    def replace(self, changes: list[Change]) -> None:
        """Amendments take the original marks out of the counts and put the new ones in."""
        self.add(
            (
                Entry(
                    c.entry.pupil_id, c.entry.date, c.entry.session, c.original_code, c.original_minutes_late
                )
                for c in changes
            ),
            -1,
        )
        self.add(c.entry for c in changes)

    def write(self, db: Session, school_id: int) -> None:
        keys, totals = self._weeks.totals()
        week_keys = [("pupil_id", keys & 0xFFFFFFFF, "integer"), ("week_start", (keys >> 32) * 7 + 1, "date")]
        _upsert(db, PupilWeek, school_id, week_keys, totals)
        keys, totals = self._sessions.totals()
        _upsert(
            db,
            SchoolSession,
            school_id,
            [("date", keys // 2, "date"), ("session", keys % 2, "session")],
            totals,
        )


def _upsert(
    db: Session, model: type, school_id: int, keys: list[tuple[str, np.ndarray, str]], totals: np.ndarray
) -> None:
    """Add deltas to rollup rows, creating the missing ones: binary COPY and one upsert on PostgreSQL.

    Keys are (column, values, kind): an integer, a date as its ordinal, or a session as 0 or 1.
    """
    if not len(totals):
        return
    table = model.__tablename__  # type: ignore[attr-defined]
    columns = ", ".join(["school_id", *(name for name, _, _ in keys), *COUNTERS])
    upsert = f"ON CONFLICT (school_id, {', '.join(name for name, _, _ in keys)}) DO UPDATE SET " + ", ".join(
        f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS
    )
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        rows = zip(
            repeat(school_id),
            *(_python_values(values, kind) for _, values, kind in keys),
            *totals.T.tolist(),
            strict=False,  # the school id repeats endlessly
        )
        placeholders = ", ".join("?" * (1 + len(keys) + len(COUNTERS)))
        connection.exec_driver_sql(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {upsert}", list(rows)
        )
        return
    delta = f"{table}_delta"
    connection.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {delta} (LIKE {table}) ON COMMIT DELETE ROWS"
    )
    connection.exec_driver_sql(f"DELETE FROM {delta}")  # empty unless written earlier in this transaction
    data = binary_copy.payload(
        [
            (np.full(len(totals), school_id), ">i4"),
            *(_binary_values(values, kind) for _, values, kind in keys),
            *((totals[:, i], ">i4") for i in range(len(COUNTERS))),
        ]
    )
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {delta} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(data)
    connection.exec_driver_sql(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {delta} {upsert}")


def _python_values(values: np.ndarray, kind: str) -> list:
    if kind == "date":
        return [date.fromordinal(d).isoformat() for d in values.tolist()]
    if kind == "session":
        return [SESSIONS[s] for s in values.tolist()]
    return values.tolist()


def _binary_values(values: np.ndarray, kind: str) -> tuple[np.ndarray, str]:
    if kind == "date":
        return values - binary_copy.EPOCH, ">i4"
    if kind == "session":
        return np.array([s.encode() for s in SESSIONS], "S2")[values], "S2"
    return values, ">i4"


def insert_marks(
    db: Session, school_id: int, batch_id: int, entries: Iterable[Entry], rollups: Rollups
) -> int:
    """Insert marks that do not exist yet."""
    entries = list(entries)
    rows = [
        {"school_id": school_id, "pupil_id": e.pupil_id, "date": e.date, "session": e.session,
         "code": e.code, "minutes_late": e.minutes_late, "batch_id": batch_id}
        for e in entries
    ]  # fmt: skip
    rollups.add(entries)
    if rows:
        db.execute(insert(Mark), rows)
    return len(rows)


def amend_marks(
    db: Session, school_id: int, batch: MarkBatch, changes: Iterable[Change], reason: str, rollups: Rollups
) -> int:
    """Change marks through amendments: the original entry, the new one, reason, who and when."""
    changes = list(changes)
    amendments, updates = [], []
    for change in changes:
        e = change.entry
        amendments.append(
            {"school_id": school_id, "pupil_id": e.pupil_id, "date": e.date, "session": e.session,
             "original_code": change.original_code, "original_minutes_late": change.original_minutes_late,
             "original_batch_id": change.original_batch_id, "new_code": e.code, "new_minutes_late": e.minutes_late,
             "batch_id": batch.id, "reason": reason, "amended_by_id": batch.recorded_by_id,
             "amended_by_name": batch.recorded_by_name, "amended_by_title": batch.recorded_by_title}
        )  # fmt: skip
        updates.append(
            {"k_pupil": e.pupil_id, "k_date": e.date, "k_session": e.session,
             "code": e.code, "minutes_late": e.minutes_late, "batch_id": batch.id}
        )  # fmt: skip
    if not amendments:
        return 0
    rollups.replace(changes)
    db.execute(insert(MarkAmendment), amendments)
    record_amendments(db, batch, len(amendments), reason)  # the trust's audit log, in this transaction
    table = Mark.__table__
    db.connection().execute(
        update(table)
        .where(
            table.c.school_id == school_id,
            table.c.pupil_id == bindparam("k_pupil"),
            table.c.date == bindparam("k_date"),
            table.c.session == bindparam("k_session"),
        )
        .values(
            code=bindparam("code"), minutes_late=bindparam("minutes_late"), batch_id=bindparam("batch_id")
        ),
        updates,
    )
    return len(amendments)
