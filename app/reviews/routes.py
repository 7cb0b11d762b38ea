"""Review pages: a school's Annex B self-assessment, the trust heatmap, and the termly review packs.

Who does what: school leads and trust leaders save assessments and make packs; governors read the
assessment and see and download only the governors' edition of a pack; staff have no part in termly
reviews (the full pack names pupils, the assessment is the leaders' own view), so they are refused.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm

from app.access import current_recorder, require_role, school_or_404, trust_or_404
from app.audit.services import record_export
from app.calendars.services import school_calendar
from app.clock import local, now_and_today, parse_day
from app.db import get_session
from app.reviews import assessments, packs
from app.reviews.annex_b import ACTION_STATUSES, AREAS, RATINGS, SHORT, SOURCE, STATEMENTS
from app.reviews.models import EDITIONS
from app.reviews.terms import Term, parse_term, previous_term, term_of
from app.storage import get_storage
from app.workflow.compliance import trust_schools
from tenants import context
from tenants.access import system_context
from tenants.models import Role, School
from tenants.scoping import sync_rls

bp = Blueprint("reviews", __name__)
EDITORS = frozenset({Role.SCHOOL_LEAD, Role.TRUST_LEADER})
READERS = EDITORS | {Role.GOVERNOR}


class BadInput(Exception):
    """A request this page cannot act on, with what to fix: shown as a 400 page naming the problem."""


@bp.errorhandler(BadInput)
def _bad_input(error: BadInput):  # type: ignore[no-untyped-def]
    return render_template("error.html", title="Bad request", message=str(error), code=400), 400


class CsrfForm(FlaskForm):
    """Only the CSRF token: the fields are the 34 statements', read by assessments.parse."""


def _school_term(
    urn: int, roles: frozenset[Role], term_text: str | None
) -> tuple[School, Role, Term, str | None]:
    found = school_or_404(urn)
    role = require_role(found, roles)
    _now, today = now_and_today()
    term, problem = parse_term(school_calendar(get_session(), found), term_text, today)
    return found, role, term, problem


@bp.route("/schools/<int:urn>/self-assessment", methods=["GET", "POST"])
@login_required
def self_assessment(urn: int):  # type: ignore[no-untyped-def]
    """The term's assessment (or an older version of it); leaders save a new version, governors read."""
    posted = request.method == "POST"
    if posted and not (request.form.get("term") or "").strip():
        found = school_or_404(urn)
        require_role(found, EDITORS)
        raise BadInput("Say which term this assessment is for: the form's term field (YYYY-MM-DD, the term's "
                   "first day) was missing, so nothing was saved.")  # fmt: skip
    found, role, term, problem = _school_term(urn, EDITORS if posted else READERS, (request.form if posted else request.args).get("term"))  # fmt: skip
    if problem:
        raise BadInput(problem)
    db = get_session()
    form = CsrfForm()
    problems: dict[str, str] = {}
    answers = None
    if posted:
        if not form.validate_on_submit():
            raise BadInput("The form had expired: open the assessment again and resubmit.")
        based_on = request.form.get("version", "")
        try:
            answers = assessments.parse(request.form.to_dict())
            if not based_on.isascii() or not based_on.isdigit():
                raise assessments.AssessmentRefused(
                    {"version": "The form did not say which version it edits."}
                )
            row = assessments.save(db, found, term, answers, current_recorder(), int(based_on))
        except assessments.AssessmentRefused as refused:
            problems = refused.problems
        else:
            flash(f"Saved as version {row.version} of the {term.name} self-assessment.", "success")
            return redirect(url_for("reviews.self_assessment", urn=urn, term=term.key))
    history = assessments.versions(db, found, term)
    shown = history[0] if history else None
    asked = request.args.get("version", "")
    if asked and not posted:
        if not asked.isascii() or not asked.isdigit():
            raise BadInput(f"Version '{asked[:10]}' is not a number.")
        shown = next((v for v in history if v.version == int(asked)), None)
        if shown is None:
            abort(404)
    current = answers or assessments.answers_of(shown)
    page = render_template(
        "reviews/self_assessment.html", school=found, term=term, form=form, answers=current,
        summary=assessments.summarise(current), history=history, shown=shown, newest=history[0] if history else None,
        can_edit=role in EDITORS and (shown is None or shown is (history[0] if history else None)),
        problems=problems, areas=AREAS, statements=STATEMENTS, ratings=RATINGS, short=SHORT,
        statuses=ACTION_STATUSES, source=SOURCE, local=local,
        previous=assessments.answers_of(assessments.latest(db, found, previous_term(school_calendar(db, found), term))),
    )  # fmt: skip
    return page, 400 if problems else 200


