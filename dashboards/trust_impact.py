"""Intervention impact per school for the trust dashboard, from the weekly rollups (pupil_weeks), not marks.

app.interventions.impact counts the exact 28 days either side of each action from the pupil's marks: right for
one school's page, but a 100-school trust would read marks school by school on every request. The dashboard
instead takes whole weeks: the 4 weeks before the week an action started (or a plan was agreed) against that
week and the 3 after it, a window that is complete once its last Sunday has passed. Changes are after minus
before in percentage points; a school's figure is the mean over its complete actions with school days in both
windows, as the impact page's "mean change" is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from app.interventions.models import CaseAction, SupportPlan
from app.registers.marks import PupilWeek
from app.registers.measures import change_pp, rate
from app.registers.recording import week_start
from tenants.models import School

WEEKS = 4
HOW = (
    "Intervention impact: each action done or support plan agreed compares the pupil's attendance in the 4 "
    "weeks before the week it started with that week and the 3 after it (whole weeks from the weekly "
    "figures, once all 4 weeks are over). The figure is the average change in percentage points over those "
    "actions; the school's intervention impact page counts the exact 28 days either side."
)


@dataclass(frozen=True)
class SchoolImpact:
    """One school's actions with complete windows: how many, how many improved, the mean change (pp)."""

    actions: int = 0
    improved: int = 0
    mean_change: float | None = None
    waiting: int = 0  # started, but the 4 weeks after are not over yet

    def words(self) -> str:
        if self.mean_change is None:
            return "no completed actions yet" if not self.waiting else f"{self.waiting} still running"
        change = round(self.mean_change, 1) + 0
        return f"{change:+.1f} pp over {self.actions} action{'s' if self.actions != 1 else ''}"


def trust_impact(db: Session, schools: Sequence[School], today: date) -> dict[int, SchoolImpact]:
    """Each school's impact, by school id, from two reads: the starts, then their pupils' weekly rollups."""
    ids = [s.id for s in schools]
    starts = [
        *db.execute(select(CaseAction.school_id, CaseAction.pupil_id, CaseAction.done_on)
                    .where(CaseAction.school_id.in_(ids), CaseAction.done_on.is_not(None))),
        *db.execute(select(SupportPlan.school_id, SupportPlan.pupil_id, SupportPlan.met_on)
                    .where(SupportPlan.school_id.in_(ids))),
    ]  # fmt: skip
    if not starts:
        return {}
    span = timedelta(weeks=WEEKS)
    first = min(week_start(day) for _s, _p, day in starts) - span
    last = max(week_start(day) for _s, _p, day in starts) + span
    pupils = sorted({(school_id, pupil_id) for school_id, pupil_id, _day in starts})
    weeks: dict[tuple[int, int, date], tuple[int, int]] = {}
    for chunk in range(0, len(pupils), 1000):
        rows = db.execute(
            select(PupilWeek.school_id, PupilWeek.pupil_id, PupilWeek.week_start, PupilWeek.possible,
                   PupilWeek.present + PupilWeek.aea)
            .where(tuple_(PupilWeek.school_id, PupilWeek.pupil_id).in_(pupils[chunk : chunk + 1000]),
                   PupilWeek.week_start.between(first, last))
        )  # fmt: skip
        weeks.update({(s, p, w): (possible, attended) for s, p, w, possible, attended in rows})
    changes: dict[int, list[float]] = defaultdict(list)
    waiting: dict[int, int] = defaultdict(int)
    for school_id, pupil_id, day in starts:
        monday = week_start(day)
        if monday + span - timedelta(days=1) >= today:
            waiting[school_id] += 1
            continue
        before = _pool(weeks, school_id, pupil_id, [monday - timedelta(weeks=n) for n in range(1, WEEKS + 1)])
        after = _pool(weeks, school_id, pupil_id, [monday + timedelta(weeks=n) for n in range(WEEKS)])
        change = change_pp(after, before)
        if change is not None:
            changes[school_id].append(change)
    return {
        sid: SchoolImpact(len(changes[sid]), sum(c > 0 for c in changes[sid]),
                          sum(changes[sid]) / len(changes[sid]) if changes[sid] else None, waiting[sid])
        for sid in ids if changes[sid] or waiting[sid]
    }  # fmt: skip


def _pool(weeks: dict, school_id: int, pupil_id: int, mondays: list[date]) -> float | None:
    found = [weeks[(school_id, pupil_id, m)] for m in mondays if (school_id, pupil_id, m) in weeks]
    return rate(sum(a for _p, a in found), sum(p for p, _a in found))
