"""API tokens across schools: a school's token opens only its own school. Sent to another school (of its trust
or another), with marks that would be valid there, it gets 404 and not one row changes anywhere; marks naming
another school's pupils are refused even at the token's own school."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.api.services import create_token
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.factories import Factory, PupilRef, SchoolRef
from tests.isolation.canaries import TRUST_A_NAMES, row_counts

MONDAY = date.today() - timedelta(days=date.today().weekday() + 7)  # last week's: always in the past


@pytest.fixture
def pupils(db: Session, world: World) -> dict[str, PupilRef]:
    """A pupil on roll at each school since before last week, so marks for last week are valid there."""
    f = Factory(db)
    return {
        name: f.pupil(ref, surname=f"Tokened{name}", admission_date=MONDAY - timedelta(days=60))
        for name, ref in (("a1", world.a1), ("a2", world.a2), ("b1", world.b1))
    }


def _token(db: Session, ref: SchoolRef) -> str:
    school = db.get(School, ref.id, execution_options=UNSCOPED)
    with context.use(system_context(db, "test")):
        return create_token(db, school, f"MIS of {ref.name}", by_id=1, by_name="Lead")[1]


def _post(client: FlaskClient, urn: int, secret: str, pupil: PupilRef) -> tuple[int, str]:
    marks = [{"upn": pupil.upn, "date": (MONDAY + timedelta(days=d)).isoformat(), "session": s, "code": "/"}
             for d in range(5) for s in ("AM", "PM")]  # fmt: skip
    response = client.post(
        f"/api/v1/schools/{urn}/marks", json={"marks": marks}, headers={"Authorization": f"Bearer {secret}"}
    )
    return response.status_code, response.get_data(as_text=True)


def test_a_token_opens_its_own_school_only_and_elsewhere_writes_nothing(
    client: FlaskClient, db: Session, world: World, pupils: dict[str, PupilRef]
) -> None:
    secrets = {"a1": _token(db, world.a1), "b1": _token(db, world.b1)}
    schools = {"a1": world.a1, "a2": world.a2, "b1": world.b1}
    everywhere = {ref.id for ref in schools.values()}
    for holder, target in (("a1", "a2"), ("a1", "b1"), ("b1", "a1"), ("b1", "a2")):
        before = row_counts(db, everywhere)
        status, body = _post(client, schools[target].urn, secrets[holder], pupils[target])
        assert status == 404, (holder, target, body)
        assert row_counts(db, everywhere) == before, (holder, target)
        for canary in [*TRUST_A_NAMES, "Tokeneda1", "Tokeneda2", "Tokenedb1", "MIS of"]:
            assert canary.lower() not in body.lower(), (holder, target, canary)
    for other in ("a2", "b1"):  # at its own school, marks naming another school's pupil: refused
        before = row_counts(db, everywhere)
        status, body = _post(client, world.a1.urn, secrets["a1"], pupils[other])
        assert status == 400 and pupils[other].upn in body, body  # the UPN sent, named back: not on roll here
        assert f"Tokened{other}".lower() not in body.lower()
        assert row_counts(db, everywhere) == before
    before = row_counts(db, everywhere)
    assert _post(client, world.a1.urn, secrets["a1"], pupils["a1"])[0] == 200  # control: at its own school
    after = row_counts(db, everywhere)
    assert after["marks"] == before["marks"] + 10
