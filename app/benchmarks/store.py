"""The nightly benchmark job body and what dashboards read: one stored set of results per trust and UK day."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from time import perf_counter

from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.benchmarks.engine import Week, compute
from app.benchmarks.figures import BenchmarkRow, CohortFigures, TrustBenchmark
from app.benchmarks.models import BenchmarkResult, BenchmarkRun, BenchmarkWeek
from app.benchmarks.periods import trust_periods
from app.clock import local
from app.storage import Storage
from tenants.context import current
from tenants.models import Trust

_ROW_FIELDS = [f.name for f in fields(BenchmarkRow) if f.name != "cohorts"]
_STORED = [
    c.name for c in BenchmarkResult.__table__.columns if c.name not in ("trust_id", "run_id", "position")
]


@dataclass
class StoredBenchmark:
    """A trust's latest stored results: each period's benchmark and the weekly series (week, possible,
    attended) per school id, and for the trust under None."""

    as_of: date
    computed_at: datetime
    periods: dict[str, TrustBenchmark]
    weekly: dict[int | None, list[tuple[date, int, int]]]
    seconds: float = 0.0


def _run_for(db: Session, trust: Trust, day: date) -> int | None:
    return db.scalar(
        select(BenchmarkRun.id).where(BenchmarkRun.trust_id == trust.id, BenchmarkRun.as_of == day)
    )


def _result_rows(trust: Trust, run_id: int, benchmarks: dict[str, TrustBenchmark]) -> list[dict]:
    """Each row, then its cohorts, in order: latest() rebuilds the rows from this order."""
    out: list[dict] = []
    for key, bench in benchmarks.items():
        for row in bench.all_rows():
            base = {name: getattr(row, name) for name in _ROW_FIELDS if name in _STORED}
            absent = (row.authorised_sessions or 0) + (row.unauthorised_sessions or 0)
            whole = {**base, "period": key, "cohort": "", "absent_sessions": absent}
            out.append(whole)
            for cohort, c in row.cohorts.items():
                out.append({
                    **{name: None for name in base}, "period": key, "level": row.level, "cohort": cohort,
                    "school_id": row.school_id, "urn": row.urn, "name": row.name, "phase": row.phase,
                    "la_code": row.la_code, "enrolments": c.enrolments, "possible_sessions": c.possible_sessions,
                    "attended_sessions": c.attended_sessions, "absent_sessions": c.absent_sessions,
                    "persistent": c.persistent, "severe": c.severe, "attendance_rate": c.attendance_rate,
                    "absence_rate": c.absence_rate, "persistent_rate": c.persistent_rate,
                    "severe_rate": c.severe_rate,
                })  # fmt: skip
    for position, row in enumerate(out):
        row.update(trust_id=trust.id, run_id=run_id, position=position)
    return out


def refresh(db: Session, store: Storage | None, trust: Trust, now: datetime) -> str:
    """Nightly job body: the trust's three periods and weekly series as of today (UK), stored once a day in
    the database (no object is written, so the store may be None); flushes, and the job runner commits."""
    day = local(now).date()
    if _run_for(db, trust, day) is not None:
        return f"benchmarks for {day} already computed for {trust.name}: nothing changed"
    started = perf_counter()
    periods = trust_periods(db, trust, day)
    computed = compute(db, trust, {k: p.as_tuple() for k, p in periods.items()}, series_until=day)
    schools = len(computed.benchmarks["ytd"].schools)
    if not schools:
        return f"benchmarks for {day}: {trust.name} has no schools, nothing stored"
    run_id = (db.scalar(select(func.max(BenchmarkRun.id)).where(BenchmarkRun.trust_id == trust.id)) or 0) + 1
    run = BenchmarkRun(
        trust_id=trust.id, id=run_id, as_of=day, computed_at=now,
        periods={k: {"start": p.start.isoformat(), "end": p.end.isoformat(), "label": p.label}
                 for k, p in periods.items()},
    )  # fmt: skip
    try:
        with db.begin_nested():
            db.add(run)
            db.flush()
    except IntegrityError:  # another run stored the day first
        return f"benchmarks for {day} already computed for {trust.name}: nothing changed"
    db.execute(insert(BenchmarkResult), _result_rows(trust, run_id, computed.benchmarks))
    weeks = [
        {"trust_id": trust.id, "run_id": run_id, "position": i, "school_id": w.school_id,
         "week_start": w.week_start, "possible": w.possible, "attended": w.attended}
        for i, w in enumerate(computed.weeks)
    ]  # fmt: skip
    if weeks:
        db.execute(insert(BenchmarkWeek), weeks)
    run.seconds = perf_counter() - started
    db.flush()
    return (
        f"benchmarks for {day}: {schools} schools, {len(periods)} periods, {len(computed.weeks)} school-weeks"
    )


def latest(db: Session, trust: Trust) -> StoredBenchmark | None:
    """The trust's most recent stored run, with only the schools the current context may see."""
    run = db.execute(
        select(BenchmarkRun.id, BenchmarkRun.as_of, BenchmarkRun.computed_at, BenchmarkRun.periods,
               BenchmarkRun.seconds)
        .where(BenchmarkRun.trust_id == trust.id)
        .order_by(BenchmarkRun.as_of.desc())
        .limit(1)
    ).first()  # fmt: skip
    if run is None:
        return None
    run_id, as_of, computed_at, periods, seconds = run
    visible = tuple(current().school_ids)
    mine = or_(BenchmarkResult.school_id.is_(None), BenchmarkResult.school_id.in_(visible))
    columns = [getattr(BenchmarkResult, c) for c in _STORED]
    rows = db.execute(
        select(*columns)
        .where(BenchmarkResult.trust_id == trust.id, BenchmarkResult.run_id == run_id, mine)
        .order_by(BenchmarkResult.position)
    ).all()
    built: dict[str, TrustBenchmark] = {}
    for key in periods:
        start, end = date.fromisoformat(periods[key]["start"]), date.fromisoformat(periods[key]["end"])
        built[key] = TrustBenchmark(
            start, end, [], BenchmarkRow("trust", "", ""), [], [], periods[key]["label"]
        )
    last: BenchmarkRow | None = None
    for values in rows:
        record = dict(zip(_STORED, values, strict=True))
        bench = built[record["period"]]
        if record["cohort"]:
            if last is not None:
                last.cohorts[record["cohort"]] = CohortFigures(
                    record["enrolments"], record["possible_sessions"], record["attended_sessions"],
                    record["absent_sessions"], record["persistent"], record["severe"],
                )  # fmt: skip
            continue
        last = BenchmarkRow(**{name: record[name] for name in _ROW_FIELDS if name in record})
        if last.level == "school":
            bench.schools.append(last)
        elif last.level == "trust":
            bench.trust = last
        elif last.level == "la":
            bench.las.append(last)
        else:
            bench.national.append(last)
    weekly: dict[int | None, list[tuple[date, int, int]]] = {}
    for school_id, week, possible, attended in db.execute(
        select(
            BenchmarkWeek.school_id, BenchmarkWeek.week_start, BenchmarkWeek.possible, BenchmarkWeek.attended
        )
        .where(BenchmarkWeek.trust_id == trust.id, BenchmarkWeek.run_id == run_id)
        .where(or_(BenchmarkWeek.school_id.is_(None), BenchmarkWeek.school_id.in_(visible)))
        .order_by(BenchmarkWeek.position)
    ):
        weekly.setdefault(school_id, []).append((week, possible, attended))
    return StoredBenchmark(as_of, computed_at, built, weekly, seconds)


def weeks_of(found: StoredBenchmark, school_id: int | None) -> list[Week]:
    """One series as Week figures (a school's, or the trust's with None)."""
    return [Week(school_id, w, p, a) for w, p, a in found.weekly.get(school_id, [])]
