"""Trust benchmarks from the rollups: whole weeks from pupil_weeks and the part-weeks at either end from
marks, each summed per pupil in the database in one query, then pooled with numpy over the pupils DfE
counts (aged 5-15 on 31 August before the year, with at least one possible session in the period)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.benchmarks.figures import (
    COHORT_KEYS,
    BenchmarkRow,
    CohortFigures,
    TrustBenchmark,
    percent,
)
from app.benchmarks.reference import (
    PHASE_LABELS,
    TOTAL,
    england_attendance,
    england_row,
    la_row,
    reference_phase,
)
from app.registers.ages import born_between
from app.registers.codes import AEA, AUTHORISED, CODES, PRESENT, UNAUTHORISED
from app.registers.marks import Mark, PupilWeek
from app.registers.models import YEAR_GROUPS, Pupil
from app.registers.recording import week_start
from app.registers.reports import academic_year_start
from tenants.models import School, Trust

__all__ = ["BenchmarkRow", "CohortFigures", "TrustBenchmark", "Week", "benchmark", "compute"]

# Per-pupil columns: possible, attended (present + AEA), authorised, unauthorised.
_POSSIBLE_CODES = sorted(c.code for c in CODES.values() if c.counts_in_possible)
_CATEGORY_CODES = [sorted(c.code for c in CODES.values() if c.category in kinds)
                   for kinds in ((PRESENT, AEA), (AUTHORISED,), (UNAUTHORISED,))]  # fmt: skip
# Per-group statistics: enrolments, possible, attended, authorised, unauthorised, persistent, severe.
ENR, POS, ATT, AUT, UNA, PA, SA = range(7)

Range = tuple[date, date]


@dataclass(frozen=True)
class Week:
    """One week's pooled sessions for a school (school_id set) or the trust (None); the current week may
    be part of a week."""

    school_id: int | None
    week_start: date
    possible: int
    attended: int

    @property
    def attendance_rate(self) -> float | None:
        return percent(self.attended, self.possible)


@dataclass
class Computed:
    benchmarks: dict[str, TrustBenchmark]
    weeks: list[Week]


def split(start: date, end: date) -> tuple[Range | None, list[Range]]:
    """Whole weeks (Monday to Monday of the last) read from pupil_weeks, and the part-weeks read from marks,
    exactly as registers.reports.pupil_counts splits a period (a week ending on Friday or later is whole)."""
    first = week_start(start) + (timedelta(0) if start.weekday() == 0 else timedelta(7))
    last = week_start(end) - (timedelta(0) if end.weekday() >= 4 else timedelta(7))
    if first > last:
        return None, [(start, end)]
    edges = [(start, first - timedelta(days=1)), (last + timedelta(days=7), end)]
    return (first, last), [e for e in edges if e[0] <= e[1]]


class _Pupils:
    """The trust's counted pupils as arrays: which school (index), and the cohort each falls in."""

    def __init__(self, db: Session, schools: list[School], year_start: date) -> None:
        ids = [s.id for s in schools]
        position = {s.id: i for i, s in enumerate(schools)}
        rows = db.execute(
            select(Pupil.school_id, Pupil.id, Pupil.sex, Pupil.year_group, Pupil.sen, Pupil.fsm).where(
                Pupil.school_id.in_(ids), Pupil.date_of_birth.between(*born_between(year_start))
            )
        ).all()
        self.index = {(r[0], r[1]): i for i, r in enumerate(rows)}
        self.school = np.array([position[r[0]] for r in rows], dtype=np.int64)
        sex = np.array([r[2] for r in rows], dtype=object)
        sen = np.array([r[4] for r in rows], dtype=object)
        fsm = np.array([bool(r[5]) for r in rows], dtype=bool)
        year = np.array([r[3] for r in rows], dtype=object)
        self.cohorts: dict[str, np.ndarray] = {
            "fsm": fsm, "not_fsm": ~fsm, "sen_support": sen == "K", "ehc_plan": sen == "E",
            "no_sen": sen == "N", "female": sex == "F", "male": sex == "M",
        }  # fmt: skip
        for group in YEAR_GROUPS:
            mask = year == group
            if mask.any():
                self.cohorts[f"year:{group}"] = mask

    def __len__(self) -> int:
        return len(self.index)

    def per_pupil(self, rows: list, columns: int) -> np.ndarray:
        """Rows of (school_id, pupil_id, sums...) as a (pupils, columns) array; pupils not counted dropped."""
        out = np.zeros((len(self), columns), dtype=np.int64)
        if rows:
            data = np.array([r[2:] for r in rows], dtype=np.int64)
            where = np.array([self.index.get((r[0], r[1]), -1) for r in rows], dtype=np.int64)
            keep = where >= 0
            out[where[keep]] = data[keep]
        return out


