"""Request-level access checks: another tenant's ids are simply not found."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.db import get_session
from app.registers.models import Pupil
from app.registers.recording import Recorder
from tenants.models import Role, School, Trust


def school_or_404(urn: int) -> School:
    """Find a visible school by URN; the tenant scoping hides every other school."""
    if not 100000 <= urn <= 999999:  # URNs have six digits; a longer number overflows PostgreSQL's integer
        abort(404)
    school = get_session().scalar(select(School).where(School.urn == urn))
    if school is None:
        abort(404)
    return school


def require_role(school: School, roles: frozenset[Role]) -> Role:
    """Refuse a visible school's page to a role that may not use it."""
    role = current_user.principal.role_at(school.id)
    if role not in roles:
        abort(403)
    return role


def trust_or_404(slug: str) -> Trust:
    """Find a trust the user leads; any other trust is not found."""
    trust = get_session().scalar(select(Trust).where(Trust.slug == slug))
    if trust is None or not current_user.principal.leads_trust(trust.id):
        abort(404)
    return trust


def current_recorder() -> Recorder:
    """The signed-in user as their name and job title are kept on what they record."""
    user = current_user.user
    return Recorder(user.id, user.name, user.job_title)


def pupil_or_404(school: School, pupil_id: int) -> Pupil:
    pupil = get_session().get(Pupil, (school.id, pupil_id))
    if pupil is None:
        abort(404)
    return pupil
