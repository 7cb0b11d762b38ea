"""Termly review packs: the PDF opens, its headline figures are the benchmark report's, the governors'
edition names no pupil, packs are listed and downloaded by role, and the job makes a term's packs once."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.calendars.services import school_calendar
from app.cli import main
from app.registers.recording import Recorder
from app.reviews import packs
from app.reviews.models import ReviewPack
from app.reviews.terms import term_of
from app.storage import Storage, get_storage
from tenants import context
from tenants.access import system_context
from tenants.models import School, Trust
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.helpers import post_form, signed_in
from tests.reviews.sample import ALDER_ONE, ALDER_TWO, AS_OF, TERM_START, add_term

LEAD = Recorder(None, "Lee Lead", "Senior attendance champion")


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _benchmark_rows(app: Flask, start: str, end: str) -> list[dict]:
    """What `turnout report benchmark --trust trust-a --from .. --to .. --format json` prints."""
    args = ["report", "benchmark", "--trust", "trust-a", "--from", start, "--to", end, "--format", "json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["rows"]


def _make(app: Flask, db: Session, store: Storage, world: World) -> dict[str, ReviewPack]:
    school = db.get(School, world.a1.id, execution_options=UNSCOPED)
    with app.app_context(), context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        calendar = school_calendar(db, school)
        term = term_of(calendar, AS_OF)
        made = packs.make(db, store, school, calendar, term, AS_OF, LEAD, datetime(2026, 11, 21, tzinfo=UTC))
        db.commit()
        return {p.edition: p for p in made}


def test_headline_figures_equal_the_benchmark_report_and_governors_see_no_pupil(
    app: Flask, db: Session, world: World, store: Storage
) -> None:
    pupils = add_term(db, world)
    made = _make(app, db, store, world)
    assert set(made) == {"full", "governors"}
    assert made["full"].term_start == TERM_START and made["full"].as_of == AS_OF
    school = db.get(School, world.a1.id, execution_options=UNSCOPED)
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        full = _text(packs.read_pdf(store, school, made["full"]))
        governors = _text(packs.read_pdf(store, school, made["governors"]))
    assert made["full"].storage_key.startswith(f"schools/{school.id}/reviews/")

    rows = _benchmark_rows(app, TERM_START.isoformat(), AS_OF.isoformat())
    mine = next(r for r in rows if r["level"] == "school" and r["urn"] == world.a1.urn)
    trust = next(r for r in rows if r["level"] == "trust")
    # hand-worked (tests/reviews/sample.py): 36 of 60 sessions at Alder One, 56 of 80 pooled in the trust
    assert f"{mine['attendance_rate']:.1f}%" == "60.0%" and f"{trust['attendance_rate']:.1f}%" == "70.0%"
    england = next(r for r in rows if r["level"] == "national" and r["phase"] == "Primary")
    la = next(r for r in rows if r["level"] == "la" and r["phase"] == "Primary" and r.get("la_code") == "926")
    for text in (full, governors):
        line = re.search(r"Attendance ((?:[\d.]+% ?){4})", text)
        assert line, text[:1500]
        shown = line.group(1).split()
        assert shown == [f"{r['attendance_rate']:.1f}%" for r in (mine, trust, la, england)]
        for label, key in (("Overall absence", "absence_rate"), ("Authorised absence", "authorised_rate"),
                           ("Unauthorised absence", "unauthorised_rate")):  # fmt: skip
            assert f"{label} {mine[key]:.1f}% {trust[key]:.1f}%" in text
        assert f"% of pupils {mine['persistent_rate']:.1f}% {trust['persistent_rate']:.1f}%" in text
        assert f"Pupils enrolled {mine['enrolments']:,} {trust['enrolments']:,}" in text
        assert "Days missed (all pupils) 12.0 12.0" in text  # 24 sessions; Alder Two missed none
        assert "Absence 40.0% to 45.0%" not in text  # bands are labelled in whole percents
    # Alder One's 3 pupils: the governors' edition shows small groups as "<5" and withholds their rates
    assert "<5" in governors and "withheld: fewer than 5 pupils" in governors
    assert "withheld" not in full
    # the full edition names the pupils missing 30% or more, most days missed first
    listed = full[full.index("Pupils missing 30% or more") :]
    assert listed.index("Quillon Marchbank-Oyelaran") < listed.index("Bartholomew Fennimore-Thistlewood")
    assert pupils["Marchbank-Oyelaran"].upn in full and "8.0 of 10.0" in full
    # the governors' edition names nobody and gives no UPN, not even split across a line
    squeezed = governors.replace(" ", "")
    every = [*ALDER_ONE, *ALDER_TWO, ("Sam", "Canaryalder")]
    for forename, surname in every:
        for part in (forename, *surname.split("-")):
            assert part not in governors and part not in squeezed, part
    for ref in pupils.values():
        assert ref.upn not in squeezed
    assert world.pupils["a1"].upn not in squeezed
    assert "Pupils missing 30% or more" not in governors and "no pupil-level data" in governors


def test_governors_list_and_download_only_their_edition_and_staff_none(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    add_term(db, world)
    signed_in(client, world.users["a1_lead"])
    made = post_form(client, "/schools/100001/reviews", {})
    assert made.status_code == 302, made.get_data(as_text=True)[:1000]
    again = post_form(client, "/schools/100001/reviews", {})  # a new pack, never an overwrite
    assert again.status_code == 302
    with context.use(system_context(db, "test")):
        rows = db.scalars(select(ReviewPack).order_by(ReviewPack.id)).all()
        assert [(r.id, r.edition) for r in rows] == [
            (1, "full"),
            (2, "governors"),
            (3, "full"),
            (4, "governors"),
        ]
        assert len({r.storage_version for r in rows} | {r.storage_key for r in rows}) >= 2
        school = db.get(School, world.a1.id)
        with app.app_context():
            text = _text(packs.read_pdf(get_storage(), school, rows[0]))
    # the school lead sees only Alder One, yet the pack's trust column pools the whole trust (56 of 80)
    assert re.search(r"Attendance 60\.0% 70\.0%", text), text[:800]
    page = client.get("/schools/100001/reviews").get_data(as_text=True)
    assert all(f"/schools/100001/reviews/{n}.pdf" in page for n in range(1, 5))
    pdf = client.get("/schools/100001/reviews/1.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Quillon Marchbank-Oyelaran" in _text(pdf.data)

    client = signed_in(app.test_client(), world.users["a_governor"])
    page = client.get("/schools/100001/reviews").get_data(as_text=True)
    assert "/reviews/2.pdf" in page and "/reviews/4.pdf" in page
    assert "/reviews/1.pdf" not in page and "/reviews/3.pdf" not in page and "Make the pack now" not in page
    assert client.get("/schools/100001/reviews/1.pdf").status_code == 404
    assert client.get("/schools/100001/reviews/2.pdf").status_code == 200
    assert (
        post_form(
            client, "/schools/100001/reviews", {}, form_page="/schools/100001/self-assessment"
        ).status_code
        == 403
    )

    client = signed_in(app.test_client(), world.users["a1_staff"])
    assert client.get("/schools/100001/reviews").status_code == 403
    assert client.get("/schools/100001/reviews/1.pdf").status_code == 403

    client = signed_in(
        app.test_client(), world.users["b_leader"]
    )  # another trust: not found, whatever the number
    assert client.get("/schools/100001/reviews").status_code == 404
    assert client.get("/schools/100001/reviews/2.pdf").status_code == 404


def _count(db: Session) -> int:
    with context.use(system_context(db, "test")):
        return db.scalar(select(func.count()).select_from(ReviewPack)) or 0


def test_the_job_makes_each_terms_packs_once(app: Flask, db: Session, world: World, store: Storage) -> None:
    add_term(db, world)
    trust = db.get(Trust, world.trust_a.id, execution_options=UNSCOPED)

    def run(now: datetime) -> str:
        with app.app_context(), context.use(system_context(db, "job:review-packs", trust_id=trust.id)):
            summary = packs.make_due_packs(db, store, trust, now)
            db.commit()
            return summary

    # Friday 4 December: Alder One's autumn term (to 18 December) has 11 school days left, so not yet due
    assert run(datetime(2026, 12, 4, 9, tzinfo=UTC)).endswith("0 already made, 2 not due")
    assert _count(db) == 0
    # Monday 7 December is its 10th-last school day; Alder Two (no calendar: the autumn season to 31
    # December) is not due until Friday 18 December
    first = run(datetime(2026, 12, 7, 9, tzinfo=UTC))
    assert first == ("review packs for 2026-12-07: 1 school made (Alder One Primary (Autumn term)), "
                     "0 already made, 1 not due")  # fmt: skip
    assert _count(db) == 2
    assert run(datetime(2026, 12, 8, 9, tzinfo=UTC)).startswith("review packs for 2026-12-08: 0 schools made")
    assert _count(db) == 2
    with context.use(system_context(db, "test")):
        rows = db.scalars(select(ReviewPack)).all()
        assert {(r.edition, r.as_of.isoformat(), r.scheduled) for r in rows} == {
            ("full", "2026-12-06", True), ("governors", "2026-12-06", True)}  # fmt: skip
    # in the Christmas holiday the term just ended is still the one packed: nothing new for Alder One;
    # Alder Two's season is now due
    later = run(datetime(2026, 12, 21, 9, tzinfo=UTC))
    assert "1 school made (Alder Two Academy (Autumn 2026))" in later and "1 already made" in later
    assert _count(db) == 4