@bp.get("/trusts/<slug>/self-assessment")
@login_required
def heatmap(slug: str):  # type: ignore[no-untyped-def]
    """Schools by Annex B area for the term holding ?term= (any day of it; today by default)."""
    trust = trust_or_404(slug)
    _now, today = now_and_today()
    text = (request.args.get("term") or "").strip()
    day = today
    if text:
        try:
            day = parse_day(text)
        except ValueError as exc:
            raise BadInput(f"Term: {exc}") from None
    db = get_session()
    rows = assessments.trust_heatmap(db, trust_schools(db, trust), day)
    return render_template("reviews/heatmap.html", trust=trust, rows=rows, day=day, areas=AREAS, short=SHORT,
                           ratings=RATINGS)  # fmt: skip


@bp.route("/schools/<int:urn>/reviews", methods=["GET", "POST"])
@login_required
def reviews(urn: int):  # type: ignore[no-untyped-def]
    """The school's packs (governors: the governors' edition only) and, for leaders, "Make the pack now"."""
    found = school_or_404(urn)
    role = require_role(found, EDITORS if request.method == "POST" else READERS)
    db = get_session()
    now, today = now_and_today()
    calendar = school_calendar(db, found)
    form = CsrfForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            raise BadInput("The form had expired: open the page again and press the button once more.")
        term, problem = parse_term(calendar, request.form.get("term"), today)
        if problem:
            raise BadInput(problem)
        if term.start > today:
            raise BadInput(f"{term.name} has not started yet, so it has no figures for a pack.")
        with context.use(system_context(db, "review pack", trust_id=found.trust_id)):
            sync_rls(db)  # the pack's trust row pools every school of the trust, not only the user's
            made = packs.make(
                db, get_storage(), found, calendar, term, min(today, term.end), current_recorder(), now
            )
            db.commit()
        flash(f"Made the {term.name} packs (numbers {made[0].id} and {made[-1].id}), figures to "
              f"{min(today, term.end):%-d %B %Y}.", "success")  # fmt: skip
        return redirect(url_for("reviews.reviews", urn=urn))
    editions = ("governors",) if role == Role.GOVERNOR else tuple(EDITIONS)
    return render_template(
        "reviews/packs.html", school=found, packs=packs.packs_of(db, found, editions), editions=EDITIONS,
        can_make=role in EDITORS, term=term_of(calendar, today), form=form, local=local,
    )  # fmt: skip


@bp.get("/schools/<int:urn>/reviews/<int:pack_id>.pdf")
@login_required
def download(urn: int, pack_id: int):  # type: ignore[no-untyped-def]
    """One pack's PDF, by its number within this school; a governor gets only a governors' edition."""
    found = school_or_404(urn)
    role = require_role(found, READERS)
    pack = packs.pack_in(get_session(), found, pack_id)
    if pack is None or (role == Role.GOVERNOR and pack.edition != "governors"):
        abort(404)
    response = Response(packs.read_pdf(get_storage(), found, pack), mimetype="application/pdf")
    record_export(get_session(), found, packs.file_name(found, pack), "download")  # in the trust's audit log
    response.headers["Content-Disposition"] = f'inline; filename="{packs.file_name(found, pack)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
