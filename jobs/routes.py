"""The jobs page: what the scheduler ran, when, how long it took, and what went wrong."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from app.access import trust_or_404
from app.clock import local
from app.db import get_session
from jobs.overview import job_rows

bp = Blueprint("jobs", __name__)


@bp.get("/trusts/<slug>/jobs")
@login_required
def trust_jobs(slug: str):  # type: ignore[no-untyped-def]
    """Trust leaders: every job's runs with this trust's own outcome and error."""
    trust = trust_or_404(slug)
    return render_template("jobs/runs.html", trust=trust, jobs=job_rows(get_session(), trust), local=local)


@bp.get("/jobs")
@login_required
def platform_jobs():  # type: ignore[no-untyped-def]
    """Platform administrators: every run with every trust's outcome and the whole-platform jobs' errors."""
    if not current_user.user.is_platform_admin:
        abort(403)
    return render_template("jobs/runs.html", trust=None, jobs=job_rows(get_session(), None), local=local)
