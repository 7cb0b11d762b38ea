"""The school list (home page) and each school's overview."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.access import school_or_404
from app.db import get_session
from app.registers.models import YEAR_GROUPS, Pupil, on_roll_on
from tenants.access import PUPIL_READERS, REGISTER_EDITORS, STAFF_MANAGERS
from tenants.models import School, Trust

bp = Blueprint("schools", __name__)


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    db = get_session()
    schools = db.scalars(select(School).join(School.trust).order_by(Trust.name, School.name)).all()
    on_roll = dict(
        db.execute(
            select(Pupil.school_id, func.count()).where(on_roll_on(date.today())).group_by(Pupil.school_id)
        ).all()
    )
    principal = current_user.principal
    led_trusts = db.scalars(select(Trust).order_by(Trust.name)).all()
    return render_template(
        "schools/index.html",
        schools=schools,
        on_roll=on_roll,
        roles=principal.school_roles,
        led_trusts=[t for t in led_trusts if principal.leads_trust(t.id)],
    )


@bp.get("/schools/<int:urn>")
@login_required
def show(urn: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    role = current_user.principal.role_at(school.id)
    db = get_session()
    counts = db.execute(
        select(Pupil.year_group, func.count())
        .where(Pupil.school_id == school.id, on_roll_on(date.today()))
        .group_by(Pupil.year_group)
    ).all()
    return render_template(
        "schools/show.html",
        school=school,
        role=role,
        year_counts=sorted(counts, key=lambda r: _year_key(r[0])),
        can_read_pupils=role in PUPIL_READERS,
        can_take_registers=role in REGISTER_EDITORS,
        can_manage_staff=role in STAFF_MANAGERS,
    )


def _year_key(year_group: str) -> int:
    return YEAR_GROUPS.index(year_group) if year_group in YEAR_GROUPS else len(YEAR_GROUPS)
