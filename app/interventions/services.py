"""Casework use cases: open a case, record actions and support plans, review, close. Each refuses bad
input with every problem by field and saves nothing; each marks the school's open flag weeks for
recomputation, since an open case changes a red pupil's next step from support to review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from app.auth.models import User
from app.flags.models import FlagSnapshot
from app.interventions.models import (
    ACTION_LABELS,
    ENFORCEMENT,
    PLAN_REVIEW_DAYS,
    STAGE_LABELS,
    SUPPORT_ACTIONS,
    Case,
    CaseAction,
    Stage,
    SupportPlan,
)  # fmt: skip
from app.refusals import Refused
from app.registers.models import Pupil
from app.registers.recording import Recorder
from tenants.access import PUPIL_READERS
from tenants.counters import allocate
from tenants.models import Membership, School

REVIEW_OUTCOMES = {
    "improved_close": "Improved: close and monitor",
    "no_change_escalate": "No change: escalate",
}


class CaseworkRefused(Refused):
    """Input that cannot be saved, with a message per field."""


def open_case(
    db: Session, school: School, pupil: Pupil, *, stage: str, owner_id: int, owner_name: str, reason: str,
    opened_on: date, recorder: Recorder, today: date,
) -> Case:  # fmt: skip
    problems: dict[str, str] = {}
    if stage not in set(Stage):
        problems["stage"] = f"Stage must be one of: {', '.join(STAGE_LABELS.values())}."
    if not reason.strip():
        problems["reason"] = "Say why the case is opened (what the attendance shows, what is known)."
    if opened_on > today:
        problems["opened_on"] = "A case cannot be opened in the future."
    if open_case_of(db, school, pupil.id) is not None:
        problems["pupil"] = f"{pupil.display_name} already has an open case: add to it, or close it first."
    if problems:
        raise CaseworkRefused(problems)
    case = Case(
        school_id=school.id, id=allocate(db, school.id, "cases"), pupil_id=pupil.id, stage=Stage(stage),
        owner_user_id=owner_id, owner_name=owner_name, reason=reason.strip(), opened_on=opened_on,
        created_by_name=recorder.name, created_by_title=recorder.title,
    )  # fmt: skip
    db.add(case)
    _flags_changed(db, school)
    db.flush()
    return case


def record_action(
    db: Session, school: School, case: Case, *, kind: str, owner_name: str, due_on: date | None,
    done_on: date | None, notes: str, outcome: str, follow_up_on: date | None, restricted: bool,
    recorder: Recorder, today: date,
) -> CaseAction:  # fmt: skip
    """An action planned (due) or done; enforcement only once the case documents support first."""
    problems: dict[str, str] = {}
    if kind not in ACTION_LABELS:
        problems["kind"] = "Choose an action from the list."
    elif kind in ENFORCEMENT and not shows_support(db, school, case):
        problems["kind"] = (
            f"{ACTION_LABELS[kind]} can only be recorded once the case shows support first: record an "
            "attendance support meeting, a support plan, a referral or a contract."
        )
    if due_on is None and done_on is None:
        problems["due_on"] = "Give the date it is due, or the date it was done."
    if done_on is not None and done_on > today:
        problems["done_on"] = "An action cannot be done in the future; give a due date instead."
    if follow_up_on is not None and follow_up_on < (done_on or due_on or follow_up_on):
        problems["follow_up_on"] = "A follow-up comes after the action."
    if not case.is_open:
        problems["case"] = "This case is closed; open a new case to record more."
    if problems:
        raise CaseworkRefused(problems)
    action = CaseAction(
        school_id=school.id, id=allocate(db, school.id, "case_actions"), case_id=case.id, pupil_id=case.pupil_id,
        kind=kind, owner_name=owner_name, due_on=due_on, done_on=done_on, notes=notes.strip(),
        outcome=outcome.strip(), follow_up_on=follow_up_on, restricted=restricted,
        recorded_by_name=recorder.name, recorded_by_title=recorder.title,
    )  # fmt: skip
    db.add(action)
    db.flush()
    return action


def record_plan(
    db: Session, school: School, case: Case, *, met_on: date, working_well: str, worries: str,
    needs_to_happen: str, smart_actions: list[dict[str, Any]], review_on: date, recorder: Recorder, today: date,
) -> SupportPlan:  # fmt: skip
    """An attendance support meeting's plan: SMART actions with owners and dates, reviewed within 6 weeks."""
    problems: dict[str, str] = {}
    if met_on > today:
        problems["met_on"] = "The meeting date cannot be in the future."
    if not review_on > met_on:
        problems["review_on"] = "The review comes after the meeting."
    elif (review_on - met_on).days > PLAN_REVIEW_DAYS:
        latest = met_on + timedelta(days=PLAN_REVIEW_DAYS)
        problems["review_on"] = (
            f"Review the plan within 6 weeks of the meeting: by {latest:%-d %B %Y} at the latest."
        )
    for name, text, label in (("worries", worries, "what we are worried about"),
                              ("needs_to_happen", needs_to_happen, "what needs to happen")):  # fmt: skip
        if not text.strip():
            problems[name] = f"Write {label}."
    if not smart_actions:
        problems["smart_actions"] = "Agree at least one action, with who does it and by when."
    for i, action in enumerate(smart_actions, start=1):
        if not all(str(action.get(k, "")).strip() for k in ("what", "who", "by")):
            problems[f"smart_actions.{i}"] = f"Action {i}: say what, who and by when."
        elif (by := _date_or_none(str(action["by"]))) is None or by < met_on:
            problems[f"smart_actions.{i}"] = f"Action {i}: 'by when' is a date on or after the meeting."
    if not case.is_open:
        problems["case"] = "This case is closed; open a new case to record a plan."
    if problems:
        raise CaseworkRefused(problems)
    plan = SupportPlan(
        school_id=school.id, id=allocate(db, school.id, "support_plans"), case_id=case.id, pupil_id=case.pupil_id,
        met_on=met_on, working_well=working_well.strip(), worries=worries.strip(),
        needs_to_happen=needs_to_happen.strip(), smart_actions=smart_actions, review_on=review_on,
        recorded_by_name=recorder.name, recorded_by_title=recorder.title,
    )  # fmt: skip
    db.add(plan)
    if case.stage in (Stage.EXPECT, Stage.MONITOR, Stage.LISTEN):
        case.stage = Stage.FACILITATE  # a support plan is facilitated support
    db.flush()
    return plan


