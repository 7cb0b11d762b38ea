"""Admission register pages: list, add, edit, record a leaver, contacts, CSV upload."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.access import pupil_or_404, require_role, school_or_404
from app.attendance.forms import AmendForm
from app.db import get_session
from app.flags import report as flag_report
from app.flags.rules import FLAG_ICONS
from app.registers import school_view, services
from app.registers.fields import FIELDS, parse_values
from app.registers.forms import ContactForm, CsrfOnly, ImportForm, LeaverForm
from app.registers.importer import ImportRejected, import_pupils
from app.registers.measures import describe_absence
from app.registers.models import ETHNICITIES, SEN_STATUSES, SEXES, YEAR_GROUPS, Pupil
from app.schools.settings import lessons_per_day
from tenants.access import PUPIL_READERS, REGISTER_EDITORS
from tenants.models import School

bp = Blueprint("registers", __name__, url_prefix="/schools/<int:urn>/pupils")
PAGE_SIZE = 50
CHOICES = {"sex": SEXES, "year_group": YEAR_GROUPS, "sen": SEN_STATUSES, "ethnicity": ETHNICITIES}


def _by() -> dict[str, str]:
    return {"by_name": current_user.user.name, "by_title": current_user.user.job_title}


def _form_values() -> dict[str, str]:
    """Read every register field from the posted form; unticked boxes mean N."""
    raw = {}
    for field in FIELDS:
        if field.empty is False:
            raw[field.name] = "Y" if request.form.get(field.name) else "N"
        else:
            raw[field.name] = request.form.get(field.name, "")
    return raw


@bp.get("")
@login_required
def index(urn: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    role = require_role(school, PUPIL_READERS)
    args = request.args
    filters = services.PupilFilters(
        q=args.get("q", "")[:100],
        year_group=args.get("year_group", "") if args.get("year_group") in YEAR_GROUPS else "",
        form=args.get("form", "")[:20],
        status=args.get("status", "on_roll")
        if args.get("status") in ("on_roll", "left", "all")
        else "on_roll",
        sen=args.get("sen", "") if args.get("sen") in SEN_STATUSES else "",
        fsm=args.get("fsm", ""),
    )
    page = max(args.get("page", 1, type=int), 1)
    db = get_session()
    query = services.pupil_query(school, filters)
    total = services.count(db, query)
    pupils = db.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "registers/index.html",
        school=school,
        pupils=pupils,
        filters=filters,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        forms=services.forms_of(db, school),
        can_edit=role in REGISTER_EDITORS,
        choices=CHOICES,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(urn: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    require_role(school, REGISTER_EDITORS)
    return _pupil_form(school, None)


@bp.get("/<int:pupil_id>")
@login_required
def show(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    role = require_role(school, PUPIL_READERS)
    pupil = pupil_or_404(school, pupil_id)
    register = school_view.pupil_register(get_session(), school, pupil, date.today())
    return render_template(
        "registers/show.html",
        school=school,
        pupil=pupil,
        revisions=services.revisions_of(get_session(), pupil),
        can_edit=role in REGISTER_EDITORS,
        contact_form=ContactForm(),
        amend_form=AmendForm(formdata=None, session="AM"),
        register=register,
        absence_sentence=describe_absence(register.counts, lessons_per_day(school)),
        choices=CHOICES,
        flag=flag_report.pupil_flag(get_session(), school, pupil.id, date.today()),
        flag_icons=FLAG_ICONS,
    )


@bp.route("/<int:pupil_id>/edit", methods=["GET", "POST"])
@login_required
def edit(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    require_role(school, REGISTER_EDITORS)
    return _pupil_form(school, pupil_or_404(school, pupil_id))


def _pupil_form(school: School, pupil: Pupil | None):  # type: ignore[no-untyped-def]
    """Add (pupil is None) or edit an entry; problems re-render the form and save nothing."""
    form = CsrfOnly()
    problems: dict[str, str] = {}
    if request.method == "POST":
        raw = _form_values()
    else:
        raw = {f.name: _as_text(getattr(pupil, f.name)) for f in FIELDS} if pupil else {}
    if form.validate_on_submit():
        values, problems = parse_values(raw)
        if not problems:
            try:
                if pupil is None:
                    saved = services.create_pupil(get_session(), school, values)
                    message = f"{saved.display_name} was added to the admission register."
                else:
                    changed = services.update_pupil(get_session(), pupil, values, **_by())
                    saved = pupil
                    message = (
                        "Changes saved; the previous values are kept in the history."
                        if changed
                        else "Nothing changed."
                    )
            except services.RegisterError as exc:
                problems = exc.problems
            else:
                flash(message, "success")
                return redirect(url_for("registers.show", urn=school.urn, pupil_id=saved.id))
    page = render_template(
        "registers/edit.html",
        school=school,
        pupil=pupil,
        form=form,
        raw=raw,
        problems=problems,
        fields=FIELDS,
        choices=CHOICES,
    )
    return page, 400 if problems else 200


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)


@bp.route("/<int:pupil_id>/leave", methods=["GET", "POST"])
@login_required
def leave(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    require_role(school, REGISTER_EDITORS)
    pupil = pupil_or_404(school, pupil_id)
    form = LeaverForm()
    if form.validate_on_submit():
        try:
            services.record_leaver(get_session(), pupil, form.leaving_date.data, form.reason.data, **_by())
        except services.RegisterError as exc:
            form.leaving_date.errors = list(exc.problems.values())
        else:
            flash(f"{pupil.display_name} is recorded as leaving on {pupil.leaving_date:%d %B %Y}.", "success")
            return redirect(url_for("registers.show", urn=urn, pupil_id=pupil.id))
    return render_template("registers/leave.html", school=school, pupil=pupil, form=form)


@bp.post("/<int:pupil_id>/contacts")
@login_required
def add_contact(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    require_role(school, REGISTER_EDITORS)
    pupil = pupil_or_404(school, pupil_id)
    form = ContactForm()
    if form.validate_on_submit():
        values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        services.add_contact(get_session(), pupil, values)
        flash(f"{form.name.data} was added as a contact.", "success")
    else:
        for name, errors in form.errors.items():
            flash(f"Contact not added: {getattr(form, name).label.text}: {' '.join(errors)}", "error")
    return redirect(url_for("registers.show", urn=urn, pupil_id=pupil.id) + "#contacts")


@bp.route("/import", methods=["GET", "POST"])
@login_required
def upload(urn: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    require_role(school, REGISTER_EDITORS)
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            result = import_pupils(
                get_session(),
                school,
                upload_file.read(),
                source=f"CSV upload: {upload_file.filename}",
                **_by(),
            )
        except ImportRejected as exc:
            problems = exc.problems
        else:
            flash(
                f"Imported {result.rows} pupils: {result.added} added, {result.updated} updated, "
                f"{result.unchanged} unchanged.",
                "success",
            )
            return redirect(url_for("registers.index", urn=urn))
    status = 400 if problems else 200
    return render_template("registers/import.html", school=school, form=form, problems=problems), status


@bp.app_template_filter("dict_without_page")
def dict_without_page(args: dict[str, str]) -> dict[str, str]:
    """Keep the list's filters when paging."""
    return {k: v for k, v in args.items() if k != "page"}
