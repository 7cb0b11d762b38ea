"""The playbook every trust starts with: Annex C of the DfE attendance toolkit (the data monitoring
schedule) and Lift Schools' workflow (daily tasks with a time, register checks by 9:30, first-day calls,
weekly data and banding meetings, half-termly scrutiny and benchmarking, termly governors and letters).

`{urn}` in a resource link becomes the school's URN, so a task opens the page it is done on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy.orm import Session

from app.workflow.models import Cadence, PlaybookTask
from tenants.models import Role, Trust

D, W, F, H, T = Cadence.DAILY, Cadence.WEEKLY, Cadence.FORTNIGHTLY, Cadence.HALF_TERMLY, Cadence.TERMLY
STAFF, LEAD = Role.STAFF, Role.SCHOOL_LEAD
MON, TUE, WED, THU, FRI = range(5)
STARTING_PLAYBOOK = "Turnout (starting playbook)"


@dataclass(frozen=True)
class Seed:
    key: str
    title: str
    cadence: Cadence
    due_time: time
    due_day: int | None
    role: Role
    description: str
    resource_url: str | None = None


SEEDS = [
    Seed("register-check", "Check every register is complete", D, time(9, 30), None, STAFF,
         "Attendance staff monitor register completion and return: chase any form whose morning register is "
         "not taken, and check the missing-marks list.", "/schools/{urn}/attendance"),
    Seed("first-day-calls", "First-day calls for unexplained absence", D, time(10, 0), None, STAFF,
         "Call the family of every pupil absent without a reason (day 1 tutor, day 2 head of year, day 3 "
         "senior leader), starting with the golden-hour list.", "/schools/{urn}/first-day"),
    Seed("parent-messages", "Update registers from parents' and carers' messages", D, time(11, 0), None, STAFF,
         "Registers updated based on messages from parents and carers, with the reason recorded as an "
         "amendment.", "/schools/{urn}/attendance/register"),
    Seed("immediate-action", "Act on today's absences", D, time(13, 0), None, STAFF,
         "Use the register to act now: contact parents and carers, home visits, liaise with the SENCo, escalate "
         "safeguarding concerns, request medical evidence.", "/schools/{urn}/first-day/golden-hour"),
    Seed("midday-report", "Send the morning's attendance to school leads", D, time(12, 0), None, STAFF,
         "Daily attendance data sent to relevant school leads with information about actions to take."),
    Seed("end-of-day-summary", "End-of-day summary to senior leads", D, time(16, 30), None, STAFF,
         "Final attendance data shared with relevant senior leads at the end of the day, including the "
         "outcomes of calls and visits."),
    Seed("weekly-data-meeting", "Weekly data meeting", W, time(15, 30), FRI, LEAD,
         "The senior attendance champion meets attendance staff to discuss the week's data and agree each "
         "flagged pupil's next step.", "/dashboards/schools/{urn}/week"),
    Seed("weekly-banding-review", "Weekly banding review", W, time(12, 0), MON, LEAD,
         "Scrutinise the banding distribution and identify pupils whose absence makes them persistently or "
         "severely absent.", "/dashboards/schools/{urn}/week"),
    Seed("weekly-cohorts", "Weekly data by cohort for senior leaders", W, time(16, 0), WED, LEAD,
         "The senior leadership team discusses the week's data broken down by key cohorts: FSM, SEN, year "
         "group and others.", "/dashboards/schools/{urn}/cohorts"),
    Seed("action-plan-review", "Review and progress individual action plans", W, time(16, 0), THU, LEAD,
         "Review each open case's plan and consider next steps where plans aren't being engaged with.",
         "/schools/{urn}/cases"),
    Seed("fortnightly-home-visits", "Home visits to severely absent pupils", F, time(15, 0), THU, STAFF,
         "Regular (fortnightly) home visits to pupils at severe absence, recorded on each pupil's case.",
         "/dashboards/schools/{urn}/week?flag=purple"),
    Seed("leadership-scrutiny", "Leadership scrutiny of attendance data", H, time(16, 0), -5, LEAD,
         "The school leadership team scrutinises the banding distribution, current and cumulative attendance, "
         "persistent and severe absence.", "/schools/{urn}/attendance"),
    Seed("strategy-impact", "Monitor the impact of attendance strategies", H, time(16, 0), -5, LEAD,
         "Look at the impact of each kind of intervention and change what is not working.",
         "/schools/{urn}/interventions/impact"),
    Seed("benchmarking", "Benchmark against the local authority and England", H, time(16, 0), -3, LEAD,
         "Compare attendance, persistent and severe absence with the local authority and national figures."),
    Seed("share-data", "Share absence data with staff and families", H, time(16, 0), -2, LEAD,
         "Share absence data in communications to all relevant staff and to parents and carers."),
    Seed("poorest-attenders-meetings", "Arrange meetings with families of the poorest attenders", H,
         time(16, 0), 5, STAFF,
         "Arrange meetings with parents and carers of the pupils with the poorest attendance.",
         "/dashboards/schools/{urn}/week?flag=red"),
    Seed("governors-meeting", "Termly attendance report to governors", T, time(18, 0), -10, LEAD,
         "Meet governors or trustees to share data trends and progress."),
    Seed("poorest-attenders-letters", "Headteacher's letters to the poorest attenders", T, time(16, 0), -15, LEAD,
         "The headteacher writes to parents and carers of the pupils with the poorest attendance, with wording "
         "that reflects each child's and family's situation.", "/schools/{urn}/letters"),
]  # fmt: skip


def seed_playbook(db: Session, trust: Trust, by_name: str) -> None:
    """Give a new trust the starting playbook; the caller commits."""
    db.add_all(
        PlaybookTask(trust_id=trust.id, id=n, key=s.key, title=s.title, description=s.description, cadence=s.cadence,
                     due_time=s.due_time, due_day=s.due_day, role=s.role, resource_url=s.resource_url, position=n,
                     updated_by_name=by_name)
        for n, s in enumerate(SEEDS, start=1)
    )  # fmt: skip
