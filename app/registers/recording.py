"""Writing marks: new marks, amendments that keep the original, and the rollups that move with them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from app.registers.codes import CODES
from app.registers.marks import Mark, MarkAmendment, MarkBatch, PupilWeek, SchoolSession
from app.registers.measures import COUNTERS, contribution
from tenants.counters import allocate

_CONTRIBUTION = {code: contribution(c, None) for code, c in CODES.items()}
_MINUTES = COUNTERS.index("minutes_late")


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
        # (pupil_id, week_start, code) -> sessions, and (pupil_id, week_start) -> minutes late
        self.week_codes: dict[tuple[int, date, str], int] = defaultdict(int)
        self.week_minutes: dict[tuple[int, date], int] = defaultdict(int)
        self.session_codes: dict[tuple[date, str, str], int] = defaultdict(int)
        self.session_minutes: dict[tuple[date, str], int] = defaultdict(int)
        self._weeks: dict[tuple, list[int]] = {}
        self._sessions: dict[tuple, list[int]] = {}

    def add(self, entry: Entry, sign: int = 1) -> None:
        week = week_start(entry.date)
        self.week_codes[(entry.pupil_id, week, entry.code)] += sign
        self.session_codes[(entry.date, entry.session, entry.code)] += sign
        if entry.minutes_late:
            self.week_minutes[(entry.pupil_id, week)] += sign * entry.minutes_late
            self.session_minutes[(entry.date, entry.session)] += sign * entry.minutes_late

    def replace(self, change: Change) -> None:
        """An amendment takes the original mark out of the counts and puts the new one in."""
        e = change.entry
        self.add(Entry(e.pupil_id, e.date, e.session, change.original_code, change.original_minutes_late), -1)
        self.add(e)

    def settle(self) -> None:
        """Turn the counts so far into counter totals (done while the database is still busy)."""
        for totals, by_code, minutes in (
            (self._weeks, self.week_codes, self.week_minutes),
            (self._sessions, self.session_codes, self.session_minutes),
        ):
            for key, values in _totals(by_code, minutes).items():
                row = totals.setdefault(key, [0] * len(COUNTERS))
                for i, value in enumerate(values):
                    row[i] += value
            by_code.clear()
            minutes.clear()

    def write(self, db: Session, school_id: int) -> None:
        self.settle()
        _upsert(db, PupilWeek, ("pupil_id", "week_start"), school_id, self._weeks)
        _upsert(db, SchoolSession, ("date", "session"), school_id, self._sessions)


def _totals(by_code: dict[tuple, int], minutes: dict[tuple, int]) -> dict[tuple, list[int]]:
    totals: dict[tuple, list[int]] = {}
    for (*key, code), sessions in by_code.items():
        if not sessions:
            continue
        row = totals.setdefault(tuple(key), [0] * len(COUNTERS))
        for i, value in enumerate(_CONTRIBUTION[code]):
            row[i] += value * sessions
    for key, value in minutes.items():
        totals.setdefault(key, [0] * len(COUNTERS))[_MINUTES] += value
    return totals


def _upsert(
    db: Session, model: type, keys: tuple[str, str], school_id: int, totals: dict[tuple, list[int]]
) -> None:
    """Add deltas to existing rollup rows, creating the missing ones: one statement per backend."""
    if not totals:
        return
    table = model.__table__.name  # type: ignore[attr-defined]
    columns = ("school_id", *keys, *COUNTERS)
    upsert = f"ON CONFLICT (school_id, {', '.join(keys)}) DO UPDATE SET " + ", ".join(
        f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS
    )
    rows = [(school_id, *key, *values) for key, values in totals.items()]
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        marks = ", ".join("?" * len(columns))
        connection.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) {upsert}", rows
        )
        return
    delta = f"{table}_delta"
    connection.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {delta} (LIKE {table}) ON COMMIT DROP")
    connection.exec_driver_sql(f"TRUNCATE {delta}")
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {delta} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {delta} {upsert}"
    )


def insert_marks(
    db: Session, school_id: int, batch_id: int, entries: Iterable[Entry], rollups: Rollups
) -> int:
    """Insert marks that do not exist yet."""
    rows = []
    for e in entries:
        rows.append(
            {"school_id": school_id, "pupil_id": e.pupil_id, "date": e.date, "session": e.session,
             "code": e.code, "minutes_late": e.minutes_late, "batch_id": batch_id}
        )  # fmt: skip
        rollups.add(e)
    if rows:
        db.execute(insert(Mark), rows)
    return len(rows)


def amend_marks(
    db: Session, school_id: int, batch: MarkBatch, changes: Iterable[Change], reason: str, rollups: Rollups
) -> int:
    """Change marks through amendments: the original entry, the new one, reason, who and when."""
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
        rollups.replace(change)
    if not amendments:
        return 0
    db.execute(insert(MarkAmendment), amendments)
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
