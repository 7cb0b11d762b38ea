"""Weekly flag snapshots: for every pupil on roll, year-to-date and week attendance, flag, trend and
next step, computed from the pupil-week rollups for many schools and weeks at once.

A snapshot is stored per school and week with its pupils packed column-wise (ROW), so the weekly
dashboard reads one row per school-week. A week that had ended when it was computed is closed and
kept as history; the open week is recomputed whenever the school has recorded marks since.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from app.db import utcnow
from app.flags.models import FlagSnapshot
from app.flags.rules import RuleSet, flags_of, steps_of, trends_of
from app.flags.rulesets import current_rules
from app.interventions.models import Case
from app.registers import binary_copy
from app.registers.marks import MarkBatch, PupilWeek
from app.registers.models import Pupil
from app.registers.recording import week_start
from app.registers.reports import academic_year_start
from tenants.context import current
from tenants.models import School

ROW = np.dtype(
    [
        ("pupil", "<i4"),
        ("ytd_possible", "<i2"),
        ("ytd_attended", "<i2"),
        ("before_possible", "<i2"),
        ("before_attended", "<i2"),
        ("week_possible", "<i2"),
        ("week_attended", "<i2"),
        ("flag", "i1"),
        ("trend", "i1"),
        ("step", "i1"),
        ("open_intervention", "i1"),
    ]
)  # fmt: skip  (a school year has at most a few hundred sessions)


@dataclass(frozen=True)
class WeekFlags:
    """One school's flags for one week, as stored."""

    school_id: int
    week_start: date
    rules_version: int
    closed: bool
    rows: np.ndarray  # ROW records, one per pupil on roll that week, by pupil id


def weeks_of_year(today: date) -> list[date]:
    """The Mondays of the academic year up to the week containing today."""
    first = _first_monday(academic_year_start(today))
    return [first + timedelta(days=7 * i) for i in range((week_start(today) - first).days // 7 + 1)]


def _first_monday(day: date) -> date:
    return day + timedelta(days=-day.weekday() % 7)


def recompute(db: Session, schools: list[School], weeks: list[date], today: date) -> int:
    """Compute and store the snapshots of these schools and weeks (one academic year), replacing any
    held; returns how many were written. The caller commits."""
    if not schools or not weeks:
        return 0
    computed = compute(db, schools, weeks, today)
    batches = _last_batches(db, [s.id for s in schools])
    rows = [
        (f.school_id, f.week_start, f.rules_version, f.closed, batches.get(f.school_id, 0), utcnow(), len(f.rows),
         f.rows.tobytes())
        for f in computed
    ]  # fmt: skip
    _store(db, rows)
    return len(computed)


_COLUMNS = (
    "school_id",
    "week_start",
    "rules_version",
    "closed",
    "last_batch",
    "computed_at",
    "pupils",
    "data",
)


def _store(db: Session, rows: list[tuple]) -> None:
    """Replace the snapshots for these school-weeks: on PostgreSQL by binary COPY into a temporary table
    and one upsert (several megabytes of packed pupils go faster as raw bytes than as parameters)."""
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        keys = [(r[0], r[1]) for r in rows]
        db.execute(
            delete(FlagSnapshot).where(tuple_(FlagSnapshot.school_id, FlagSnapshot.week_start).in_(keys))
        )
        db.execute(insert(FlagSnapshot), [dict(zip(_COLUMNS, r, strict=True)) for r in rows])
        return
    columns = ", ".join(_COLUMNS)
    connection.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS flag_snapshots_new (LIKE flag_snapshots) ON COMMIT DELETE ROWS"
    )
    connection.exec_driver_sql(
        "DELETE FROM flag_snapshots_new"
    )  # empty unless stored earlier in this transaction
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY flag_snapshots_new ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "date", "int4", "bool", "int4", "timestamptz", "int4", "bytea"])
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO flag_snapshots ({columns}) SELECT {columns} FROM flag_snapshots_new "
            "ON CONFLICT (school_id, week_start) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[2:])
        )


