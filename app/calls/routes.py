"""First-day response pages: the morning call list, the golden-hour list, and recording a call."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.access import current_recorder, pupil_or_404, require_role, school_or_404
from app.calls import services
from app.calls.forms import CODE_LABELS, CallForm
from app.calls.models import CALL_OUTCOMES, CALL_SESSIONS
from app.clock import chosen_day, uk_today
from app.db import get_session
from app.flags.rules import FLAG_ICONS
from app.schools.settings import lessons_per_day
from tenants.access import PUPIL_READERS, REGISTER_EDITORS
from tenants.models import Role, School

bp = Blueprint("calls", __name__, url_prefix="/schools/<int:urn>/first-day")
# Staff make the calls and may amend the register; trust leaders see the lists but record nothing.
RECORDERS = REGISTER_EDITORS


def _page(school: School, role: Role, template: str, **values: object) -> str:
    return render_template(
        template, school=school, can_record=role in RECORDERS, lessons=lessons_per_day(school),
        flag_icons=FLAG_ICONS, outcomes=CALL_OUTCOMES, codes=CODE_LABELS, sessions=CALL_SESSIONS, **values,
    )  # fmt: skip


@bp.get("")
@login_required
def morning(urn: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    role = require_role(school, PUPIL_READERS)
    today = uk_today()
    day, problem = chosen_day(request.args.get("date"), today)
    calls = services.call_list(get_session(), school, day, today)
    return _page(school, role, "calls/morning.html", day=day, calls=calls, date_problem=problem), (
        400 if problem else 200
    )


@bp.get("/golden-hour")
@login_required
def golden_hour(urn: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    role = require_role(school, PUPIL_READERS)
    today = uk_today()
    day, problem = chosen_day(request.args.get("date"), today)
    found = services.golden_hour(get_session(), school, day, today)
    return _page(school, role, "calls/golden_hour.html", day=day, golden=found, date_problem=problem), (
        400 if problem else 200
    )


@bp.post("/<int:pupil_id>/calls")
@login_required
def record(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    role = require_role(school, RECORDERS)
    pupil = pupil_or_404(school, pupil_id)
    form = CallForm()
    db = get_session()
    if form.validate_on_submit():
        try:
            call = services.record_call(
                db, school, pupil, day=form.day.data, outcome=form.outcome.data or "", notes=form.notes.data or "",
                code=form.code.data or "", sessions=form.sessions.data or "",
                recorder=current_recorder(), today=date.today(),
            )  # fmt: skip
        except services.CallRefused as exc:
            problems = exc.problems
        else:
            changed = f"; the register now shows {call.amended_code}" if call.amended_code else ""
            flash(
                f"Call about {pupil.display_name} recorded: {CALL_OUTCOMES[call.outcome]}{changed}.",
                "success",
            )
            return redirect(url_for("calls.morning", urn=urn, date=call.absent_on.isoformat()))
    else:
        problems = {name: " ".join(errors) for name, errors in form.errors.items()}
    day = form.day.data or date.today()
    calls = services.call_list(db, school, day, date.today())
    failed = {"pupil": pupil, "problems": problems, "values": request.form}
    return _page(
        school, role, "calls/morning.html", day=day, calls=calls, date_problem=None, failed=failed
    ), 400
