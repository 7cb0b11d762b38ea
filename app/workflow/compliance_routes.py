"""Workflow compliance pages and exports: on-time rates by cadence and role, and the tasks missed."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import login_required

from app.access import require_role, school_or_404
from app.clock import local, now_and_today
from app.db import get_session
from app.registers.reports import academic_year_start
from app.workflow import compliance as service
from app.workflow.compliance import Tally
from app.workflow.models import CADENCE_LABELS, ROLE_LABELS, Cadence
from dashboards import workflow_data
from dashboards.export import csv_text
from tenants.models import Role, School

bp = Blueprint("compliance", __name__)
READERS = frozenset(
    Role
)  # every role at the school, governors too: the figures name tasks and staff, no pupil


def _school_figures(urn: int) -> tuple[School, service.SchoolCompliance]:
    found = school_or_404(urn)
    require_role(found, READERS)
    now, today = now_and_today()
    return found, service.school_compliance(get_session(), found, today, now, academic_year_start(today))


@bp.get("/schools/<int:urn>/workflow/compliance")
@login_required
def school(urn: int):  # type: ignore[no-untyped-def]
    found, result = _school_figures(urn)
    return render_template(
        "workflow/compliance.html",
        school=found,
        result=result,
        by_cadence=[(CADENCE_LABELS[c], result.by_cadence.get(c, Tally())) for c in Cadence],
        by_role=[(ROLE_LABELS.get(r, r.value), result.by_role.get(r, Tally())) for r in service.roles_shown(result.by_role)],
        role_labels=ROLE_LABELS,
        late_words=service.late_words,
        local=local,
    )  # fmt: skip


@bp.get("/schools/<int:urn>/workflow/compliance.csv")
@login_required
def school_csv(urn: int):  # type: ignore[no-untyped-def]
    found, result = _school_figures(urn)
    name = f"task-compliance-{found.urn}-{result.start}-to-{result.end}.csv"
    return _csv(csv_text(service.school_rows(result), service.SCHOOL_COLUMNS), name)


@bp.get("/trusts/<slug>/workflow/compliance.csv")
@login_required
def trust_csv(slug: str):  # type: ignore[no-untyped-def]
    """The trust heatmap's figures for the window it shows (?weeks=4, 8 or 12); trust leaders only."""
    weeks = request.args.get("weeks", str(service.TRUST_WINDOWS[0]))
    if not weeks.isdigit() or int(weeks) not in service.TRUST_WINDOWS:
        abort(400)
    trust, result = workflow_data.heatmap(slug, int(weeks))
    name = f"task-compliance-{trust.slug}-{result.start}-to-{result.end}.csv"
    return _csv(csv_text(service.trust_rows(result), service.TRUST_COLUMNS), name)


def _csv(text: str, name: str) -> Response:
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