def week_flags(db: Session, school: School, week: date, today: date) -> WeekFlags:
    """The school's flags for the week starting `week`: the stored snapshot while it is still right,
    otherwise computed now and stored (the caller commits)."""
    week = week_start(week)
    stored = db.get(FlagSnapshot, (school.id, week))
    if stored is not None and (
        stored.closed or stored.last_batch == _last_batches(db, [school.id]).get(school.id, 0)
    ):
        return _unpack(stored)
    recompute(db, [school], [week], today)
    fresh = db.get(FlagSnapshot, (school.id, week), populate_existing=True)
    assert fresh is not None
    return _unpack(fresh)


def _unpack(stored: FlagSnapshot) -> WeekFlags:
    rows = np.frombuffer(stored.data, ROW)
    return WeekFlags(stored.school_id, stored.week_start, stored.rules_version, stored.closed, rows)


def compute(db: Session, schools: list[School], weeks: list[date], today: date) -> list[WeekFlags]:
    """Snapshots for every school and week given (weeks of one academic year), without storing them."""
    weeks = sorted({week_start(w) for w in weeks})
    first = _first_monday(academic_year_start(weeks[-1]))
    if weeks[0] < first:
        raise ValueError("flags are computed for weeks of one academic year at a time")
    school_ids = [s.id for s in schools]
    if not set(school_ids) <= current().school_ids:
        raise PermissionError("flags are computed only for schools the tenant context allows")
    counts = _pupil_weeks(db, school_ids, first, weeks[-1])
    pupils = _pupils(db, school_ids, weeks[0], weeks[-1])
    cases = _cases(db, school_ids)
    rules = {trust_id: current_rules(db, trust_id) for trust_id in {s.trust_id for s in schools}}
    found: list[WeekFlags] = []
    for school in schools:
        version, rule_set = rules[school.trust_id]
        found += _school_weeks(
            school.id, counts.get(school.id), pupils.get(school.id), cases.get(school.id), first, weeks, today,
            version, rule_set,
        )  # fmt: skip
    return found


def _school_weeks(
    school_id: int,
    counts: tuple[np.ndarray, ...] | None,
    pupils: tuple[np.ndarray, ...] | None,
    cases: tuple[np.ndarray, ...] | None,
    first: date,
    weeks: list[date],
    today: date,
    version: int,
    rule_set: RuleSet,
) -> list[WeekFlags]:
    if pupils is None:
        return [WeekFlags(school_id, w, version, _closed(w, today), np.zeros(0, ROW)) for w in weeks]
    ids, admitted, leaving = pupils
    span = (weeks[-1] - first).days // 7 + 1
    possible = np.zeros((len(ids), span + 1), np.int32)  # column 0: before the first week
    attended = np.zeros((len(ids), span + 1), np.int32)
    if counts is not None:
        pupil, week, week_possible, week_attended = counts
        at = np.searchsorted(ids, pupil)
        known = (at < len(ids)) & (ids[np.minimum(at, len(ids) - 1)] == pupil)
        column = (week[known] - first.toordinal()) // 7 + 1
        possible[at[known], column] = week_possible[known]
        attended[at[known], column] = week_attended[known]
    ytd_possible, ytd_attended = possible.cumsum(axis=1), attended.cumsum(axis=1)
    found = []
    for monday in weeks:
        k = (monday - first).days // 7 + 1
        on_roll = (admitted <= monday.toordinal() + 4) & (leaving >= monday.toordinal())
        rows = np.zeros(int(on_roll.sum()), ROW)
        rows["pupil"] = ids[on_roll]
        for name, source in (("ytd", k), ("before", k - 1)):
            rows[f"{name}_possible"] = ytd_possible[on_roll, source]
            rows[f"{name}_attended"] = ytd_attended[on_roll, source]
        rows["week_possible"], rows["week_attended"] = possible[on_roll, k], attended[on_roll, k]
        rows["flag"] = flags_of(rows["ytd_possible"], rows["ytd_attended"], rule_set.thresholds)
        rows["trend"] = trends_of(
            rows["ytd_possible"], rows["ytd_attended"], rows["before_possible"], rows["before_attended"]
        )
        rows["open_intervention"] = _open_at(cases, rows["pupil"], monday.toordinal() + 6)
        rows["step"] = steps_of(
            rule_set.rules, rows["flag"], rows["trend"], rows["open_intervention"].astype(bool)
        )
        found.append(WeekFlags(school_id, monday, version, _closed(monday, today), rows))
    return found


