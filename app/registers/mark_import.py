"""Marks import: stream, validate every row, write in one transaction, or write nothing.

Rows for sessions the school has never recorded go straight to the database (the common
case: this week's registers); rows for sessions already recorded are staged and merged, so a
re-sent mark is a no-op and a different code becomes an amendment. Memory stays bounded:
duplicates are found with a bitmap per date, rollups are counted per pupil-week and code.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.registers.codes import LATE_CODES, CodeError, lookup
from app.registers.importer import ImportRejected, Problem
from app.registers.mark_sinks import apply_merge, sink_for
from app.registers.marks import SchoolSession
from app.registers.models import Pupil
from app.registers.recording import Recorder, Rollups, open_batch, week_start
from tenants.models import School
from tenants.scoping import sync_rls

REQUIRED = ("upn", "date", "session", "code")
OPTIONAL = ("minutes_late",)
MAX_PROBLEMS = 10_000  # listed in full up to this many; beyond it they are counted
MAX_MINUTES = 300
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class MarkImportResult:
    rows: int = 0
    new: int = 0
    amended: int = 0
    unchanged: int = 0
    batch_id: int | None = None


def _date_resolver(db: Session, school_id: int, today: date) -> Callable[[str], tuple | str]:
    """Check a date string once: (date, ordinal, week start, sessions already recorded) or a problem."""
    recorded: dict[date, set[str]] = {}
    for day, session in db.execute(
        select(SchoolSession.date, SchoolSession.session).where(SchoolSession.school_id == school_id)
    ):
        recorded.setdefault(day, set()).add(session)

    def resolve(text: str) -> tuple | str:
        text = text.strip()
        if not _ISO_DATE.match(text):
            return f"'{text}' is not a date in the form YYYY-MM-DD"
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return f"'{text}' is not a real date"
        if day.weekday() >= 5:
            return f"{text} is a {_WEEKDAY_NAMES[day.weekday()]}; registers are not taken at weekends"
        if day > today:
            return f"{text} is in the future"
        return day, day.toordinal(), week_start(day), frozenset(recorded.get(day, ())), text

    return resolve


def _upn_resolver(db: Session, school_id: int) -> Callable[[str], tuple | str]:
    """UPN -> (pupil id, dense index, admission ordinal, leaving ordinal, UPN) or a problem."""
    rows = db.execute(
        select(Pupil.upn, Pupil.id, Pupil.admission_date, Pupil.leaving_date).where(
            Pupil.school_id == school_id
        )
    )
    index = {
        upn: (pid, i, admitted.toordinal(), left.toordinal() if left else 10**7, upn)
        for i, (upn, pid, admitted, left) in enumerate(rows)
    }

    def resolve(text: str) -> tuple | str:
        upn = text.strip().upper()
        return index.get(upn) or f"UPN {upn or '(blank)'} is not on this school's admission register"

    resolve.size = len(index)  # type: ignore[attr-defined]
    return resolve


def _code_resolver(text: str) -> tuple[str, bool] | str:
    try:
        found = lookup(text)
    except CodeError as exc:
        return str(exc)
    return found.code, found.code in LATE_CODES


def _session_resolver(text: str) -> str:
    session = text.strip().upper()
    return (
        (0, session)
        if session == "AM"
        else (1, session)
        if session == "PM"
        else f"'{text}' should be AM or PM"
    )


class EntryRecords:
    """JSON mark entries (objects, checked by the API) read like CSV rows, so one validator serves both."""

    def __init__(self, entries: list[dict]) -> None:
        self._entries = entries
        self.line_num = 0

    def __iter__(self) -> Iterator[list[str]]:
        yield [*REQUIRED, *OPTIONAL]
        for line, entry in enumerate(self._entries, start=2):
            self.line_num = line
            minutes = entry.get("minutes_late")
            yield [*(str(entry.get(k) or "") for k in REQUIRED), "" if minutes is None else str(minutes)]


def import_marks(
    db: Session,
    school: School,
    stream: BinaryIO | EntryRecords,
    *,
    source: str,
    description: str,
    recorder: Recorder,
    reason: str,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> MarkImportResult:
    """Import marks for one school from a CSV stream or JSON entries; all or nothing.

    Raises ImportRejected naming every wrong row (line N of a file is entry N - 1 of JSON).
    """
    if isinstance(stream, EntryRecords):
        reader: Any = stream
    else:
        reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
    try:
        result = _import(
            db, school, reader, source, description, recorder, reason, today or date.today(), progress
        )
    except BaseException:
        db.rollback()
        raise
    db.commit()
    return result


def _import(
    db: Session,
    school: School,
    reader: Any,
    source: str,
    description: str,
    recorder: Recorder,
    reason: str,
    today: date,
    progress: Callable[[int], None] | None,
) -> MarkImportResult:
    sync_rls(db)
    records = iter(reader)
    problems: list[Problem] = []
    extra_problems = 0

    def problem(line: int, column: str | None, message: str) -> None:
        nonlocal extra_problems
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(line, column, message))
        else:
            extra_problems += 1

    try:
        header = [h.strip().lower() for h in next(records, [])]
    except UnicodeDecodeError:
        raise ImportRejected([Problem(1, None, "the file is not UTF-8 text")]) from None
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if not header or missing or unknown:
        raise ImportRejected(
            [Problem(1, c, f"required column '{c}' is missing") for c in missing]
            + [Problem(1, c, f"unknown column '{c}'") for c in unknown]
            or [Problem(1, None, "the file is empty; expected a header row")]
        )
    i_upn, i_date, i_session, i_code = (header.index(c) for c in REQUIRED)
    i_minutes = header.index("minutes_late") if "minutes_late" in header else None
    width = len(header)

    resolve_upn = _upn_resolver(db, school.id)
    resolvers = (
        (i_upn, {}, resolve_upn, "upn"),
        (i_date, {}, _date_resolver(db, school.id, today), "date"),
        (i_session, {}, _session_resolver, "session"),
        (i_code, {}, _code_resolver, "code"),
    )
    (_, upns, _, _), (_, dates, _, _), (_, sessions, _, _), (_, codes, _, _) = resolvers
    bitmaps: dict[str, bytearray] = {}
    bitmap_size = (resolve_upn.size * 2 + 7) // 8  # type: ignore[attr-defined]
    batch = open_batch(db, school.id, recorder, source, description)
    sink = sink_for(db, school.id, batch.id)
    rollups = Rollups()
    week_codes, week_minutes = rollups.week_codes, rollups.week_minutes
    session_codes, session_minutes = rollups.session_codes, rollups.session_minutes
    fresh: list[tuple] = []
    chunk = sink.chunk
    fresh_rows = merge_rows = 0
    school_id, batch_id = school.id, batch.id
    try:
        for record in records:
            if len(record) != width:
                if any(cell.strip() for cell in record):
                    problem(reader.line_num, None, f"has {len(record)} fields but the header has {width}")
                continue
            pupil = upns.get(record[i_upn])
            day = dates.get(record[i_date])
            session = sessions.get(record[i_session])
            code = codes.get(record[i_code])
            if (
                pupil is None
                or day is None
                or session is None
                or code is None
                or str in (pupil.__class__, day.__class__, session.__class__, code.__class__)
            ):
                bad = _resolve_all(record, resolvers, reader.line_num, problem)
                if bad:
                    continue
                pupil, day, session, code = (cache[record[i]] for i, cache, _, _ in resolvers)
            minutes = None
            if i_minutes is not None and record[i_minutes]:
                minutes = _minutes(record[i_minutes], code, reader.line_num, problem)
                if minutes is False:
                    continue
            if not pupil[2] <= day[1] <= pupil[3] and code[0] != "Z":
                problem(reader.line_num, "date", f"pupil {pupil[4]} is not on roll on {day[4]}")
                continue
            bitmap = bitmaps.get(day[4])
            if bitmap is None:
                bitmap = bitmaps[day[4]] = bytearray(bitmap_size)
            bit = pupil[1] * 2 + session[0]
            if bitmap[bit >> 3] & (1 << (bit & 7)):
                problem(reader.line_num, None, f"a second mark for UPN {pupil[4]} on {day[4]} {session[1]}")
                continue
            bitmap[bit >> 3] |= 1 << (bit & 7)
            if problems:
                continue  # keep checking, but nothing more will be written
            if session[1] in day[3]:
                sink.stage(pupil[0], day[4], session[1], code[0], minutes)
                merge_rows += 1
                continue
            fresh.append((school_id, pupil[0], day[4], session[1], code[0], minutes, batch_id))
            week_codes[(pupil[0], day[2], code[0])] += 1
            session_codes[(day[0], session[1], code[0])] += 1
            if minutes:
                week_minutes[(pupil[0], day[2])] += minutes
                session_minutes[(day[0], session[1])] += minutes
            if len(fresh) >= chunk:
                sink.write(fresh)
                fresh_rows += len(fresh)
                if progress:
                    progress(len(fresh))
                fresh = []
    except UnicodeDecodeError:
        problem(reader.line_num + 1, None, "the file is not UTF-8 text from here on")
    except csv.Error as exc:
        problem(reader.line_num, None, f"the CSV cannot be read: {exc}")
    if not (fresh or fresh_rows or merge_rows or problems):
        problem(2, None, "the file has a header but no marks")
    if problems:
        if extra_problems:
            problems.append(Problem(reader.line_num, None, f"... and {extra_problems} more problems"))
        sink.abandon()
        raise ImportRejected(problems)

    sink.write(fresh)
    fresh_rows += len(fresh)
    rollups.settle()  # while the writer thread finishes the last chunk
    sink.finish()
    result = MarkImportResult(rows=fresh_rows + merge_rows, new=fresh_rows, batch_id=batch.id)
    if merge_rows:
        new, changes = sink.merge()
        for entry in new:
            rollups.add(entry)
        for change in changes:
            rollups.replace(change)
        apply_merge(db, school.id, batch, reason)
        result.new += len(new)
        result.amended = len(changes)
        result.unchanged = merge_rows - len(new) - len(changes)
    rollups.write(db, school.id)
    batch.new_marks, batch.amended_marks = result.new, result.amended
    if progress:
        progress(len(fresh) + merge_rows)
    return result


def _resolve_all(
    record: list[str], resolvers: tuple, line: int, problem: Callable[[int, str | None, str], None]
) -> bool:
    """Fill the caches for a row's fields; report each field that is wrong. True if any was."""
    bad = False
    for i, cache, resolve, column in resolvers:
        value = cache.get(record[i])
        if value is None:
            value = cache[record[i]] = resolve(record[i])
        if isinstance(value, str):
            problem(line, column, value)
            bad = True
    return bad


def _minutes(
    text: str, code: tuple[str, bool], line: int, problem: Callable[[int, str | None, str], None]
) -> int | bool | None:
    """Minutes late: None if blank, the number if valid, False after reporting a problem."""
    raw = text.strip()
    if not raw:
        return None
    if not code[1]:
        problem(line, "minutes_late", f"minutes late are recorded only with L or U, not {code[0]}")
        return False
    if not raw.isdigit() or not 0 < int(raw) <= MAX_MINUTES:
        problem(line, "minutes_late", f"'{raw}' is not a number of minutes from 1 to {MAX_MINUTES}")
        return False
    return int(raw)
