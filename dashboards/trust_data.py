"""What the trust dashboard shows, read from the stored nightly benchmark (app.benchmarks.store.latest), the
workflow task tallies and the weekly rollups: never marks, so a 100-school trust's page stays quick.

Every function takes the trust's slug from the browser and finds the trust again for the signed-in user
(dashboards.workflow_data.trust_for_leaders), so a forged request naming another trust is simply not found.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime

from flask import abort
from sqlalchemy import select

from app.benchmarks import store
from app.benchmarks.figures import BenchmarkRow, CohortFigures, TrustBenchmark
from app.benchmarks.models import BenchmarkRun
from app.clock import now_and_today
from app.db import get_session
from app.workflow.compliance import Tally, trust_compliance
from dashboards import trust_impact
from dashboards.workflow_data import schools_of, trust_for_leaders
from tenants.context import current
from tenants.models import Phase, School, Trust

PERIODS = {"ytd": "Year to date", "term": "This term", "half_term": "This half-term"}
ALL_PHASES = "all"
COMPLIANCE_WEEKS = 4
_KEPT = 8  # trusts' latest runs kept parsed per process
_runs: OrderedDict[tuple, store.StoredBenchmark] = OrderedDict()
_runs_lock = threading.Lock()


@dataclass(frozen=True)
class Weekly:
    """Sessions per week (named by its Monday) for the academic year so far."""

    weeks: list[date]
    possible: dict[date, int]
    attended: dict[date, int]

    def rate(self, week: date) -> float | None:
        possible = self.possible.get(week, 0)
        return self.attended.get(week, 0) / possible * 100 if possible else None


@dataclass(frozen=True)
class Overview:
    """One period of the stored benchmark, narrowed to a phase, with the live workflow and impact figures."""

    trust: Trust
    as_of: date
    computed_at: datetime
    period: str
    bench: TrustBenchmark
    schools: list[tuple[School, BenchmarkRow]]  # the phase's schools, in the stored (rank) order
    pooled: BenchmarkRow  # the trust's stored row, or the phase's schools pooled afresh
    weekly: dict[int, Weekly]  # by school id
    compliance: dict[int, Tally]
    impact: dict[int, trust_impact.SchoolImpact]

    @property
    def phase_only(self) -> bool:
        return self.pooled is not self.bench.trust

    def pooled_weekly(self) -> Weekly:
        """The shown schools' weeks pooled: all attended over all possible sessions each week."""
        possible: dict[date, int] = {}
        attended: dict[date, int] = {}
        for school, _row in self.schools:
            found = self.weekly.get(school.id)
            for week in found.weeks if found else []:
                possible[week] = possible.get(week, 0) + found.possible.get(week, 0)  # type: ignore[union-attr]
                attended[week] = attended.get(week, 0) + found.attended.get(week, 0)  # type: ignore[union-attr]
        return Weekly(sorted(possible), possible, attended)


def period_of(value: object) -> str:
    """A period picked in the browser; anything the page does not offer is a bad request."""
    if not isinstance(value, str) or value not in PERIODS:
        abort(400)
    return value


def phase_of(value: object) -> str:
    if value is None:
        return ALL_PHASES
    if not isinstance(value, str) or value not in (ALL_PHASES, *(p.value for p in Phase)):
        abort(400)
    return value


def stored(trust: Trust) -> store.StoredBenchmark | None:
    """The latest nightly results for the trust, or None before the job has first run.

    A stored run never changes once written (one set per trust and day), so its parsed rows are kept per
    process, keyed by the database, the run and the schools the signed-in user may see; a newer run has a new key.
    """
    db = get_session()
    run = db.execute(
        select(BenchmarkRun.id, BenchmarkRun.computed_at).where(BenchmarkRun.trust_id == trust.id)
        .order_by(BenchmarkRun.as_of.desc()).limit(1)
    ).first()  # fmt: skip
    if run is None:
        return None
    key = (str(db.get_bind().url), trust.id, run.id, run.computed_at, tuple(sorted(current().school_ids)))
    with _runs_lock:
        if key in _runs:
            _runs.move_to_end(key)
            return _runs[key]
    found = store.latest(db, trust)
    if found is None:
        return None
    with _runs_lock:
        _runs[key] = found
        while len(_runs) > _KEPT:
            _runs.popitem(last=False)
    return found