def _closed(monday: date, today: date) -> bool:
    return monday + timedelta(days=7) <= today


def _pupil_weeks(
    db: Session, school_ids: list[int], first: date, last: date
) -> dict[int, tuple[np.ndarray, ...]]:
    """Per school: pupil id, week ordinal, possible and attended sessions of each pupil-week."""
    ids = sorted(school_ids)  # checked against the tenant context by compute()
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor:
            school, pupil, days, possible, attended = binary_copy.read(
                cursor,
                "SELECT school_id, pupil_id, week_start, possible, present + aea FROM pupil_weeks "
                "WHERE school_id = ANY(%s) AND week_start BETWEEN %s AND %s ORDER BY school_id",
                (ids, first, last),
                (">i4", ">i4", ">i4", ">i4", ">i4"),
            )
        week = days + binary_copy.EPOCH
    else:
        rows = db.execute(
            select(PupilWeek.school_id, PupilWeek.pupil_id, PupilWeek.week_start, PupilWeek.possible,
                   PupilWeek.present + PupilWeek.aea)
            .where(PupilWeek.school_id.in_(ids), PupilWeek.week_start.between(first, last))
            .order_by(PupilWeek.school_id)
        ).all()  # fmt: skip
        school = np.array([r[0] for r in rows], np.int32)
        pupil = np.array([r[1] for r in rows], np.int32)
        week = np.array([r[2].toordinal() for r in rows], np.int64)
        possible = np.array([r[3] for r in rows], np.int32)
        attended = np.array([r[4] for r in rows], np.int32)
    edges = np.flatnonzero(np.diff(school)) + 1
    return {
        int(s[0]): (p, w, po, at)
        for s, p, w, po, at in zip(
            *(np.split(a, edges) for a in (school, pupil, week, possible, attended)), strict=True
        )
        if len(s)
    }


def _pupils(db: Session, school_ids: list[int], first: date, last: date) -> dict[int, tuple[np.ndarray, ...]]:
    """Per school, sorted pupil ids with admission and leaving ordinals, for pupils on roll in the weeks."""
    rows = db.execute(
        select(Pupil.school_id, Pupil.id, Pupil.admission_date, Pupil.leaving_date)
        .where(Pupil.school_id.in_(school_ids), Pupil.admission_date <= last + timedelta(days=4))
        .where(Pupil.leaving_date.is_(None) | (Pupil.leaving_date >= first))
        .order_by(Pupil.school_id, Pupil.id)
    ).all()
    grouped: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for school_id, pid, admitted, left in rows:
        grouped[school_id].append((pid, admitted.toordinal(), left.toordinal() if left else 10**7))
    return {s: tuple(np.array(c, np.int64) for c in zip(*found, strict=True)) for s, found in grouped.items()}


def _cases(db: Session, school_ids: list[int]) -> dict[int, tuple[np.ndarray, ...]]:
    """Every case's pupil and the days it opened and closed (never closed: the far future), per school."""
    found: dict[int, list[tuple[int, int, int]]] = {}
    for school_id, pupil, opened, closed in db.execute(
        select(Case.school_id, Case.pupil_id, Case.opened_on, Case.closed_on).where(
            Case.school_id.in_(school_ids)
        )
    ):
        found.setdefault(school_id, []).append(
            (pupil, opened.toordinal(), closed.toordinal() if closed else _NEVER)
        )
    return {
        s: tuple(np.array(column, np.int64) for column in zip(*rows, strict=True))
        for s, rows in found.items()
    }


_NEVER = date.max.toordinal()


def _open_at(cases: tuple[np.ndarray, ...] | None, pupils: np.ndarray, day: int) -> np.ndarray:
    """Which pupils had a case open at the end of the day (opened by then, not yet closed)."""
    if cases is None:
        return np.zeros(len(pupils), bool)
    pupil, opened, closed = cases
    return np.isin(pupils, pupil[(opened <= day) & (closed > day)])


def _last_batches(db: Session, school_ids: list[int]) -> dict[int, int]:
    """The newest mark batch per school: a snapshot older than it may be out of date."""
    return dict(
        db.execute(
            select(MarkBatch.school_id, func.max(MarkBatch.id))
            .where(MarkBatch.school_id.in_(school_ids))
            .group_by(MarkBatch.school_id)
        ).all()
    )
