"""Casework rules on hand-made registers: one open case per pupil, support before enforcement, a plan
reviewed within six weeks, and an open case turning a red pupil's next step from support to review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.flags.rules import STEP_LIST
from app.flags.snapshots import week_flags
from app.interventions import services
from app.interventions.models import Case, CaseAction, Stage, SupportPlan
from app.registers.models import Pupil
from app.registers.recording import Recorder, week_start
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.conftest import World
from tests.weekly import add_registers

TODAY = date.today()
LEAD = Recorder(None, "Alex Morgan", "Senior attendance champion")


@pytest.fixture
def okafor(db: Session, world: World, school: School):  # type: ignore[no-untyped-def]
    pupils = add_registers(db, world, school)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        yield db.get(Pupil, (school.id, pupils["Okafor"].id))


def _open(db: Session, school: School, pupil: Pupil, **overrides: object) -> Case:
    values = {"stage": "listen_understand", "owner_id": 1, "owner_name": "Alex Morgan", "reason": "Red flag",
              "opened_on": TODAY, "recorder": LEAD, "today": TODAY, **overrides}  # fmt: skip
    return services.open_case(db, school, pupil, **values)  # type: ignore[arg-type]


def _action(db: Session, school: School, case: Case, kind: str, **overrides: object) -> CaseAction:
    values = {"kind": kind, "owner_name": "Alex Morgan", "due_on": None, "done_on": TODAY, "notes": "",
              "outcome": "", "follow_up_on": None, "restricted": False, "recorder": LEAD, "today": TODAY, **overrides}  # fmt: skip
    return services.record_action(db, school, case, **values)  # type: ignore[arg-type]


def _step(db: Session, school: School, pupil: Pupil) -> str:
    flags = week_flags(db, school, week_start(TODAY), TODAY)
    return STEP_LIST[int(flags.rows[flags.rows["pupil"] == pupil.id]["step"][0])]


def test_an_open_case_turns_support_into_review_for_the_open_week(
    db: Session, school: School, okafor: Pupil
) -> None:
    assert _step(db, school, okafor) == "support"
    db.commit()
    case = _open(db, school, okafor)
    db.commit()
    assert _step(db, school, okafor) == "review"
    services.close_case(db, school, case, closed_on=TODAY, outcome="Attendance back to 97%", today=TODAY)
    db.commit()
    assert _step(db, school, okafor) == "support"


def test_one_open_case_per_pupil(db: Session, school: School, okafor: Pupil) -> None:
    _open(db, school, okafor)
    with pytest.raises(services.CaseworkRefused) as refused:
        _open(db, school, okafor)
    assert refused.value.problems == {
        "pupil": "Sam Okafor already has an open case: add to it, or close it first."
    }


def test_enforcement_needs_documented_support_first(db: Session, school: School, okafor: Pupil) -> None:
    case = _open(db, school, okafor)
    _action(db, school, case, "phone_call")
    _action(db, school, case, "attendance_support_meeting", done_on=None, due_on=TODAY + timedelta(days=3))
    with pytest.raises(
        services.CaseworkRefused
    ) as refused:  # a call and a meeting not yet held are not support
        _action(db, school, case, "penalty_notice")
    assert refused.value.problems["kind"].startswith(
        "Penalty notice can only be recorded once the case shows support"
    )
    assert db.scalar(select(func.count()).select_from(CaseAction)) == 2  # nothing saved
    _action(db, school, case, "referral_early_help")
    assert _action(db, school, case, "penalty_notice").kind == "penalty_notice"


def test_a_plan_is_reviewed_within_six_weeks(db: Session, school: School, okafor: Pupil) -> None:
    case = _open(db, school, okafor)
    plan = {"met_on": TODAY, "working_well": "Good relationship with tutor", "worries": "Mondays missed",
            "needs_to_happen": "Morning check-in", "smart_actions": [{"what": "Daily check-in", "who": "Tutor",
            "by": str(TODAY + timedelta(days=7))}], "recorder": LEAD, "today": TODAY}  # fmt: skip
    with pytest.raises(services.CaseworkRefused) as refused:
        services.record_plan(db, school, case, review_on=TODAY + timedelta(days=43), **plan)  # type: ignore[arg-type]
    latest = TODAY + timedelta(days=42)
    assert refused.value.problems == {
        "review_on": f"Review the plan within 6 weeks of the meeting: by {latest:%-d %B %Y} at the latest."
    }
    assert db.scalar(select(func.count()).select_from(SupportPlan)) == 0
    with pytest.raises(services.CaseworkRefused) as incomplete:
        services.record_plan(db, school, case, review_on=latest, **{**plan, "smart_actions": [{"what": "x"}]})  # type: ignore[arg-type]
    assert incomplete.value.problems == {"smart_actions.1": "Action 1: say what, who and by when."}

    saved = services.record_plan(db, school, case, review_on=latest, **plan)  # type: ignore[arg-type]
    assert case.stage == Stage.FACILITATE and services.shows_support(db, school, case)
    services.review_plan(
        db, school, case, saved, reviewed_on=TODAY, outcome="no_change_escalate", today=TODAY
    )
    assert case.stage == Stage.FORMALISE and case.is_open


def test_the_grid_summary_names_owner_stage_and_latest_action(
    db: Session, school: School, okafor: Pupil
) -> None:
    case = _open(db, school, okafor)
    _action(db, school, case, "phone_call", done_on=TODAY - timedelta(days=1))
    _action(db, school, case, "home_visit", done_on=None, due_on=TODAY + timedelta(days=2))
    summary = services.open_case_summaries(db, school)[okafor.id]
    due = TODAY + timedelta(days=2)
    assert summary == services.CaseSummary(
        "Alex Morgan", "Listen and understand", f"Home visit, due {due:%-d %b}"
    )
