"""The upload forms driven like a browser with hypothesis-made files: never a server error; a refused file
gives a 400 page listing its problems by line and writes nothing."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import World
from tests.fuzz.conftest import bounded
from tests.fuzz.csv_faults import Fuzzed, Spec, malformed
from tests.fuzz.snapshot import Snapshot
from tests.fuzz.tables import CALENDAR, PUPILS, calendar_tables, pupil_tables
from tests.helpers import csrf_token, signed_in

EXAMPLES = 20
FILENAMES = st.one_of(
    st.just("pupils.csv"),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=300).map(
        lambda s: s + ".csv"
    ),
    st.sampled_from(["../../etc/passwd.csv", "ÉLÈVES 2026.CSV", "export.txt", "no extension"]),
)


@dataclass(frozen=True)
class Form:
    path: str  # where the file is posted
    page: str  # the page that shows the form (its CSRF token)
    who: str
    spec: Spec
    tables: Any
    fields: dict[str, Any]  # what else the form sends


def _form(kind: str, world: World) -> Form:
    a1 = world.a1.urn
    return {
        "pupils": Form(f"/schools/{a1}/pupils/import", f"/schools/{a1}/pupils/import", "a1_lead", PUPILS,
                       pupil_tables(), {}),
        "calendar": Form(f"/schools/{a1}/calendar/import", f"/schools/{a1}/calendar", "a1_lead", CALENDAR,
                         calendar_tables(), {}),
        "trust calendar": Form(f"/trusts/{world.trust_a.slug}/calendar", f"/trusts/{world.trust_a.slug}/calendar",
                               "a_leader", CALENDAR, calendar_tables(), {"schools": [world.a1.id, world.a2.id]}),
    }[kind]  # fmt: skip


@pytest.mark.parametrize("kind", ["pupils", "calendar", "trust calendar"])
def test_an_upload_form_never_fails_and_lists_a_refused_file_s_problems(
    kind: str, client: FlaskClient, world: World, snap: Snapshot
) -> None:
    form = _form(kind, world)
    signed_in(client, world.users[form.who])
    token = csrf_token(client, form.page)
    seen: Counter = Counter()

    @bounded(EXAMPLES)
    @given(malformed(form.tables, form.spec), FILENAMES)
    def run(fuzzed: Fuzzed, filename: str) -> None:
        before = snap.digest()
        data = {**form.fields, "csrf_token": token, "file": (io.BytesIO(fuzzed.data), filename)}
        response = client.post(form.path, data=data, content_type="multipart/form-data")
        seen[response.status_code] += 1
        assert response.status_code in (200, 302, 400), response.status_code
        page = response.get_data(as_text=True)
        if response.status_code == 302:
            snap.written()
            assert not fuzzed.must_reject, f"accepted a file with {fuzzed.fault}"
            return
        csv_named = filename.lower().endswith(".csv")
        assert not (csv_named and fuzzed.must_accept), f"refused a good file ({fuzzed.noise}): {page[:2000]}"
        if csv_named and fuzzed.must_reject:
            assert response.status_code == 400
            assert "nothing was written" in page or "no school was changed" in page
            if fuzzed.line is not None:
                assert f"line {fuzzed.line}" in page, (
                    f"the page does not name line {fuzzed.line} ({fuzzed.fault})"
                )
        assert snap.changed(before) == []

    run()
    assert seen[400], seen  # files were refused with their problems listed (not only the form's own checks)


def test_a_long_file_name_is_no_server_error_when_pupils_change(client: FlaskClient, world: World) -> None:
    """The name went whole into each change's history (200 characters at most): PostgreSQL refused it."""
    signed_in(client, world.users["a1_lead"])
    path = f"/schools/{world.a1.urn}/pupils/import"
    upn = world.pupils["a1"].upn
    data = f"upn,legal_surname,legal_forename,date_of_birth,sex,year_group,admission_date\n{upn},Renamed,Sam,2015-03-14,F,5,2021-09-01\n"
    upload = {"csrf_token": csrf_token(client, path), "file": (io.BytesIO(data.encode()), "é" * 250 + ".csv")}
    response = client.post(path, data=upload, content_type="multipart/form-data")
    assert response.status_code == 302


def test_minutes_late_in_other_digits_on_the_register_page_are_refused_not_a_crash(
    client: FlaskClient, world: World
) -> None:
    """The register page's minutes field had the same isdigit() and int() mismatch."""
    signed_in(client, world.users["a1_staff"])
    friday = date.today() - timedelta(days=date.today().weekday() + 3)
    path = f"/schools/{world.a1.urn}/registers?group=5A&day={friday}&session=AM"
    pupil = world.pupils["a1"].id
    form = {"csrf_token": csrf_token(client, path), "group": "5A", "day": friday.isoformat(), "session": "AM",
            "reason": "", f"code-{pupil}": "L", f"minutes-{pupil}": "²"}  # fmt: skip
    response = client.post(path, data=form)
    assert response.status_code == 400
    assert "minutes late should be 1 to 300" in response.get_data(as_text=True)
