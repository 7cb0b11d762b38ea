"""Taking a register through the web: one transaction, reasons for changes, clear refusals."""

from __future__ import annotations

from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.registers.marks import Mark
from tenants import context
from tenants.access import system_context
from tests.conftest import World
from tests.factories import Factory
from tests.helpers import csrf_token, signed_in

FRIDAY = date.today() - timedelta(days=date.today().weekday() + 3)


def _post(client: FlaskClient, urn: int, day: date, codes: dict[int, str], reason: str = "", **extra: str):  # type: ignore[no-untyped-def]
    # Browsers post back to the page's own URL, query string included.
    path = f"/schools/{urn}/registers?group=5A&day={day}&session=AM"
    data = {
        "csrf_token": csrf_token(client, path),
        "group": "5A",
        "day": day.isoformat(),
        "session": "AM",
        "reason": reason,
    }
    data.update({f"code-{pid}": code for pid, code in codes.items()})
    data.update(extra)
    return client.post(path, data=data)


def test_register_saves_then_changes_need_a_reason(client: FlaskClient, db: Session, world: World) -> None:
    other = Factory(db).pupil(world.a1, surname="Other", admission_date=FRIDAY - timedelta(days=40))
    pupil = world.pupils["a1"]
    signed_in(client, world.users["a1_staff"])
    saved = _post(
        client, world.a1.urn, FRIDAY, {pupil.id: "/", other.id: "L"}, **{f"minutes-{other.id}": "7"}
    )
    assert saved.status_code == 302
    assert "Register saved: 2 new marks, 0 amended." in client.get(saved.headers["Location"]).get_data(
        as_text=True
    )
    refused = _post(
        client, world.a1.urn, FRIDAY, {pupil.id: "N", other.id: "L"}, **{f"minutes-{other.id}": "7"}
    )
    assert refused.status_code == 400 and "Give a reason" in refused.get_data(as_text=True)
    changed = _post(
        client,
        world.a1.urn,
        FRIDAY,
        {pupil.id: "N", other.id: "L"},
        reason="Left at lunch",
        **{f"minutes-{other.id}": "7"},
    )
    assert "0 new marks, 1 amended" in client.get(changed.headers["Location"]).get_data(as_text=True)


def test_register_refusals_name_the_problem(client: FlaskClient, db: Session, world: World) -> None:
    pupil = world.pupils["a1"]
    signed_in(client, world.users["a1_staff"])
    saturday = FRIDAY + timedelta(days=1)
    assert "weekend" in _post(client, world.a1.urn, saturday, {pupil.id: "/"}).get_data(as_text=True)
    future = date.today() + timedelta(days=7 - date.today().weekday())
    assert "in the future" in _post(client, world.a1.urn, future, {pupil.id: "/"}).get_data(as_text=True)
    assert "withdrawn in August 2024" in _post(client, world.a1.urn, FRIDAY, {pupil.id: "H"}).get_data(
        as_text=True
    )
    late = _post(client, world.a1.urn, FRIDAY, {pupil.id: "/"}, **{f"minutes-{pupil.id}": "5"})
    assert "only with L or U" in late.get_data(as_text=True)
    with context.use(system_context(db, "test")):
        assert db.scalar(select(func.count()).select_from(Mark)) == 0


def test_governor_sees_aggregates_but_no_pupils(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a_governor"])
    page = client.get(f"/schools/{world.a1.urn}/attendance")
    assert page.status_code == 200
    assert "Canaryalder" not in page.get_data(as_text=True)
    assert client.get(f"/schools/{world.a1.urn}/attendance/band?year=5&band=0").status_code == 403
    assert client.get(f"/schools/{world.a1.urn}/registers").status_code == 403


def test_pupil_page_refuses_a_mark_before_admission_except_z(
    client: FlaskClient, db: Session, world: World
) -> None:
    joiner = Factory(db).pupil(world.a1, surname="Joiner", admission_date=FRIDAY)
    signed_in(client, world.users["a1_staff"])
    page = f"/schools/{world.a1.urn}/pupils/{joiner.id}"
    before = FRIDAY - timedelta(days=1)
    for code, expected in (("/", "not on roll"), ("Z", "Mark recorded.")):
        data = {
            "csrf_token": csrf_token(client, page),
            "day": before.isoformat(),
            "session": "AM",
            "code": code,
            "reason": "Late admission paperwork",
        }
        response = client.post(f"{page}/marks", data=data, follow_redirects=True)
        assert expected in response.get_data(as_text=True)
