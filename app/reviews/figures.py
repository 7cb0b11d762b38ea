"""Everything a termly review pack shows, gathered once for a school, term and day.

The headline measures come from the benchmark engine (the same call `turnout report benchmark` makes),
so the pack and the report always agree. The rest is read from rollups: weekly trend from
school_sessions, banding from pupil_weeks, impact and compliance from their own services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.benchmarks.engine import benchmark
from app.benchmarks.figures import BenchmarkRow
from app.benchmarks.reference import reference_phase
from app.calendars.spans import SchoolCalendar
from app.interventions.impact import Aggregate, by_type, school_impact, summarise
from app.letters.figures import year_group_name
from app.registers.measures import Counts
from app.registers.reports import Period, pupil_counts, pupils_in_period
from app.registers.school_view import BANDS, Banding, banding, session_totals, weekly_trend
from app.reviews import assessments
from app.reviews.annex_b import BY_KEY, Statement
from app.reviews.terms import Term, previous_term
from app.workflow.compliance import Tally, summed, tallies
from app.workflow.models import CADENCE_LABELS, Cadence
from tenants.models import School, Trust

LISTED_FROM_BAND = 6  # the full pack names pupils missing 30% or more (bands [30,35) and up)
MAX_LISTED = 40
# (label, the cohort, compared with): attendance of the first minus the second, in percentage points
GAPS = (("Free school meals", "fsm", "not_fsm", "Not free school meals"),
        ("SEN support", "sen_support", "no_sen", "No SEN"),
        ("EHC plan", "ehc_plan", "no_sen", "No SEN"),
        ("Female", "female", "male", "Male"))  # fmt: skip


@dataclass(frozen=True)
class Listed:
    """A pupil in the highest bands: only ever in the full pack."""

    name: str
    upn: str
    year: str
    absence_rate: float
    days_missed: float
    possible_days: float


@dataclass(frozen=True)
class AgreedAction:
    statement: Statement
    number: int
    actions: str
    status: str


@dataclass
class PackFigures:
    school: School
    trust: Trust
    term: Term
    as_of: date
    edition: str
    headline: list[tuple[str, BenchmarkRow | None]]  # school, trust, LA, England
    school_row: BenchmarkRow
    trust_row: BenchmarkRow
    weeks: list[tuple[date, Counts]]
    banding: Banding
    band_labels: list[str]
    year_names: dict[str, str]
    listed: list[Listed]  # empty in the governors' edition
    impact_types: list[Aggregate]
    impact_overall: Aggregate
    compliance: list[tuple[str, Tally]]
    compliance_total: Tally
    previous: Term
    agreed: list[AgreedAction]
    assessment: assessments.SelfAssessment | None
    areas: list[assessments.AreaSummary]
    weakest: list[tuple[int, Statement, assessments.Answer]]


def _pick(rows: list[BenchmarkRow], phase: str, la_code: str | None = None) -> BenchmarkRow | None:
    """The reference row for the school's DfE phase (and LA), as the benchmark engine made it."""
    return next((r for r in rows if r.phase == phase and (la_code is None or r.la_code == la_code)), None)


def gather(
    db: Session, school: School, calendar: SchoolCalendar, term: Term, as_of: date, edition: str,
    now: datetime, computed: dict | None = None,
) -> PackFigures:  # fmt: skip
    """The pack's figures for the term to as_of; `computed` caches benchmark runs across a trust's schools."""
    trust = school.trust
    cache = computed if computed is not None else {}
    found = cache.get((term.start, as_of))
    if found is None:
        found = cache[(term.start, as_of)] = benchmark(db, trust, term.start, as_of)
    school_row = next(r for r in found.schools if r.urn == school.urn)
    phase = reference_phase(school.phase)
    la = _pick(found.las, phase, school.la_code)
    headline = [
        (school.name, school_row),
        (f"{trust.name} (all schools pooled)", found.trust),
        (f"{la.name if la else school.la_name or 'Local authority'} ({phase.lower()})", la),
        (f"England ({phase.lower()})", _pick(found.national, phase)),
    ]  # fmt: skip
    period = Period(term.start, as_of)
    counts = pupil_counts(db, school, period)
    pupils = pupils_in_period(db, school, period)
    banded = banding(pupils, counts)
    listed = [] if edition == "governors" else _listed(banded, counts)
    impact = school_impact(db, school, as_of)
    in_term = [i for i in impact.impacts if term.start <= i.started_on <= as_of]
    found_tasks = tallies(db, [school.id], term.start, as_of, now)
    by_cadence = summed(found_tasks, 1)
    previous = previous_term(calendar, term)
    before = assessments.answers_of(assessments.latest(db, school, previous))
    current = assessments.latest(db, school, term)
    answers = assessments.answers_of(current)
    numbers = {key: n for n, key in enumerate(BY_KEY, 1)}
    agreed = [
        AgreedAction(BY_KEY[k], numbers[k], a.actions, answers[k].status)
        for k, a in before.items()
        if a.actions
    ]
    weakest = sorted(((a.rating, BY_KEY[k], a) for k, a in answers.items() if a.rating in (1, 2)),
                     key=lambda t: (t[0], numbers[t[1].key]))  # fmt: skip
    return PackFigures(
        school=school, trust=trust, term=term, as_of=as_of, edition=edition, headline=headline,
        school_row=school_row, trust_row=found.trust,
        weeks=weekly_trend(session_totals(db, school, period)), banding=banded,
        band_labels=[f"{lo}% to {hi}%" if hi < 100 else f"{lo}% or more" for lo, hi in BANDS],
        year_names={y: year_group_name(y) for y in banded.years}, listed=listed,
        impact_types=by_type(in_term), impact_overall=summarise("all", "All actions and plans", in_term),
        compliance=[(CADENCE_LABELS[c], by_cadence[c]) for c in Cadence if c in by_cadence],
        compliance_total=sum(found_tasks.values(), Tally()), previous=previous, agreed=agreed,
        assessment=current, areas=assessments.summarise(answers), weakest=weakest,
    )  # fmt: skip


def _listed(banded: Banding, counts: dict[int, Counts]) -> list[Listed]:
    """Pupils in the bands from 30% absence up, most days missed first (full edition only)."""
    pupils = [p for (_year, band), ps in banded.cells.items() if band >= LISTED_FROM_BAND for p in ps]
    rows = [
        Listed(p.display_name, p.upn, year_group_name(p.year_group), counts[p.id].absence_rate or 0.0,
               counts[p.id].days_missed, counts[p.id].possible / 2)
        for p in pupils
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (-r.days_missed, r.name))[:MAX_LISTED]


def gap_rows(row: BenchmarkRow, trust_row: BenchmarkRow) -> list[dict]:
    """Each cohort against its comparison group, in the school and in the trust, with the gap in points."""
    found = []
    for label, cohort, other, other_label in GAPS:
        a, b = row.cohorts.get(cohort), row.cohorts.get(other)
        found.append({
            "label": label, "other": other_label, "cohort": a, "compared": b, "gap": row.gap(cohort, other),
            "trust_gap": trust_row.gap(cohort, other),
        })  # fmt: skip
    return found
