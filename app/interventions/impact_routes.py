"""Impact pages: attendance before and after casework started, for a school's staff and a trust's leaders."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask_login import login_required

from app.access import require_role, school_or_404, trust_or_404
from app.db import get_session
from app.interventions import impact as service
from tenants.access import PUPIL_READERS

bp = Blueprint("impact", __name__)


@bp.get("/schools/<int:urn>/interventions/impact")
@login_required
def school(urn: int):  # type: ignore[no-untyped-def]
    """Pupil readers only: the recent list names pupils, so governors are refused."""
    found = school_or_404(urn)
    require_role(found, PUPIL_READERS)
    db = get_session()
    result = service.school_impact(db, found, date.today())
    listed = service.recent(db, found, result.impacts)
    return render_template("interventions/impact.html", school=found, result=result, listed=listed)


@bp.get("/trusts/<slug>/interventions/impact")
@login_required
def trust(slug: str):  # type: ignore[no-untyped-def]
    """Trust leaders: aggregates only, by type for the trust and one row per school."""
    found = trust_or_404(slug)
    result = service.trust_impact(get_session(), found, date.today())
    return render_template("interventions/impact.html", trust=found, result=result)
