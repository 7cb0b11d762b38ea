"""The audit log pages: a trust's log for its leaders, the platform's for platform administrators."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from app.access import trust_or_404
from app.audit import chain, log
from app.audit.services import KINDS, record
from app.clock import local, uk_today
from app.db import get_session
from app.downloads import csv_download, csv_text
from tenants.models import Trust

bp = Blueprint("audit", __name__)
PAGE_CHECK = 50_000  # the newest events a page view re-hashes (about half a second); the CLI checks all


def _page(trust: Trust | None):  # type: ignore[no-untyped-def]
    db = get_session()
    trust_id = trust.id if trust else None
    wanted = log.LogFilter.of(request.args)
    page = request.args.get("page", "1")
    found = log.page_of(
        db, trust_id, wanted, int(page) if page.isascii() and page.isdigit() and len(page) <= 6 else 1
    )
    html = render_template(
        "audit/log.html",
        trust=trust,
        wanted=wanted,
        found=found,
        kinds=KINDS,
        schools=log.school_names(db, trust_id),
        verification=chain.verify(db, trust_id, newest=PAGE_CHECK),
        local=local,
    )
    return html, 400 if wanted.problems else 200


def _csv(trust: Trust | None):  # type: ignore[no-untyped-def]
    db = get_session()
    wanted = log.LogFilter.of(request.args)
    if wanted.problems:
        abort(400)
    text = csv_text(log.rows(db, trust.id if trust else None, wanted), log.COLUMNS)
    name = f"audit-{trust.slug if trust else 'platform'}-{uk_today().isoformat()}.csv"
    described = " ".join(f"{k}={v}" for k, v in wanted.query_args().items()) or "every event"
    record(db, "export", f"Exported the audit log ({described}) as {name}", trust_id=trust.id if trust else None,
           subject=name)  # fmt: skip
    db.commit()
    return csv_download(text, name, audit=None)  # recorded above, with the filter in words


@bp.get("/trusts/<slug>/audit")
@login_required
def trust_log(slug: str):  # type: ignore[no-untyped-def]
    """Trust leaders: who did what in the trust, newest first, with the chain checked."""
    return _page(trust_or_404(slug))


@bp.get("/trusts/<slug>/audit.csv")
@login_required
def trust_csv(slug: str):  # type: ignore[no-untyped-def]
    """The trust's log as filtered, oldest first, with each event's hashes (the export is audited too)."""
    return _csv(trust_or_404(slug))


def _platform_only() -> None:
    if not current_user.user.is_platform_admin:
        abort(403)


@bp.get("/audit")
@login_required
def platform_log():  # type: ignore[no-untyped-def]
    """Platform administrators: events that belong to no trust, such as sign-ins for unknown addresses."""
    _platform_only()
    return _page(None)


@bp.get("/audit.csv")
@login_required
def platform_csv():  # type: ignore[no-untyped-def]
    _platform_only()
    return _csv(None)
