"""Attendance pages: the school view, taking a register, and amending a mark from the pupil page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from app.access import current_recorder, pupil_or_404, require_role, school_or_404
from app.attendance.forms import AmendForm, RegisterForm
from app.db import get_session
from app.registers import school_view, taking
from app.registers.codes import CODES
from app.registers.reports import Period, pupil_counts, pupils_in_period
from app.schools.settings import lessons_per_day
from tenants.access import PUPIL_READERS, REGISTER_EDITORS
from tenants.models import Role

bp = Blueprint("attendance", __name__, url_prefix="/schools/<int:urn>")
VIEWERS = PUPIL_READERS | {Role.GOVERNOR}


@bp.get("/attendance")
@login_required
def school(urn: int):  # type: ignore[no-untyped-def]
    found = school_or_404(urn)
    role = require_role(found, VIEWERS)
    view = school_view.school_view(get_session(), found, date.today())
    return render_template(
        "attendance/school.html",
        school=found,
        view=view,
        bands=school_view.BANDS,
        show_pupils=role in PUPIL_READERS,
        lessons=lessons_per_day(found),
    )


@bp.get("/attendance/band")
@login_required
def band(urn: int):  # type: ignore[no-untyped-def]
    found = school_or_404(urn)
    require_role(found, PUPIL_READERS)
    year, index = request.args.get("year", ""), request.args.get("band", type=int)
    if index is None or not 0 <= index < len(school_view.BANDS):
        abort(400)
    db, period = get_session(), Period.year_to_date(date.today())
    bands = school_view.banding(pupils_in_period(db, found, period), pupil_counts(db, found, period))
    pupils = bands.cells.get((year, index), [])
    low, high = school_view.BANDS[index]
    return render_template("attendance/band.html", school=found, pupils=pupils, year=year, low=low, high=high)


@bp.route("/registers", methods=["GET", "POST"])
@login_required
def register(urn: int):  # type: ignore[no-untyped-def]
    found = school_or_404(urn)
    require_role(found, REGISTER_EDITORS)
    db = get_session()
    groups = taking.register_groups(db, found)
    form = RegisterForm(request.form if request.method == "POST" else request.args)
    form.group.choices = [SelectChoice(g, g) for g in groups]
    if not form.day.data:
        form.day.data = date.today()
    day, session, group = (
        form.day.data,
        form.session.data or "AM",
        form.group.data or (groups[0] if groups else ""),
    )
    problems: dict[str, str] = {}
    if request.method == "POST" and form.validate():
        entries = {
            int(key.removeprefix("code-")): (
                value,
                request.form.get(f"minutes-{key.removeprefix('code-')}", ""),
            )
            for key, value in request.form.items()
            if key.startswith("code-")
            and key.removeprefix("code-").isascii()
            and key.removeprefix("code-").isdigit()
        }
        try:
            rows = taking.register_rows(db, found, group, day, session)
            added, amended = taking.save_marks(
                db, found, rows, day, session, entries, label=f"Register {group} {day} {session}",
                recorder=current_recorder(), reason=form.reason.data or "", today=date.today(),
            )  # fmt: skip
        except taking.RegisterRejected as exc:
            problems = exc.problems
        else:
            flash(f"Register saved: {added} new marks, {amended} amended.", "success")
            return redirect(url_for("attendance.register", urn=urn, group=group, day=day, session=session))
    rows = taking.register_rows(db, found, group, day, session) if group else []
    return render_template(
        "attendance/register.html",
        school=found,
        form=form,
        rows=rows,
        group=group,
        day=day,
        session=session,
        problems=problems,
        date_problem=taking.register_problem(day, date.today()),
        codes=CODES,
        submitted={k: v for k, v in request.form.items()} if problems else {},
    ), 400 if problems else 200


@bp.post("/pupils/<int:pupil_id>/marks")
@login_required
def amend(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    found = school_or_404(urn)
    require_role(found, REGISTER_EDITORS)
    pupil = pupil_or_404(found, pupil_id)
    form = AmendForm()
    target = url_for("registers.show", urn=urn, pupil_id=pupil.id) + "#register"
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            flash(f"Mark not changed: {getattr(form, name).label.text}: {' '.join(errors)}", "error")
        return redirect(target)
    db = get_session()
    rows = taking.rows_with_marks(db, found, [pupil], form.day.data, form.session.data)
    try:
        added, amended = taking.save_marks(
            db, found, rows, form.day.data, form.session.data,
            {pupil.id: (form.code.data or "", str(form.minutes_late.data or ""))},
            label=f"Pupil page {pupil.upn}", recorder=current_recorder(), reason=form.reason.data or "", today=date.today(),
        )  # fmt: skip
    except taking.RegisterRejected as exc:
        flash("Mark not changed: " + " ".join(exc.problems.values()), "error")
    else:
        message = "Mark changed; the original entry is kept in the history." if amended else "Mark recorded."
        flash(message if added or amended else "That mark was already recorded.", "success")
    return redirect(target)