def _week_sums(db: Session, ids: list[int], ranges: list[Range]) -> list:
    """Per pupil, the four counters summed over each range of whole weeks, in one query."""
    values = [
        PupilWeek.possible,
        PupilWeek.present + PupilWeek.aea,
        PupilWeek.authorised,
        PupilWeek.unauthorised,
    ]
    columns = [
        func.sum(case((PupilWeek.week_start.between(a, b), v), else_=0)) for a, b in ranges for v in values
    ]
    return db.execute(
        select(PupilWeek.school_id, PupilWeek.pupil_id, *columns)
        .where(PupilWeek.school_id.in_(ids))
        .where(PupilWeek.week_start.between(min(a for a, _ in ranges), max(b for _, b in ranges)))
        .group_by(PupilWeek.school_id, PupilWeek.pupil_id)
    ).all()


def _mark_sums(db: Session, ids: list[int], ranges: list[Range]) -> list:
    """Per pupil, the four counters over each part-week, from the marks themselves, in one query."""
    tests = [Mark.code.in_(_POSSIBLE_CODES), *(Mark.code.in_(codes) for codes in _CATEGORY_CODES)]
    columns = [
        func.sum(case((and_(Mark.date.between(a, b), test), 1), else_=0)) for a, b in ranges for test in tests
    ]
    return db.execute(
        select(Mark.school_id, Mark.pupil_id, *columns)
        .where(Mark.school_id.in_(ids), or_(*(Mark.date.between(a, b) for a, b in ranges)))
        .group_by(Mark.school_id, Mark.pupil_id)
    ).all()


def _statistics(counts: np.ndarray) -> np.ndarray:
    """Per pupil: enrolled (any possible session), the counters, PA (absence >= 10%), SA (>= 50%)."""
    possible = counts[:, 0]
    absent = counts[:, 2] + counts[:, 3]
    has = possible > 0
    return np.column_stack(
        [has, possible, counts[:, 1], counts[:, 2], counts[:, 3], has & (absent * 10 >= possible),
         has & (absent * 2 >= possible)]
    ).astype(np.int64)  # fmt: skip


def _by_school(school: np.ndarray, stats: np.ndarray, n: int, mask: np.ndarray | None = None) -> np.ndarray:
    if mask is not None:
        school, stats = school[mask], stats[mask]
    return np.column_stack([np.bincount(school, weights=stats[:, k], minlength=n) for k in range(7)]).astype(
        np.int64
    )


def _cohort(t: np.ndarray) -> CohortFigures:
    return CohortFigures(int(t[ENR]), int(t[POS]), int(t[ATT]), int(t[AUT] + t[UNA]), int(t[PA]), int(t[SA]))


def _fill_row(row: BenchmarkRow, t: np.ndarray) -> None:
    row.enrolments, row.possible_sessions, row.attended_sessions = int(t[ENR]), int(t[POS]), int(t[ATT])
    row.authorised_sessions, row.unauthorised_sessions = int(t[AUT]), int(t[UNA])
    row.persistent, row.severe = int(t[PA]), int(t[SA])
    row.attendance_rate = percent(t[ATT], t[POS])
    row.absence_rate = percent(t[AUT] + t[UNA], t[POS])
    row.authorised_rate = percent(t[AUT], t[POS])
    row.unauthorised_rate = percent(t[UNA], t[POS])
    row.persistent_rate = percent(t[PA], t[ENR])
    row.severe_rate = percent(t[SA], t[ENR])


