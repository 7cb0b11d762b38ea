"""Calendar pages: a school's terms, holidays and closures; a trust pushing one calendar to its schools."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from app.access import current_recorder, require_role, school_or_404, trust_or_404
from app.calendars import overview, services
from app.calendars.csvfile import COLUMNS, calendar_csv
from app.calendars.forms import CsrfForm, EntryForm, ImportForm, PushForm
from app.calendars.models import CalendarEntry
from app.calendars.spans import KIND_LABELS, Kind, Span, academic_year, year_label
from app.clock import YEARS, local, uk_today
from app.db import get_session
from app.downloads import csv_download
from app.registers.importer import ImportRejected
from tenants.access import EVERYONE_AT_SCHOOL, STAFF_MANAGERS
from tenants.models import Role, School

bp = Blueprint("calendars", __name__)


def _school(urn: int, roles: frozenset[Role] = EVERYONE_AT_SCHOOL) -> tuple[School, Role]:
    found = school_or_404(urn)
    return found, require_role(found, roles)


def _year() -> int:
    """The academic year asked for (?year=2026 for 2026/27); by default the one today (in the UK) falls in."""
    asked = request.args.get("year")
    if asked is None:
        return academic_year(uk_today())
    if not (len(asked) == 4 and asked.isascii() and asked.isdigit() and int(asked) in YEARS):
        message = f"The year must be a number from {YEARS[0]} to {YEARS[-1]} (2026 for 2026/27)."
        abort(make_response(render_template("error.html", title="Bad request", message=message), 400))
    return int(asked)


@bp.get("/schools/<int:urn>/calendar")
@login_required
def school(urn: int):  # type: ignore[no-untyped-def]
    """The year's terms and closures, its school days, and the forms that change it (leads only)."""
    found, role = _school(urn)
    return _page(found, role, _year())


@bp.post("/schools/<int:urn>/calendar/entries")
@login_required
def add(urn: int):  # type: ignore[no-untyped-def]
    found, role = _school(urn, STAFF_MANAGERS)
    form = EntryForm()
    year = _year()
    if form.validate_on_submit():
        kind = Kind(form.kind.data)
        span = Span(kind, (form.name.data or "").strip() or KIND_LABELS[kind], form.start.data,
                    form.end.data or form.start.data)  # fmt: skip
        year = academic_year(span.start)
        try:
            services.add_entry(get_session(), found, span, current_recorder())
        except services.CalendarRefused as refused:
            get_session().rollback()
            form.problems = list(refused.problems.values())  # type: ignore[attr-defined]
        else:
            flash(f"Added {KIND_LABELS[kind]} '{span.name}' ({span.dates}).", "success")
            return redirect(url_for("calendars.school", urn=urn, year=year, _anchor="h-entries"))
    return _page(found, role, year, entry_form=form), 400


@bp.post("/schools/<int:urn>/calendar/entries/<int:entry_id>/remove")
@login_required
def remove(urn: int, entry_id: int):  # type: ignore[no-untyped-def]
    """Remove one entry; a term still holding half-terms, INSET days or closures stays, with the reason."""
    found, role = _school(urn, STAFF_MANAGERS)
    db = get_session()
    entry = db.get(CalendarEntry, (found.id, entry_id))
    if entry is None:
        abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    year, span = academic_year(entry.starts_on), entry.span
    try:
        services.remove_entry(db, found, entry_id)
    except services.CalendarRefused as refused:
        db.rollback()
        return _page(found, role, year, remove_problems=list(refused.problems.values())), 400
    flash(f"Removed {KIND_LABELS[span.kind]} '{span.name}' ({span.dates}).", "success")
    return redirect(url_for("calendars.school", urn=urn, year=year, _anchor="h-entries"))


