"""Pages for benchmarks: a school's figures against its trust, LA and England, and the trust's stored rows
as CSV. Both read the stored nightly results (app.benchmarks.store); only the CSV, before the first nightly run,
computes its period there and then."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import login_required
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from app.access import require_role, school_or_404, trust_or_404
from app.benchmarks import models as _models  # noqa: F401 - the stored tables, mapped before any query
from app.benchmarks.engine import compute
from app.benchmarks.figures import GAPS, ROW_KEYS
from app.benchmarks.periods import PERIOD_KEYS, PERIOD_NAMES, trust_periods
from app.benchmarks.reference import SOURCE, reference_phase
from app.benchmarks.store import latest, weeks_of
from app.clock import uk_today
from app.db import get_session
from app.downloads import csv_download, csv_text
from tenants.models import Role, School
from tenants.scoping import UNSCOPED

bp = Blueprint("benchmarks", __name__)
# Aggregates only (no pupil appears): governors may see them; attendance staff work from the school's pages.
BENCHMARK_READERS = frozenset({Role.TRUST_LEADER, Role.SCHOOL_LEAD, Role.GOVERNOR})


@bp.errorhandler(400)
def _said(error: HTTPException):  # type: ignore[no-untyped-def]
    """A bad period is named; any other 400/404 keeps the usual words."""
    title = "Bad request" if error.code == 400 else "Not found"
    default = (
        "The request could not be understood."
        if error.code == 400
        else "There is nothing here, or you do not have access to it."
    )
    said = error.description if error.description != type(error).description else default
    return render_template("error.html", title=title, message=said, code=error.code), error.code


def _period() -> str:
    key = request.args.get("period", "ytd")
    if key not in PERIOD_KEYS:
        abort(400, description=f"period must be one of {', '.join(PERIOD_KEYS)}, not {key[:40]!r}")
    return key


@bp.get("/trusts/<slug>/benchmarks.csv")
@login_required
def trust_csv(slug: str):  # type: ignore[no-untyped-def]
    """The latest stored rows for a period: schools, the trust, LAs and England (trust leaders only)."""
    trust = trust_or_404(slug)
    key = _period()
    db = get_session()
    found = latest(db, trust)
    if found is not None:
        bench, as_of = found.periods[key], found.as_of
    else:  # before the first nightly run: the same engine, now (a rare download, not a dashboard)
        as_of = uk_today()
        period = trust_periods(db, trust, as_of)[key]
        bench = compute(db, trust, {key: period.as_tuple()}).benchmarks[key]
    text = csv_text(bench.rows(cohorts=False), [(k, k) for k in ROW_KEYS])
    return csv_download(text, f"benchmarks-{trust.slug}-{key}-{as_of.isoformat()}.csv", audit=trust)


@bp.get("/schools/<int:urn>/benchmark")
@login_required
def school(urn: int):  # type: ignore[no-untyped-def]
    """The school's figures against the trust, its LA and England for the year, term and half-term."""
    found_school = school_or_404(urn)
    require_role(found_school, BENCHMARK_READERS)
    found = latest(get_session(), found_school.trust)
    phase = reference_phase(found_school.phase)
    periods = []
    if found is not None:
        for key in PERIOD_KEYS:
            bench = found.periods.get(key)
            if bench is None:
                continue
            periods.append(
                {"key": key, "name": PERIOD_NAMES[key], "bench": bench, "row": bench.school(found_school.id),
                 "la": bench.la(found_school.la_code, phase), "england": bench.england(phase)}
            )  # fmt: skip
    weeks = weeks_of(found, found_school.id) if found else []
    trust_weeks = {w.week_start: w for w in weeks_of(found, None)} if found else {}
    return render_template(
        "benchmarks/school.html", school=found_school, found=found, periods=periods, weeks=weeks,
        trust_weeks=trust_weeks, gaps=GAPS, source=SOURCE, schools=_schools_in_trust(found_school),
    )  # fmt: skip


def _schools_in_trust(school: School) -> int:
    """How many schools a rank is out of: the whole trust's, though a school lead's rows are only their own."""
    query = select(func.count()).select_from(School).where(School.trust_id == school.trust_id)
    return get_session().scalar(query.execution_options(**UNSCOPED)) or 0