def _rank(rows: list[BenchmarkRow]) -> None:
    """Rank 1 = highest attendance; quartile by position from the top (0) to the bottom (1) of the trust, so
    the best school is always in the top quarter and the lowest in the bottom one (schools with no
    sessions are unranked)."""
    ranked = sorted(
        (r for r in rows if r.attendance_rate is not None), key=lambda r: -(r.attendance_rate or 0)
    )
    last = max(len(ranked) - 1, 1)
    for i, row in enumerate(ranked):
        row.rank, row.quartile = i + 1, min(i * 4 // last + 1, 4)


def _references(schools: list[School]) -> tuple[list[BenchmarkRow], list[BenchmarkRow]]:
    """One LA row per (LA, phase) of the trust's schools; England per phase present, and Total."""
    las, phases = [], []
    for school in schools:
        phase = reference_phase(school.phase)
        row = la_row(school.la_code, phase)
        if row is not None and not any(r.la_code == row.la_code and r.phase == row.phase for r in las):
            las.append(row)
        if phase not in phases:
            phases.append(phase)
    order = ["Primary", "Secondary", "Special", TOTAL]
    national = [england_row(p) for p in order if p in phases or p == TOTAL]
    return sorted(las, key=lambda r: (r.name, order.index(r.phase))), [r for r in national if r]


def compute(
    db: Session, trust: Trust, periods: Mapping[str, tuple[date, date, str]], series_until: date | None = None
) -> Computed:
    """Every period's benchmark (and, with series_until, the weekly series of its academic year) from one
    pass over the rollups; all periods lie in one academic year."""
    if not periods:
        raise ValueError("no period to benchmark")
    year_start = academic_year_start(min(s for s, _, _ in periods.values()))
    for start, end, label in periods.values():
        if end < start:
            raise ValueError(f"{label or 'the period'} ends ({end}) before it starts ({start})")
        if academic_year_start(end) != year_start:
            raise ValueError(f"{start} to {end} is not inside one academic year (1 August to 31 July)")
    schools = list(db.scalars(select(School).where(School.trust_id == trust.id).order_by(School.name)))
    ids = [s.id for s in schools]
    pupils = _Pupils(db, schools, year_start)
    windows: dict[tuple[str, bool], Range] = {}
    for key, (start, end, _) in periods.items():
        windows[(key, False)] = (start, end)
        if end - timedelta(days=7) >= start:
            windows[(key, True)] = (start, end - timedelta(days=7))
    if series_until is not None:
        windows[("_series", False)] = (year_start, series_until)
    plans = {w: split(*r) for w, r in windows.items()}
    whole = sorted({p[0] for p in plans.values() if p[0] is not None})
    edges = sorted({e for p in plans.values() for e in p[1]})
    counts = {w: np.zeros((len(pupils), 4), dtype=np.int64) for w in windows}
    sums: dict[Range, np.ndarray] = {}  # per pupil, the four counters of each range read
    if ids and whole:
        found = pupils.per_pupil(_week_sums(db, ids, whole), 4 * len(whole))
        sums.update({span: found[:, 4 * i : 4 * i + 4] for i, span in enumerate(whole)})
    if ids and edges:
        found = pupils.per_pupil(_mark_sums(db, ids, edges), 4 * len(edges))
        sums.update({edge: found[:, 4 * i : 4 * i + 4] for i, edge in enumerate(edges)})
    for w, (span, parts) in plans.items():
        for part in [span, *parts] if span is not None else parts:
            if part in sums:
                counts[w] += sums[part]
    las, national = _references(schools)
    result = {}
    for key, (start, end, label) in periods.items():
        earlier = counts.get((key, True))
        result[key] = _benchmark(schools, pupils, counts[(key, False)], earlier, las, national)
        result[key].start, result[key].end, result[key].label = start, end, label
    weeks = _weeks(db, schools, pupils, year_start, plans[("_series", False)], sums) if series_until else []
    return Computed(result, weeks)


def _benchmark(
    schools: list[School],
    pupils: _Pupils,
    counts: np.ndarray,
    earlier: np.ndarray | None,
    las: list[BenchmarkRow],
    national: list[BenchmarkRow],
) -> TrustBenchmark:
    n = len(schools)
    stats = _statistics(counts)
    totals = _by_school(pupils.school, stats, n)
    cohorts = {key: _by_school(pupils.school, stats, n, mask) for key, mask in pupils.cohorts.items()}
    before = _by_school(pupils.school, _statistics(earlier), n) if earlier is not None else None
    rows = []
    for i, school in enumerate(schools):
        phase = reference_phase(school.phase)
        row = BenchmarkRow(
            level="school", name=school.name, phase=PHASE_LABELS.get(school.phase, str(school.phase)),
            urn=school.urn, school_id=school.id, la_code=school.la_code,
        )  # fmt: skip
        _fill_row(row, totals[i])
        row.cohorts = {k: _cohort(c[i]) for k, c in cohorts.items() if c[i][ENR] or k in COHORT_KEYS}
        row.national_attendance = england_attendance(phase)
        if row.attendance_rate is not None and row.national_attendance is not None:
            row.below_national = row.attendance_rate < row.national_attendance
        if before is not None:
            row.movement_pp = _movement(row.attendance_rate, before[i])
        rows.append(row)
    _rank(rows)
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.name))
    trust = BenchmarkRow(level="trust", name="Trust (all schools pooled)", phase=TOTAL)
    _fill_row(trust, totals.sum(axis=0))
    trust.cohorts = {k: _cohort(c.sum(axis=0)) for k, c in cohorts.items()}
    if before is not None:
        trust.movement_pp = _movement(trust.attendance_rate, before.sum(axis=0))
    return TrustBenchmark(date.min, date.min, rows, trust, las, national)


