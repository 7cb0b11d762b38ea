"""Workflow compliance pages and exports: on-time rates by cadence and role, and the tasks missed."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import login_required

from app.access import require_role, school_or_404, trust_or_404
from app.clock import local, now_and_today
from app.db import get_session
from app.downloads import csv_download, csv_text
from app.registers.reports import academic_year_start
from app.workflow import compliance as service
from app.workflow.compliance import Tally
from app.workflow.models import CADENCE_LABELS, ROLE_LABELS, Cadence
from tenants.access import EVERYONE_AT_SCHOOL
from tenants.models import Role, School

bp = Blueprint("compliance", __name__)
WINDOWS = {str(n): n for n in service.TRUST_WINDOWS}  # ?weeks= as the page links it


def _school_figures(urn: int) -> tuple[School, Role, service.SchoolCompliance]:
    """Every role at the school reads the figures; no pupil is on the page, and governors see no staff."""
    found = school_or_404(urn)
    role = require_role(found, EVERYONE_AT_SCHOOL)
    now, today = now_and_today()
    db = get_session()
    return found, role, service.school_compliance(db, found, today, now, academic_year_start(today))


@bp.get("/schools/<int:urn>/workflow/compliance")
@login_required
def school(urn: int):  # type: ignore[no-untyped-def]
    """The figures for everyone; the missed and late lists (task titles, who ticked) for staff only."""
    found, role, result = _school_figures(urn)
    return render_template(
        "workflow/compliance.html",
        school=found,
        result=result,
        by_cadence=[(CADENCE_LABELS[c], result.by_cadence.get(c, Tally())) for c in Cadence],
        by_role=[(ROLE_LABELS.get(r, r.value), result.by_role.get(r, Tally())) for r in service.roles_shown(result.by_role)],
        lists_shown=role != Role.GOVERNOR,
        role_labels=ROLE_LABELS,
        late_words=service.late_words,
        local=local,
    )  # fmt: skip


@bp.get("/schools/<int:urn>/workflow/compliance.csv")
@login_required
def school_csv(urn: int):  # type: ignore[no-untyped-def]
    found, _role, result = _school_figures(urn)
    name = f"task-compliance-{found.urn}-{result.start}-to-{result.end}.csv"
    return csv_download(csv_text(service.school_rows(result), service.SCHOOL_COLUMNS), name, audit=found)


@bp.get("/trusts/<slug>/workflow/compliance.csv")
@login_required
def trust_csv(slug: str):  # type: ignore[no-untyped-def]
    """The trust heatmap's figures for the window it shows (?weeks=4, 8 or 12); trust leaders only."""
    trust = trust_or_404(slug)
    weeks = WINDOWS.get(request.args.get("weeks", str(service.TRUST_WINDOWS[0])))
    if weeks is None:
        abort(400)
    now, today = now_and_today()
    db = get_session()
    result = service.trust_compliance(db, service.trust_schools(db, trust), today, now, weeks)
    name = f"task-compliance-{trust.slug}-{result.start}-to-{result.end}.csv"
    return csv_download(csv_text(service.trust_rows(result), service.TRUST_COLUMNS), name, audit=trust)