def review_plan(db: Session, school: School, case: Case, plan: SupportPlan, *, reviewed_on: date, outcome: str,
                today: date) -> None:  # fmt: skip
    """Improved: the case closes and the pupil is monitored; no change: the case moves up a stage."""
    problems: dict[str, str] = {}
    if outcome not in REVIEW_OUTCOMES:
        problems["outcome"] = "Choose the outcome of the review."
    if reviewed_on > today or reviewed_on < plan.met_on:
        problems["reviewed_on"] = "The review date is between the meeting and today."
    if plan.case_id != case.id:
        problems["plan"] = "This plan belongs to an earlier, closed case: review plans of the open case."
    elif plan.reviewed_on is not None:
        problems["plan"] = "This plan has been reviewed already."
    if problems:
        raise CaseworkRefused(problems)
    plan.reviewed_on, plan.review_outcome = reviewed_on, outcome
    if outcome == "improved_close":
        case.closed_on, case.outcome = reviewed_on, REVIEW_OUTCOMES[outcome]
    else:
        stages = list(Stage)
        case.stage = stages[min(stages.index(case.stage) + 1, len(stages) - 1)]
    _flags_changed(db, school)
    db.flush()


def close_case(
    db: Session, school: School, case: Case, *, closed_on: date, outcome: str, today: date
) -> None:
    problems: dict[str, str] = {}
    if not outcome.strip():
        problems["outcome"] = "Say how the case ended."
    if closed_on > today or closed_on < case.opened_on:
        problems["closed_on"] = "The closing date is between the opening date and today."
    if not case.is_open:
        problems["case"] = "This case is closed already."
    if problems:
        raise CaseworkRefused(problems)
    case.closed_on, case.outcome = closed_on, outcome.strip()
    _flags_changed(db, school)
    db.flush()


