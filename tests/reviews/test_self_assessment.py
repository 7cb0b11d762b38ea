"""Annex B self-assessment: bad ratings and a missing term refused with a clear message, every save kept
as a version, governors read only, staff refused, the trust heatmap's figures, and other trusts 404."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.reviews.annex_b import STATEMENTS
from app.reviews.models import SelfAssessment
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.calendars.sample import give_calendar
from tests.conftest import World
from tests.helpers import csrf_token, post_form, signed_in

PAGE = "/schools/100001/self-assessment"
TERM = "2026-09-02"  # Alder One's autumn term, from its calendar
FORM = f"{PAGE}?term={TERM}"
KEYS = [s.key for s in STATEMENTS]  # 9 data, 4 culture, 11 people, 10 relationships


def _versions(db: Session) -> list[SelfAssessment]:
    with context.use(system_context(db, "test")):
        return list(db.scalars(select(SelfAssessment).order_by(SelfAssessment.version)))


def _post(client: FlaskClient, data: dict[str, str], version: int, term: str | None = TERM):  # type: ignore[no-untyped-def]
    body = {"csrf_token": csrf_token(client, FORM), "version": str(version), **data}
    if term is not None:
        body["term"] = term
    return client.post(PAGE, data=body)


def _calendar(db: Session, world: World) -> None:
    give_calendar(db, db.get(School, world.a1.id, execution_options=UNSCOPED))


def test_bad_ratings_and_a_missing_term_are_refused_and_each_save_is_a_version(
    client: FlaskClient, db: Session, world: World
) -> None:
    assert len(KEYS) == 34
    _calendar(db, world)
    signed_in(client, world.users["a1_lead"])
    refused = _post(client, {f"rating-{KEYS[0]}": "5", f"rating-{KEYS[2]}": "two"}, 0)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Statement 1: the rating must be a whole number from 1 to 4 (or blank), not &#39;5&#39;." in html
    assert "Statement 3: the rating must be a whole number from 1 to 4 (or blank), not &#39;two&#39;." in html
    no_term = _post(client, {f"rating-{KEYS[0]}": "2"}, 0, term=None)
    assert no_term.status_code == 400
    assert "Say which term this assessment is for" in no_term.get_data(as_text=True)
    assert _post(client, {}, 0, term="2026-13-01").status_code == 400
    assert _versions(db) == []

    first = _post(client, {f"rating-{KEYS[0]}": "2", f"evidence-{KEYS[0]}": "Form tutors see weekly figures",
                           f"actions-{KEYS[0]}": "Share cohort figures at briefings"}, 0)  # fmt: skip
    assert first.status_code == 302
    second = _post(client, {f"rating-{KEYS[0]}": "3", f"evidence-{KEYS[0]}": "Briefings every Monday"}, 1)
    assert second.status_code == 302
    stale = _post(client, {f"rating-{KEYS[0]}": "1"}, 1)  # made from version 1 after version 2 was saved
    assert stale.status_code == 400
    assert "Version 2 was saved after you opened version 1: nothing was saved." in stale.get_data(
        as_text=True
    )
    saved = _versions(db)
    assert [(v.version, v.answers[KEYS[0]]["rating"], v.recorded_by_name) for v in saved] == [
        (1, 2, "Lead"), (2, 3, "Lead")]  # fmt: skip
    assert (
        saved[0].term_name == "Autumn term"
        and saved[0].answers[KEYS[0]]["actions"] == "Share cohort figures at briefings"
    )
    page = client.get(FORM).get_data(as_text=True)
    assert "Showing version 2" in page and "Version 1" in page
    old = client.get(f"{FORM}&version=1").get_data(as_text=True)
    assert "Form tutors see weekly figures" in old and "an older version" in old


def test_governors_read_staff_are_refused_other_trusts_get_404(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    _calendar(db, world)
    signed_in(client, world.users["a1_lead"])
    assert (
        _post(
            client, {f"rating-{KEYS[0]}": "4", f"evidence-{KEYS[0]}": "Termly governor report"}, 0
        ).status_code
        == 302
    )

    governor = signed_in(app.test_client(), world.users["a_governor"])
    page = governor.get(FORM)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Termly governor report" in html and "4: In place and known to be effective" in html
    assert "Save as a new version" not in html
    token = csrf_token(governor, "/schools/100001/reviews")
    assert governor.post(PAGE, data={"csrf_token": token, "term": TERM, "version": "1"}).status_code == 403

    staff = signed_in(app.test_client(), world.users["a1_staff"])
    assert staff.get(FORM).status_code == 403
    for intruder in ("b_leader", "b1_lead"):
        other = signed_in(app.test_client(), world.users[intruder])
        assert other.get(FORM).status_code == 404
        assert other.get("/trusts/trust-a/self-assessment").status_code == 404
    assert len(_versions(db)) == 1


def test_the_trust_heatmap_shows_each_area_as_a_number_and_words(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    _calendar(db, world)
    signed_in(client, world.users["a1_lead"])
    # Data and targeted support: 1, 2, 2, 3 (4 of 9 rated) -> mean 2.0; Culture: 3, 4 -> 3.5, which
    # rounds down to 3 ("Effectiveness untested"); the other two areas not rated
    ratings = {KEYS[0]: "1", KEYS[1]: "2", KEYS[2]: "2", KEYS[3]: "3", KEYS[9]: "3", KEYS[10]: "4"}
    assert _post(client, {f"rating-{k}": v for k, v in ratings.items()}, 0).status_code == 302

    leader = signed_in(app.test_client(), world.users["a_leader"])
    page = leader.get("/trusts/trust-a/self-assessment?term=2026-11-20")
    assert page.status_code == 200
    html = " ".join(page.get_data(as_text=True).split())
    assert "<caption>Self-assessment by school and area" in html
    one = html[html.index("Alder One Primary</a>") :]
    one = one[: one.index("</tr>")]
    assert "Autumn term" in one
    assert '<strong>2.0</strong> Needs strengthening <span class="hint">(4 of 9 rated)</span>' in one
    assert '<strong>3.5</strong> Effectiveness untested <span class="hint">(2 of 4 rated)</span>' in one
    assert one.count("Not rated") == 2 and "Version 1, Lead" in one
    two = html[html.index("Alder Two Academy</a>") :]
    two = two[: two.index("</tr>")]
    assert "Autumn 2026" in two and two.count("Not rated") == 4 and "Not yet completed" in two
    assert leader.get("/trusts/trust-a/self-assessment?term=20-11-2026").status_code == 400


def test_last_terms_actions_reach_the_pack_with_this_terms_status(
    client: FlaskClient, db: Session, world: World
) -> None:
    _calendar(db, world)  # autumn 2026 only: the term before it is the summer season, April to July 2026
    signed_in(client, world.users["a1_lead"])
    summer = {"csrf_token": csrf_token(client, FORM), "version": "0", "term": "2026-06-01",
              f"rating-{KEYS[0]}": "1", f"actions-{KEYS[0]}": "Share cohort figures at every briefing"}  # fmt: skip
    assert client.post(PAGE, data=summer).status_code == 302
    autumn = client.get(FORM).get_data(as_text=True)
    assert "Last term's action: Share cohort figures at every briefing" in autumn
    assert _post(client, {f"rating-{KEYS[0]}": "2", f"status-{KEYS[0]}": "in_progress"}, 0).status_code == 302
    assert _post(client, {f"status-{KEYS[0]}": "finished"}, 1).status_code == 400  # not a status

    assert post_form(client, "/schools/100001/reviews", {}).status_code == 302
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(
        client.get("/schools/100001/reviews/2.pdf").data)).pages)  # fmt: skip
    assert "7. Actions agreed last term (Summer 2026)" in text
    assert "Share cohort figures at every briefing In progress" in text
    assert "2: Needs strengthening" in text  # the weakest statements, from this term's version 2