@bp.post("/schools/<int:urn>/calendar/import")
@login_required
def upload(urn: int):  # type: ignore[no-untyped-def]
    """Replace the school's calendar for the years in the file; a bad file changes nothing."""
    found, role = _school(urn, STAFF_MANAGERS)
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            done = services.import_calendar(get_session(), found, form.file.data.read(), current_recorder())
        except ImportRejected as rejected:
            problems = [str(p) for p in rejected.problems]
        except services.CalendarRefused as refused:
            get_session().rollback()
            problems = list(refused.problems.values())
        else:
            years = ", ".join(year_label(y) for y in done.years)
            flash(
                f"Imported {done.added} entries for {years}, replacing the {done.removed} there were.",
                "success",
            )
            return redirect(url_for("calendars.school", urn=urn, year=done.years[0]))
    return _page(found, role, _year(), import_form=form, import_problems=problems), 400


@bp.get("/schools/<int:urn>/calendar.csv")
@login_required
def download(urn: int):  # type: ignore[no-untyped-def]
    """The year's calendar as the CSV it can be imported from (into this school or another)."""
    found, _role = _school(urn)
    year = _year()
    text = calendar_csv([e.span for e in services.entries(get_session(), found, year)])
    return csv_download(text, f"calendar-{found.urn}-{year_label(year).replace('/', '-')}.csv", audit=found)


@bp.get("/calendars/example.csv")
@login_required
def example():  # type: ignore[no-untyped-def]
    """A whole English school year to copy: three terms, six half-terms, holidays, INSET days, a closure."""
    return csv_download(overview.EXAMPLE_CSV, "calendar-example.csv", audit=None)


def _page(
    school: School,
    role: Role,
    year: int,
    *,
    entry_form: EntryForm | None = None,
    import_form: ImportForm | None = None,
    import_problems: list[str] | None = None,
    remove_problems: list[str] | None = None,
) -> str:
    db = get_session()
    cal = services.school_calendar(db, school)
    known = year in cal.years
    return render_template(
        "calendars/school.html",
        school=school,
        year=year,
        year_label=year_label,
        years=overview.years_offered(cal, uk_today(), year),
        known=known,
        terms=overview.terms(cal, year),
        school_days=len(cal.school_days(date(year, 8, 1), date(year + 1, 7, 31))),
        months=overview.months(cal, year),
        day_kinds=overview.DAY_KINDS,
        entries=services.entries(db, school, year),
        origins=overview.ORIGIN_WORDS,
        kind_labels=KIND_LABELS,
        local=local,
        can_edit=role in STAFF_MANAGERS,
        entry_form=entry_form or EntryForm(formdata=None),
        import_form=import_form or ImportForm(formdata=None),
        import_problems=import_problems or [],
        remove_problems=remove_problems or [],
        columns=COLUMNS,
    )


@bp.route("/trusts/<slug>/calendar", methods=["GET", "POST"])
@login_required
def trust(slug: str):  # type: ignore[no-untyped-def]
    """Push one calendar to the ticked schools, all or none; each school keeps its own INSET days."""
    found = trust_or_404(slug)
    db = get_session()
    schools = list(found.schools)
    form = PushForm()
    form.schools.choices = [SelectChoice(s.id, f"{s.name} (URN {s.urn})") for s in schools]
    if not form.is_submitted():
        form.schools.data = [s.id for s in schools]
    problems: list[str] = []
    if form.validate_on_submit():
        chosen = [s for s in schools if s.id in form.schools.data]
        try:
            done = services.push_calendar(db, chosen, form.file.data.read(), current_recorder())
        except ImportRejected as rejected:
            problems = [str(p) for p in rejected.problems]
        except services.CalendarRefused as refused:
            db.rollback()
            problems = [f"{name}: {message}" for name, message in refused.problems.items()]
        else:
            years = ", ".join(year_label(y) for y in done[0].years)
            flash(f"Pushed the calendar for {years} to {len(done)} school{'' if len(done) == 1 else 's'}: "
                  f"{', '.join(r.school.name for r in done)}.", "success")  # fmt: skip
            return redirect(url_for("calendars.trust", slug=slug))
    years, summaries = overview.trust_years(db, schools)
    page = render_template(
        "calendars/trust.html", trust=found, schools=schools, form=form, problems=problems, years=years,
        summaries=summaries, year_label=year_label, columns=COLUMNS,
    )  # fmt: skip
    return page, 400 if form.is_submitted() else 200