def overview(slug: object, period: object, phase: object) -> tuple[Trust, Overview | None]:
    """The trust's figures for a period and phase; None when the nightly job has not run yet."""
    trust = trust_for_leaders(slug)
    key, only = period_of(period), phase_of(phase)
    found = stored(trust)
    if found is None:
        return trust, None
    bench = found.periods[key]
    schools = {s.id: s for s in schools_of(trust)}
    shown = [(schools[r.school_id], r) for r in bench.schools if r.school_id in schools]
    if only != ALL_PHASES:
        shown = [(s, r) for s, r in shown if s.phase.value == only]
    pooled = (
        bench.trust if only == ALL_PHASES else pool([r for _s, r in shown], f"{trust.name}: {only} schools")
    )
    db = get_session()
    now, today = now_and_today()
    picked = [s for s, _r in shown]
    tallies = trust_compliance(db, picked, today, now, COMPLIANCE_WEEKS)
    return trust, Overview(
        trust=trust, as_of=found.as_of, computed_at=found.computed_at, period=key, bench=bench, schools=shown,
        pooled=pooled, weekly=_weekly(found), compliance={s.id: tallies.school_total(s.id) for s in picked},
        impact=trust_impact.trust_impact(db, picked, today),
    )  # fmt: skip


def pool(rows: list[BenchmarkRow], name: str) -> BenchmarkRow:
    """Schools' rows pooled as the trust row is: summed sessions and enrolments, never averaged rates."""

    def total(attr: str) -> int:
        return sum(getattr(r, attr) or 0 for r in rows)

    possible, enrolments = total("possible_sessions"), total("enrolments")
    authorised, unauthorised = total("authorised_sessions"), total("unauthorised_sessions")
    cohorts: dict[str, CohortFigures] = {}
    for row in rows:
        for key, c in row.cohorts.items():
            had = cohorts.get(key) or CohortFigures(0, 0, 0, 0, 0, 0)
            cohorts[key] = CohortFigures(
                had.enrolments + c.enrolments, had.possible_sessions + c.possible_sessions,
                had.attended_sessions + c.attended_sessions, had.absent_sessions + c.absent_sessions,
                had.persistent + c.persistent, had.severe + c.severe,
            )  # fmt: skip
    return BenchmarkRow(
        level="trust", name=name, phase="", enrolments=enrolments, possible_sessions=possible,
        attended_sessions=total("attended_sessions"), authorised_sessions=authorised,
        unauthorised_sessions=unauthorised, persistent=total("persistent"), severe=total("severe"),
        attendance_rate=_pct(total("attended_sessions"), possible), absence_rate=_pct(authorised + unauthorised, possible),
        authorised_rate=_pct(authorised, possible), unauthorised_rate=_pct(unauthorised, possible),
        persistent_rate=_pct(total("persistent"), enrolments), severe_rate=_pct(total("severe"), enrolments),
        cohorts=cohorts,
    )  # fmt: skip


def _pct(part: int, whole: int) -> float | None:
    return part / whole * 100 if whole else None


def _weekly(found: store.StoredBenchmark) -> dict[int, Weekly]:
    """Each school's stored weekly series (the trust's own is left out: a phase's schools are pooled afresh)."""
    out: dict[int, Weekly] = {}
    for school_id, series in found.weekly.items():
        if school_id is not None:
            possible = {w: p for w, p, _a in series}
            out[school_id] = Weekly(sorted(possible), possible, {w: a for w, _p, a in series})
    return out
