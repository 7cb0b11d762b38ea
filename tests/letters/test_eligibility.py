"""Who may get which letter, on a hand-made spring register: praise only where attendance really rose
(the last 4 school weeks against the year before them), and the flag filter that matches the wording."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.letters import services
from app.letters.models import Letter
from app.registers.models import Pupil
from app.registers.recording import Recorder
from app.registers.reports import Period
from app.storage import Storage
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.conftest import World
from tests.letters.register import SPRING_END, add_spring_register

LEAD = Recorder(None, "Alex Morgan", "Senior attendance champion")
TODAY = date.today()
NOT_UP_1 = "has not improved by at least 1 percentage point in the last 4 school weeks"
NOT_UP_5 = "has not improved by at least 5 percentage points in the last 4 school weeks"


@pytest.fixture
def spring(app: Flask, db: Session, world: World, school: School) -> Iterator[dict[str, Pupil]]:
    """Ahmed, Baker, Clarke and Dunn as models, inside the trust's tenant context and an app context."""
    refs = add_spring_register(db, world, school)
    with app.app_context(), context.use(system_context(db, "test", trust_id=school.trust_id)):
        yield {name: db.get(Pupil, (school.id, ref.id)) for name, ref in refs.items()}  # type: ignore[misc]


def _select(
    db: Session, school: School, kind: str, day: date = SPRING_END, flag: str = ""
) -> services.Selection:
    request = services.check_request(kind, day, TODAY, None, None)
    return services.select_pupils(db, school, request, form="9S", flag=flag)


def _names(selection: services.Selection) -> list[str]:
    return [p.legal_surname for p in selection.pupils]


def test_the_recent_weeks_are_compared_with_the_year_before_them(
    db: Session, school: School, spring: dict[str, Pupil]
) -> None:
    comparison = _select(db, school, "improvement").register.comparison
    assert comparison.before == Period(date(2026, 3, 2), date(2026, 3, 15))
    assert comparison.recent == Period(date(2026, 3, 16), SPRING_END)
    points = {name: comparison.points(p.id) for name, p in spring.items()}
    assert points == {"Ahmed": 20.0, "Baker": 2.5, "Clarke": -10.0, "Dunn": 0.0}  # by hand, see register.py


def test_praise_goes_only_where_attendance_rose_and_the_certificate_where_it_rose_most(
    db: Session, school: School, spring: dict[str, Pupil]
) -> None:
    praise = _select(db, school, "improvement")
    assert _names(praise) == ["Ahmed", "Baker"]
    assert praise.left_out == {NOT_UP_1: 2}  # Clarke fell, Dunn stayed at 100%
    certificate = _select(db, school, "certificate_improved")
    assert _names(certificate) == ["Ahmed"]
    assert certificate.left_out == {NOT_UP_5: 3}


def test_too_early_in_the_year_nobody_is_praised(
    db: Session, school: School, spring: dict[str, Pupil]
) -> None:
    early = _select(db, school, "improvement", date(2026, 3, 27))  # only 4 school weeks so far
    assert early.pupils == []
    assert early.left_out == {"has no school weeks before the last 4 this year to compare with": 4}


def test_a_letter_made_singly_obeys_the_same_rule_and_stores_nothing(
    db: Session, school: School, spring: dict[str, Pupil], store: Storage
) -> None:
    request = services.check_request("improvement", SPRING_END, TODAY, None, None)
    with pytest.raises(services.LettersRefused) as refused:
        services.generate(db, school, store, [spring["Clarke"]], request, LEAD, "Clarke", today=TODAY)
    assert refused.value.problems == {"kind": f"No letters were made: Sam Clarke {NOT_UP_1}."}
    assert db.scalar(select(func.count()).select_from(Letter)) == 0
    assert store.list_keys(f"schools/{school.id}/") == []


@pytest.mark.parametrize(
    ("day", "flag", "chosen"),
    [
        (date(2026, 4, 3), "red", ["Baker"]),  # 45/50 = 90.0% on 3 April
        (SPRING_END, "red", []),  # 55/60 = 91.7% a week later: amber
        (date(2026, 4, 3), "green", ["Clarke", "Dunn"]),  # Clarke 50/50 before the week he missed
        (SPRING_END, "green", ["Dunn"]),
    ],
)
def test_the_flag_filter_is_the_flag_the_wording_follows_on_the_letter_s_own_date(
    db: Session,
    school: School,
    spring: dict[str, Pupil],
    store: Storage,
    day: date,
    flag: str,
    chosen: list[str],
) -> None:
    selection = _select(db, school, "traffic_light", day, flag)
    assert _names(selection) == chosen
    if chosen:
        request = services.check_request("traffic_light", day, TODAY, None, None)
        batch = services.generate(db, school, store, selection.pupils, request, LEAD, "test", today=TODAY)
        kinds = set(db.scalars(select(Letter.kind).where(Letter.batch_id == batch.id)))
        assert kinds == {f"traffic_{flag}"}
        description = services.describe(request, len(chosen), form="9S", flag=flag)
        assert f"form 9S, {flag} flag on {day.day} {day:%B %Y}" in description
