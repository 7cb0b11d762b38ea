"""The morning call list and the golden-hour list on a hand-made week of registers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.calls import services
from app.interventions.services import open_case
from app.registers.models import Pupil
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.calls.registers import MON, TUE, WED, add_week
from tests.conftest import World
from tests.helpers import signed_in
from tests.weekly import LAST_WEEK, add_registers

TODAY = date.today()


@pytest.fixture
def week(db: Session, world: World, school: School):  # type: ignore[no-untyped-def]
    pupils = add_week(db, world, school)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        yield pupils


def _names(cards: list[services.PupilCard]) -> list[tuple[str, int]]:
    return [(c.pupil.legal_surname, c.days) for c in cards]


def test_the_call_list_groups_pupils_by_days_absent_without_a_reason(
    db: Session, school: School, week: dict
) -> None:
    calls = services.call_list(db, school, WED, TODAY)
    groups = {caller: _names(cards) for _, caller, cards in calls.by_escalation()}
    assert groups == {
        "Tutor": [("Ada", 1), ("Dee", 1), ("Eve", 1)],
        "Head of year": [("Ben", 2)],
        "Senior leader": [("Cal", 4)],
    }
    assert _names(calls.afternoon) == [("Gus", 0)]  # present in the morning: followed up, not escalated
    assert calls.taken and calls.not_taken == ["5A", "8B"]  # Hal (8B) is listed once 8B is taken
    eve = next(c for c in calls.cards if c.pupil.legal_surname == "Eve")
    assert (eve.am, eve.pm) == ("", "")


def test_before_any_morning_mark_there_is_no_list(db: Session, school: School, week: dict) -> None:
    thursday = WED + timedelta(days=1)
    calls = services.call_list(db, school, thursday, TODAY)
    assert not calls.taken and calls.cards == [] and calls.not_taken == []


def test_a_run_counts_only_school_days(db: Session, school: School, week: dict) -> None:
    """Saturday and Sunday carry no marks, so Friday and Monday are consecutive school days."""
    calls = services.call_list(db, school, MON, TODAY)
    assert _names(calls.cards) == [("Cal", 2), ("Dee", 1)]


def test_golden_hour_lists_targets_with_their_reasons_most_urgent_first(
    db: Session, school: School, week: dict
) -> None:
    ada = db.get(Pupil, (school.id, week["Ada"].id))
    assert ada is not None
    lead = Recorder(None, "Alex Morgan", "Senior attendance champion")
    open_case(db, school, ada, stage="monitor", owner_id=1, owner_name="Alex Morgan", reason="Mondays",
              opened_on=TUE, recorder=lead, today=TODAY)  # fmt: skip
    db.commit()
    golden = services.golden_hour(db, school, WED, TODAY)
    assert golden.last_school_day == TUE
    assert [(c.pupil.legal_surname, c.reasons) for c in golden.cards] == [
        ("Cal", (f"Absent without a reason on {TUE:%A %-d %B}, 3 school days running",)),
        ("Ben", (f"Absent without a reason on {TUE:%A %-d %B}",)),
        ("Fay", (f"Absent without a reason on {TUE:%A %-d %B}",)),
        ("Ada", ("Open case: Monitor, owner Alex Morgan",)),
    ]


def test_golden_hour_names_an_absence_only_where_the_register_was_taken(
    db: Session, world: World, school: School, week: dict
) -> None:
    """Ivy's form 9C was not registered on Tuesday, so her N on Monday is not a Tuesday absence; Jo has no
    Tuesday mark in 7A, whose register was taken, so Jo was absent without a reason."""
    add_week(
        db,
        world,
        school,
        {("Ivy", "9C"): ("/\\", "NN", "..", ".."), ("Jo", "7A"): ("/\\", "/\\", "..", "..")},
    )
    golden = services.golden_hour(db, school, WED, TODAY)
    reasons = {c.pupil.legal_surname: c.reasons for c in golden.cards}
    assert "Ivy" not in reasons
    assert reasons["Jo"] == (f"Absent without a reason on {TUE:%A %-d %B}",)


def test_golden_hour_lists_red_flags_from_last_week(db: Session, world: World, school: School) -> None:
    add_registers(db, world, school)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        golden = services.golden_hour(db, school, LAST_WEEK + timedelta(days=7), TODAY)
    assert [(c.pupil.legal_surname, c.flag.flag if c.flag else None) for c in golden.cards] == [
        ("Okafor", "red")
    ]
    assert (
        golden.cards[0].reasons[0].startswith(f"Red: persistent absence (week of {LAST_WEEK:%-d %B}, 90.0%")
    )


def test_the_golden_hour_page_shows_the_flag_and_its_next_step(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    add_registers(db, world, school)
    signed_in(client, world.users["a1_staff"])
    page = client.get(f"/schools/100001/first-day/golden-hour?date={LAST_WEEK + timedelta(days=7)}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<span class="flag flag-red"><span aria-hidden="true">' in text
    assert f"Red: persistent absence</span> (week of {LAST_WEEK:%-d %B}, trend: " in text
    assert "next step: " in text
