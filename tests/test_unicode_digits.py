"""Numbers typed in other scripts ("²", "٣") pass str.isdigit() but not int(): every hand-read number in a
URL or form is refused as words or ignored, never a server error."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
from flask.testing import FlaskClient

from app.auth import mfa
from tests.conftest import World
from tests.helpers import csrf_token, signed_in
from tests.registers.test_taking import FRIDAY, _post


def test_a_code_in_superscript_digits_is_simply_wrong() -> None:
    assert mfa.matching_step(pyotp.random_base32(), "²²²²²²", datetime.now(UTC)) is None


def test_audit_pages_take_odd_page_numbers_as_the_first(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a_leader"])
    for page in ("²", "٣", "9" * 5000):
        response = client.get("/trusts/trust-a/audit", query_string={"page": page})
        assert response.status_code == 200, page


def test_a_place_in_superscript_digits_is_refused(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a_leader"])
    token = csrf_token(client, "/trusts/trust-a")
    response = client.post(
        "/trusts/trust-a/people",
        data={"csrf_token": token, "email": "x@alder.example", "name": "X", "title": "Tutor",
              "role": "staff", "place": "school:²"},
    )  # fmt: skip
    assert response.status_code < 500


def test_a_register_cell_named_in_superscript_digits_is_ignored(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_staff"])
    response = _post(client, world.a1.urn, FRIDAY, {world.pupils["a1"].id: "/"}, **{"code-²": "/"})
    assert response.status_code < 500
