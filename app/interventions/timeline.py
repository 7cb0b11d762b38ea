"""A pupil's casework as one dated story; safeguarding notes are withheld from readers without the DSL permission."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.interventions.models import ACTION_LABELS, STAGE_LABELS, Case, CaseAction, SupportPlan
from app.interventions.services import REVIEW_OUTCOMES
from tenants.models import School

WITHHELD = "Safeguarding note: only staff with the DSL permission can read it."


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: when, what, who, and the details this reader may see."""

    on: date
    title: str
    who: str
    details: list[tuple[str, str]] = field(default_factory=list)
    status: str = ""  # "Due", "Overdue" or "Done" for actions; "" for events
    restricted: bool = False


@dataclass(frozen=True)
class CaseStory:
    """One case: its stage in words, its timeline oldest first, and its support plans."""

    case: Case
    stage: str
    entries: list[Entry]
    plans: list[SupportPlan]


def pupil_cases(
    db: Session, school: School, pupil_id: int, *, safeguarding: bool, today: date
) -> list[CaseStory]:
    """Every case of the pupil, newest first."""
    cases = db.scalars(
        select(Case)
        .where(Case.school_id == school.id, Case.pupil_id == pupil_id)
        .order_by(Case.opened_on.desc(), Case.id.desc())
    ).all()
    actions = db.scalars(
        select(CaseAction)
        .where(CaseAction.school_id == school.id, CaseAction.pupil_id == pupil_id)
        .order_by(CaseAction.id)
    ).all()
    plans = db.scalars(
        select(SupportPlan)
        .where(SupportPlan.school_id == school.id, SupportPlan.pupil_id == pupil_id)
        .order_by(SupportPlan.met_on, SupportPlan.id)
    ).all()
    stories = []
    for case in cases:
        own_plans = [p for p in plans if p.case_id == case.id]
        entries = [
            Entry(case.opened_on, "Case opened", _who(case.created_by_name, case.created_by_title),
                  [("Why", case.reason), ("Case owner", case.owner_name)]),
            *(_action_entry(a, safeguarding, today) for a in actions if a.case_id == case.id),
            *(_plan_entry(p) for p in own_plans),
        ]  # fmt: skip
        if case.closed_on is not None:
            entries.append(Entry(case.closed_on, "Case closed", "", [("Outcome", case.outcome or "")]))
        entries.sort(key=lambda e: e.on)
        stories.append(CaseStory(case, STAGE_LABELS[case.stage], entries, own_plans))
    return stories


def _who(name: str, title: str) -> str:
    return f"{name}, {title}" if title else name


def _action_entry(action: CaseAction, safeguarding: bool, today: date) -> Entry:
    if action.done_on is not None:
        on, status = action.done_on, "Done"
    else:
        assert action.due_on is not None
        on, status = action.due_on, "Overdue" if action.due_on < today else "Due"
    details = [("Owner", action.owner_name)]
    if action.restricted and not safeguarding:
        details.append(("Notes", WITHHELD))
    else:
        details += [
            (label, text) for label, text in (("Notes", action.notes), ("Outcome", action.outcome)) if text
        ]
    if action.follow_up_on is not None:
        details.append(("Follow up", f"{action.follow_up_on:%-d %B %Y}"))
    recorded = _who(action.recorded_by_name, action.recorded_by_title)
    return Entry(
        on, ACTION_LABELS[action.kind], f"Recorded by {recorded}", details, status, action.restricted
    )


def _plan_entry(plan: SupportPlan) -> Entry:
    details = [("Review by", f"{plan.review_on:%-d %B %Y}")]
    if plan.reviewed_on is not None:
        details.append(
            ("Reviewed", f"{plan.reviewed_on:%-d %B %Y}: {REVIEW_OUTCOMES[plan.review_outcome or '']}")
        )
    recorded = _who(plan.recorded_by_name, plan.recorded_by_title)
    return Entry(
        plan.met_on, "Attendance support meeting: support plan agreed", f"Recorded by {recorded}", details
    )