def _movement(now: float | None, before: np.ndarray) -> float | None:
    """This period's attendance minus the same period a week shorter (pp); None with no earlier rate."""
    rate = percent(before[ATT], before[POS])
    return now - rate if now is not None and rate is not None else None


def _weeks(
    db: Session,
    schools: list[School],
    pupils: _Pupils,
    year_start: date,
    plan: tuple[Range | None, list[Range]],
    sums: dict[Range, np.ndarray],
) -> list[Week]:
    """Weekly pooled sessions of the counted pupils per school and for the trust, from the first whole
    week of the year to `until` (its part-week from marks)."""
    ids = [s.id for s in schools]
    span, parts = plan
    per: dict[tuple[int | None, date], list[int]] = {}
    if ids and span is not None:
        # All pupils' weeks less those of the pupils DfE leaves out: no join of pupil_weeks with pupils, whose
        # plan goes quadratic on PostgreSQL before a freshly loaded table is analysed.
        for school_id, week, possible, attended in _weekly_sums(db, PupilWeek.school_id.in_(ids), span):
            per[(school_id, week)] = [int(possible or 0), int(attended or 0)]
        born = born_between(year_start)
        left_out: dict[int, list[int]] = {}
        for school_id, pupil_id in db.execute(
            select(Pupil.school_id, Pupil.id).where(
                Pupil.school_id.in_(ids), ~Pupil.date_of_birth.between(*born)
            )
        ):
            left_out.setdefault(school_id, []).append(pupil_id)
        for school_id, pupil_ids in left_out.items():
            mine = and_(PupilWeek.school_id == school_id, PupilWeek.pupil_id.in_(pupil_ids))
            for _, week, possible, attended in _weekly_sums(db, mine, span):
                found = per.get((school_id, week))
                if found is not None:
                    found[0] -= int(possible or 0)
                    found[1] -= int(attended or 0)
    if parts and (span is None or parts[-1][0] > span[1]) and parts[-1] in sums:
        edge, counts = parts[-1], sums[parts[-1]]
        possible = np.bincount(pupils.school, weights=counts[:, 0], minlength=len(schools))
        attended = np.bincount(pupils.school, weights=counts[:, 1], minlength=len(schools))
        for i, school in enumerate(schools):
            if possible[i]:
                per[(school.id, week_start(edge[0]))] = [int(possible[i]), int(attended[i])]
    trust: dict[date, list[int]] = {}
    for (_, week), (possible, attended) in per.items():
        total = trust.setdefault(week, [0, 0])
        total[0] += possible
        total[1] += attended
    weeks = [Week(s, w, p, a) for (s, w), (p, a) in per.items()]
    weeks += [Week(None, w, p, a) for w, (p, a) in trust.items()]
    return sorted(weeks, key=lambda w: (w.school_id is not None, w.school_id or 0, w.week_start))


def _weekly_sums(db: Session, which: object, span: Range) -> list:
    return db.execute(
        select(PupilWeek.school_id, PupilWeek.week_start, func.sum(PupilWeek.possible),
               func.sum(PupilWeek.present + PupilWeek.aea))
        .where(which, PupilWeek.week_start.between(*span))
        .group_by(PupilWeek.school_id, PupilWeek.week_start)
    ).all()  # fmt: skip


def benchmark(db: Session, trust: Trust, start: date, end: date, label: str = "") -> TrustBenchmark:
    """One period's benchmark for a trust (raises ValueError naming a bad period)."""
    return compute(db, trust, {"period": (start, end, label)}).benchmarks["period"]
