"""A weekly next step turned into casework in one click: the action, stage and due date it implies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.flags.rules import STEPS
from app.interventions import services
from app.interventions.models import CaseAction, Stage
from app.registers.models import Pupil
from app.registers.recording import Recorder
from tenants.models import School


@dataclass(frozen=True)
class StepAction:
    """What a next step asks for: an action kind, the stage a new case opens at, and days to do it in."""

    kind: str
    stage: Stage
    due_in_days: int


STEP_ACTIONS = {
    "refer": StepAction("referral_dsl", Stage.LISTEN, 2),
    "support": StepAction("attendance_support_meeting", Stage.LISTEN, 7),
    "review": StepAction("attendance_support_meeting", Stage.FACILITATE, 7),
    "explore": StepAction("phone_call", Stage.LISTEN, 3),
    "praise": StepAction("recognition", Stage.EXPECT, 3),
    "recognise": StepAction("recognition", Stage.EXPECT, 7),
    "monitor": StepAction("tutor_check_in", Stage.MONITOR, 7),
}


def suggested_due(step: str, today: date) -> date:
    return today + timedelta(days=STEP_ACTIONS[step].due_in_days)


def act_on_step(
    db: Session, school: School, pupil: Pupil, *, step: str, kind: str, owner_id: int, owner_name: str,
    due_on: date | None, recorder: Recorder, today: date,
) -> CaseAction:  # fmt: skip
    """Plan the step's action on the pupil's open case, opening one at the step's stage if there is none."""
    if step not in STEPS:
        raise services.CaseworkRefused({"step": "Choose a next step from the weekly flags."})
    case = services.open_case_of(db, school, pupil.id)
    if case is None:
        case = services.open_case(
            db, school, pupil, stage=STEP_ACTIONS[step].stage, owner_id=owner_id, owner_name=owner_name,
            reason=f"Weekly flags next step: {STEPS[step]}.", opened_on=today, recorder=recorder, today=today,
        )  # fmt: skip
    return services.record_action(
        db, school, case, kind=kind, owner_name=owner_name, due_on=due_on, done_on=None,
        notes=f"Next step from the weekly flags: {STEPS[step]}.", outcome="", follow_up_on=None,
        restricted=False, recorder=recorder, today=today,
    )  # fmt: skip