def _date_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def open_case_of(db: Session, school: School, pupil_id: int) -> Case | None:
    return db.scalar(
        select(Case).where(Case.school_id == school.id, Case.pupil_id == pupil_id, Case.closed_on.is_(None))
    )


def shows_support(db: Session, school: School, case: Case) -> bool:
    """A support plan, or a support action done, on this case."""
    plan = exists().where(SupportPlan.school_id == school.id, SupportPlan.case_id == case.id)
    action = exists().where(
        CaseAction.school_id == school.id, CaseAction.case_id == case.id, CaseAction.kind.in_(SUPPORT_ACTIONS),
        CaseAction.done_on.is_not(None),
    )  # fmt: skip
    return bool(db.scalar(select(plan | action)))


@dataclass(frozen=True)
class CaseSummary:
    """What the weekly grid shows of a pupil's open case."""

    owner: str
    stage: str
    last_action: str


def open_case_summaries(db: Session, school: School) -> dict[int, CaseSummary]:
    """Per pupil with an open case: owner, stage and the latest action done (or the next one due)."""
    cases = {
        c.id: c for c in db.scalars(select(Case).where(Case.school_id == school.id, Case.closed_on.is_(None)))
    }
    latest: dict[int, CaseAction] = {}
    if cases:
        actions = db.scalars(
            select(CaseAction).where(CaseAction.school_id == school.id, CaseAction.case_id.in_(cases))
        )
        for a in actions:
            when = a.done_on or a.due_on
            held = latest.get(a.case_id)
            if held is None or (when, a.id) > ((held.done_on or held.due_on), held.id):
                latest[a.case_id] = a
    summaries = {}
    for case in cases.values():
        a = latest.get(case.id)
        last = "None yet" if a is None else (
            f"{ACTION_LABELS[a.kind]}, {'done' if a.done_on else 'due'} {(a.done_on or a.due_on):%-d %b}"
        )  # fmt: skip
        summaries[case.pupil_id] = CaseSummary(case.owner_name, STAGE_LABELS[case.stage], last)
    return summaries


def _flags_changed(db: Session, school: School) -> None:
    """Open weeks' snapshots are recomputed on their next view (closed weeks are history)."""
    db.execute(
        update(FlagSnapshot)
        .where(FlagSnapshot.school_id == school.id, FlagSnapshot.closed.is_(False))
        .values(last_batch=-1)
    )


def pupil_milestones(db: Session, school: School, pupil_id: int) -> list[tuple[date, str]]:
    """Cases opened and actions done for a pupil, by date: the markers on their attendance line."""
    found = [
        (c.opened_on, f"Case opened ({STAGE_LABELS[c.stage]})")
        for c in db.scalars(select(Case).where(Case.school_id == school.id, Case.pupil_id == pupil_id))
    ]
    done = db.execute(
        select(CaseAction.done_on, CaseAction.kind).where(
            CaseAction.school_id == school.id,
            CaseAction.pupil_id == pupil_id,
            CaseAction.done_on.is_not(None),
        )
    )
    found += [(day, ACTION_LABELS[kind]) for day, kind in done]
    return sorted(found)


@dataclass(frozen=True)
class Owner:
    """Someone who may own a case or an action."""

    user_id: int
    name: str
    title: str


def case_owners(db: Session, school: School) -> list[Owner]:
    """Staff who may own casework here: the school's staff and leads, and the trust's leaders (never governors)."""
    found = db.execute(
        select(User.id, User.name, User.job_title)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.active.is_(True),
            User.active.is_(True),
            Membership.role.in_(PUPIL_READERS),
            (Membership.school_id == school.id) | (Membership.trust_id == school.trust_id),
        )
        .distinct()
        .order_by(User.name)
    ).all()
    return [Owner(*row) for row in found]
