"""Impact of casework on a hand-made register: the figures are worked out by hand in the comments, and
the pages stay inside the school and the trust.

S is a Monday eight weeks ago. Before = S-28 .. S-1 (four whole weeks), after = S .. S+27.
Ada (A1), phone call and support plan on S:
  before: week 1 Monday X X (not possible); N N + I I (4 absent); G G (2 absent) and V V (approved
          educational activity, present); the rest present. 40 marks, 38 possible, 6 absent, 32 attended:
          32/38 = 84.2105%, 3 days (15 lessons at 5 a day) missed of 19.
  after:  week 1 Monday no marks (a bank holiday), I I (2 absent), P once (present); 38 possible,
          2 absent, 36 attended: 36/38 = 94.7368%, 1 day (5 lessons) of 19. Change +4/38 = +10.5263 points.
  N N on the Friday before S-28 and O O on S+28 are outside both windows and must not count.
Cy (A1), phone call on S: before 40/40 = 100%; after two weeks of N (20 absent): 20/40 = 50%; change -50.
Dee (A2), phone call on S: before 40/40 = 100%; after one week of N: 30/40 = 75%; change -25.
Ben (A1), phone call three days ago: after-window incomplete, no marks at all: "no school days".
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.interventions import impact, services
from app.interventions.models import Case
from app.registers.mark_import import import_marks
from app.registers.models import Pupil
from app.registers.recording import Recorder, week_start
from tenants import context
from tenants.access import system_context
from tenants.models import School, Trust
from tests.conftest import World
from tests.factories import Factory, PupilRef, SchoolRef
from tests.helpers import signed_in

TODAY = date.today()
S = week_start(TODAY) - timedelta(weeks=8)
LEAD = Recorder(None, "Alex Morgan", "Senior attendance champion")
FULL = "/\\" * 5
ADA = ["XX" + "/\\" * 4, "NN/\\II/\\/\\", "/\\/\\GG/\\VV", FULL,  # before
       "  " + "/\\" * 4, "/\\II/\\/\\/\\", "P\\" + "/\\" * 4, FULL]  # after  # fmt: skip
CY = [FULL] * 4 + ["N" * 10] * 2 + [FULL] * 2
DEE = [FULL] * 4 + ["N" * 10] + [FULL] * 3


def _marks(db: Session, school: SchoolRef, registers: dict[str, list[str]], extra: list[str] = ()) -> None:  # type: ignore[assignment]
    """Eight weeks from S-28, ten sessions a week (a space is no mark), through the real import."""
    lines = ["upn,date,session,code", *extra]
    for upn, weeks in registers.items():
        for w, week in enumerate(weeks):
            for i, code in enumerate(week):
                day = S - timedelta(days=28) + timedelta(weeks=w, days=i // 2)
                if code != " ":
                    lines.append(f"{upn},{day},{'AM' if i % 2 == 0 else 'PM'},{code}")
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        target = db.get(School, school.id)
        import_marks(db, target, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                     description="test", recorder=LEAD, reason="test")  # fmt: skip
        db.commit()


def _case(db: Session, school: SchoolRef, pupil: PupilRef) -> tuple[School, Case]:
    found = db.get(School, school.id)
    assert found is not None
    row = db.get(Pupil, (school.id, pupil.id))
    case = services.open_case(db, found, row, stage="listen_understand", owner_id=1, owner_name="Alex Morgan",  # type: ignore[arg-type]
                              reason="Red flag", opened_on=S - timedelta(days=35), recorder=LEAD, today=TODAY)  # fmt: skip
    return found, case


def _call(db: Session, school: School, case: Case, done_on: date | None, due_on: date | None = None) -> None:
    services.record_action(db, school, case, kind="phone_call", owner_name="Alex Morgan", due_on=due_on,
                           done_on=done_on, notes="", outcome="", follow_up_on=None, restricted=False,
                           recorder=LEAD, today=TODAY)  # fmt: skip


@pytest.fixture
def register(db: Session, world: World) -> dict[str, PupilRef]:
    """Ada, Cy and Ben in A1, Dee in A2, with the cases and actions the module docstring describes."""
    f = Factory(db)
    pupils = {name: f.pupil(world.a1, surname=name) for name in ("Ada", "Cy", "Ben")}
    pupils["Dee"] = f.pupil(world.a2, surname="Dee")
    outside = [f"{pupils['Ada'].upn},{S - timedelta(days=31)},{s},N" for s in ("AM", "PM")]
    outside += [f"{pupils['Ada'].upn},{S + timedelta(days=28)},{s},O" for s in ("AM", "PM")]
    _marks(db, world.a1, {pupils["Ada"].upn: ADA, pupils["Cy"].upn: CY}, outside)
    _marks(db, world.a2, {pupils["Dee"].upn: DEE})
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        a1, ada = _case(db, world.a1, pupils["Ada"])
        _call(db, a1, ada, S)
        _call(db, a1, ada, None, due_on=TODAY + timedelta(days=2))  # only planned: no impact yet
        services.record_plan(db, a1, ada, met_on=S, working_well="Tutor", worries="Mondays",
                             needs_to_happen="Check-in", smart_actions=[{"what": "Call", "who": "Tutor", "by": str(S)}],
                             review_on=S + timedelta(days=42), recorder=LEAD, today=TODAY)  # fmt: skip
        _call(db, a1, _case(db, world.a1, pupils["Cy"])[1], S)
        _call(db, a1, _case(db, world.a1, pupils["Ben"])[1], TODAY - timedelta(days=3))
        a2, dee = _case(db, world.a2, pupils["Dee"])
        _call(db, a2, dee, S)
        db.commit()
    return pupils


def test_a_case_shows_the_hand_calculated_figures(db: Session, world: World, register: dict) -> None:
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        school = db.get(School, world.a1.id)
        case = db.scalars(
            select(Case).where(Case.school_id == world.a1.id, Case.pupil_id == register["Ada"].id)
        ).one()
        found = impact.case_impacts(db, school, case, TODAY)  # type: ignore[arg-type]
    assert [(i.kind, i.started_on) for i in found] == [
        ("phone_call", S),
        ("support_plan", S),
    ]  # not the planned call
    for i in found:
        assert (i.before.counts.possible, i.before.counts.attended, i.before.counts.absent) == (38, 32, 6)
        assert (i.after.counts.possible, i.after.counts.attended, i.after.counts.absent) == (38, 36, 2)
        assert i.before.rate == pytest.approx(84.2105263)
        assert i.after.rate == pytest.approx(94.7368421)
        assert i.change == pytest.approx(10.5263158)
        assert i.before.summary == "84.2%: missed 3 days (15 lessons) of 19"
        assert i.after.summary == "94.7%: missed 1 day (5 lessons) of 19"
        assert i.complete


def test_school_aggregates_count_only_complete_windows(db: Session, world: World, register: dict) -> None:
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        result = impact.school_impact(db, db.get(School, world.a1.id), TODAY)  # type: ignore[arg-type]
    ben = next(i for i in result.impacts if i.pupil_id == register["Ben"].id)
    assert not ben.complete and ben.after.summary == "so far, 0 of 20 possible days: no school days"
    assert ben.before.summary == "no school days" and ben.change is None
    calls, plans = result.types
    # Phone calls: Ada and Cy complete, Ben still running. Pooled before (32+40)/(38+40) = 92.3077%,
    # after (36+20)/(38+40) = 71.7949%; mean change (10.5263 - 50) / 2 = -19.7368; 1 of 2 improved.
    assert (calls.label, calls.actions, calls.pupils, calls.incomplete) == ("Phone call", 2, 2, 1)
    assert calls.before.attendance_rate == pytest.approx(92.3076923)
    assert calls.after.attendance_rate == pytest.approx(71.7948718)
    assert calls.mean_change == pytest.approx(-19.7368421)
    assert (calls.improved, calls.compared) == (1, 2)
    assert (plans.label, plans.actions, plans.pupils, plans.incomplete) == ("Support plan", 1, 1, 0)
    assert plans.mean_change == pytest.approx(10.5263158)
    assert (result.overall.actions, result.overall.pupils, result.overall.incomplete) == (3, 2, 1)


def test_the_trust_pools_its_schools(db: Session, world: World, register: dict) -> None:
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        result = impact.trust_impact(db, db.get(Trust, world.trust_a.id), TODAY)  # type: ignore[arg-type]
    calls = result.types[0]
    # Ada, Cy (A1) and Dee (A2): before (32+40+40)/(38+40+40) = 94.9153%, after (36+20+30)/118 = 72.8814%;
    # mean change (10.5263 - 50 - 25) / 3 = -21.4912.
    assert (calls.actions, calls.pupils, calls.incomplete, calls.improved) == (3, 3, 1, 1)
    assert calls.before.attendance_rate == pytest.approx(94.9152542)
    assert calls.after.attendance_rate == pytest.approx(72.8813559)
    assert calls.mean_change == pytest.approx(-21.4912281)
    assert [(s.school.urn, s.overall.actions) for s in result.schools] == [(100001, 3), (100002, 1)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_school_page_lists_actions_with_pupils_and_figures(
    client: FlaskClient, world: World, register: dict
) -> None:
    signed_in(client, world.users["a1_staff"])
    response = client.get("/schools/100001/interventions/impact")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'href="/schools/100001/pupils/{register["Ada"].id}/case"' in html
    text = _text(html)
    assert "84.2%: missed 3 days (15 lessons) of 19" in text and "Up 10.5 points" in text
    # Pooled phone calls: (6+0)/2 = 3 days missed of (38+40)/2 = 39 before; (2+20)/2 = 11 after.
    assert "92.3% missed 3 of 39 days" in text and "71.8% missed 11 of 39 days" in text
    assert "Dee" not in text  # A2's pupil
    assert 'aria-label="Attendance before and after, by action type"' in html


def test_the_trust_page_shows_each_school_and_the_trust(
    client: FlaskClient, world: World, register: dict
) -> None:
    signed_in(client, world.users["a_leader"])
    text = _text(client.get("/trusts/trust-a/interventions/impact").get_data(as_text=True))
    # Trust phone calls: 3 days of 118/2 = 59 before; (2+20+10)/2 = 16 after.
    assert "94.9% missed 3 of 59 days" in text and "72.9% missed 16 of 59 days" in text
    assert "Alder One Primary" in text and "Alder Two Academy" in text
    assert "Ada" not in text  # aggregates only
    assert client.get("/schools/100001/interventions/impact").status_code == 200


@pytest.mark.parametrize(
    ("user", "school_page", "trust_page"),
    [("b_leader", 404, 404), ("b1_lead", 404, 404), ("a_governor", 403, 404), ("a2_lead", 404, 404),
     ("a1_lead", 200, 404)],
)  # fmt: skip
def test_impact_stays_inside_the_school_and_trust(
    client: FlaskClient, world: World, register: dict, user: str, school_page: int, trust_page: int
) -> None:
    signed_in(client, world.users[user])
    assert client.get("/schools/100001/interventions/impact").status_code == school_page
    assert client.get("/trusts/trust-a/interventions/impact").status_code == trust_page
