"""Pages for the LA returns: a school's four lists for a day, their CSVs, and the lists the daily job stored.

Stored lists are downloaded by their number within the school, never by storage key, and read only inside
the school's prefix. Governors get 403: the lists name pupils.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import login_required

from app.access import require_role, school_or_404
from app.clock import chosen_day, uk_today
from app.db import get_session
from app.downloads import csv_download
from app.returns import admissions
from app.returns.exports import export_in, recent_exports
from app.returns.kinds import KINDS, build, to_csv
from app.returns.models import ReturnExport
from app.storage import get_storage
from tenants.access import PUPIL_READERS

bp = Blueprint("returns", __name__)


@dataclass(frozen=True)
class Trend:
    """Pupils on each list per stored day, oldest first, for the chart."""

    days: list[date]
    lines: list[tuple[str, list[int]]]
    most: int


def _trend(exports: list[ReturnExport]) -> Trend:
    counts = {(e.kind, e.as_of): e.rows for e in exports}
    days = sorted({e.as_of for e in exports})
    lines = [(k.title, [counts.get((k.key, d), 0) for d in days]) for k in KINDS.values()]
    return Trend(days, lines, max((e.rows for e in exports), default=0))


def _day() -> tuple[date, str | None]:
    """The as-of date asked for, or today and why the one given was refused; a future date is refused."""
    today = uk_today()
    day, problem = chosen_day(request.args.get("as_of"), today)
    if problem is None and day > today:
        day, problem = (
            today,
            f"{day:%-d %B %Y} is in the future: registers are not taken yet, so today is shown.",
        )
    return day, problem


@bp.get("/schools/<int:urn>/returns")
@login_required
def school(urn: int):  # type: ignore[no-untyped-def]
    """The four lists for a day, with counts, the rule behind each, and stored exports."""
    found = school_or_404(urn)
    require_role(found, PUPIL_READERS)
    db = get_session()
    day, problem = _day()
    exports = recent_exports(db, found)
    lists = [(kind, build(db, found, kind.key, day)) for kind in KINDS.values()]
    page = render_template(
        "returns/school.html",
        school=found,
        as_of=day,
        problem=problem,
        lists=lists,
        final_year_leavers=admissions.final_year_leavers(db, found, day),
        exports=exports,
        trend=_trend(exports),
        kinds=KINDS,
    )
    return page, 400 if problem else 200


@bp.get("/schools/<int:urn>/returns/<return_kind>.csv")
@login_required
def download(urn: int, return_kind: str):  # type: ignore[no-untyped-def]
    """One list for a day as a CSV for the LA's form or spreadsheet."""
    found = school_or_404(urn)
    require_role(found, PUPIL_READERS)
    if return_kind not in KINDS:
        abort(404)
    day, problem = _day()
    if problem:
        abort(400, problem)
    rows = build(get_session(), found, return_kind, day)
    response = csv_download(to_csv(return_kind, rows), f"{found.urn}-{return_kind}-{day}.csv", audit=found)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/schools/<int:urn>/returns/exports/<int:export_id>.csv")
@login_required
def stored(urn: int, export_id: int):  # type: ignore[no-untyped-def]
    """A list as the daily job stored it, found by its number within this school only."""
    found = school_or_404(urn)
    require_role(found, PUPIL_READERS)
    export = export_in(get_session(), found, export_id)
    if export is None:
        abort(404)
    data = get_storage().read_for_school(found, export.key)
    response = csv_download(
        data.decode(), f"{found.urn}-{export.kind}-{export.as_of}-stored.csv", audit=found
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
