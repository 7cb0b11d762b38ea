"""Recording audit events: one call per thing that happened, in the transaction of the action itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.chain import append
from app.audit.models import AuditEvent
from app.auth.models import User
from tenants.models import Membership, School, Trust
from tenants.scoping import UNSCOPED

# Every kind of event, with the words the log page shows for it (and offers as a filter).
KINDS = {
    "login": "Signed in",
    "login_failed": "Sign-in refused",
    "logout": "Signed out",
    "mfa_enrolled": "Two-step sign-in set up",
    "mfa_failed": "Wrong sign-in code",
    "mfa_disabled": "Two-step sign-in turned off",
    "mfa_codes_renewed": "New recovery codes",
    "mfa_requirement": "Two-step sign-in requirement",
    "password_changed": "Password changed",
    "password_reset": "Password reset",
    "membership_granted": "Role granted",
    "role_changed": "Role changed",
    "account_deactivated": "Account deactivated",
    "account_reactivated": "Account reactivated",
    "export": "Export",
    "download": "Download",
    "amendment": "Register amended",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # what PostgreSQL text refuses or a log should not hold


@dataclass(frozen=True)
class Actor:
    """Who did it, kept as text too: the log reads the same whatever later happens to the account."""

    user_id: int | None
    name: str
    email: str | None

    @classmethod
    def of(cls, user: Any) -> Actor:
        return cls(user.id, user.name, user.email)


SYSTEM = Actor(None, "Turnout (command line or scheduled job)", None)


def current_actor() -> Actor:
    """The signed-in user of this request, or the system outside one."""
    if has_request_context() and current_user.is_authenticated:
        return Actor.of(current_user.user)
    return SYSTEM


def _ip() -> str | None:
    return (request.remote_addr or None) if has_request_context() else None


def _clean(value: str | None, limit: int | None = None) -> str | None:
    if value is None:
        return None
    value = _CONTROL.sub(" ", value)
    return value[:limit] if limit else value


def record(
    db: Session,
    kind: str,
    summary: str,
    *,
    trust_id: int | None,
    school_id: int | None = None,
    subject: str | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """Append one event to a trust's chain (None: the platform's); the caller commits it with its action."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit event kind {kind!r}")
    who = actor or current_actor()
    event = AuditEvent(
        trust_id=trust_id,
        kind=kind,
        school_id=school_id,
        actor_id=who.user_id,
        actor_name=_clean(who.name, 200) or "",
        actor_email=_clean(who.email, 254),
        subject=_clean(subject, 300),
        summary=_clean(summary) or "",
        ip=_clean(_ip(), 45),
    )
    return append(db, event)


def record_at_school(
    db: Session,
    kind: str,
    summary: str,
    school_id: int,
    *,
    subject: str | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """An event at a school, on its trust's chain."""
    trust_id = db.scalar(select(School.trust_id).where(School.id == school_id).execution_options(**UNSCOPED))
    return record(db, kind, summary, trust_id=trust_id, school_id=school_id, subject=subject, actor=actor)


def record_at(
    db: Session, kind: str, summary: str, place: School | Trust, *, subject: str | None = None
) -> AuditEvent:
    """An event at a school (on its trust's chain) or at a trust, by the current actor."""
    if isinstance(place, School):
        return record(db, kind, summary, trust_id=place.trust_id, school_id=place.id, subject=subject)
    return record(db, kind, summary, trust_id=place.id, subject=subject)


def trusts_of_user(db: Session, user_id: int) -> list[int | None]:
    """The trusts whose chains an account's sign-ins belong on: every trust it has a role in, or the
    platform chain for an account with none (a platform administrator, say)."""
    rows = db.execute(
        select(Membership.trust_id, School.trust_id)
        .outerjoin(School, School.id == Membership.school_id)
        .where(Membership.user_id == user_id, Membership.active.is_(True))
        .execution_options(**UNSCOPED)
    )
    found = {trust or school_trust for trust, school_trust in rows} - {None}
    return sorted(found) or [None]  # in order, so two appends never wait on each other's chains


def record_for_user(
    db: Session, kind: str, summary: str, user: Any, *, actor: Actor | None = None, subject: str | None = None
) -> list[AuditEvent]:
    """An event about an account's own sign-in, on the chain of every trust it belongs to."""
    who = actor or Actor.of(user)
    return [
        record(db, kind, summary, trust_id=trust_id, actor=who, subject=subject)
        for trust_id in trusts_of_user(db, user.id)
    ]


ROLE_WORDS = {
    "trust_leader": "trust leader",
    "school_lead": "school attendance lead",
    "staff": "staff",
    "governor": "governor / trustee",
}


def _place(trust: Trust | None, school: School | None) -> tuple[int, int | None, str]:
    """The chain, school and words for where a role is held."""
    if trust is not None:
        return trust.id, None, f"{trust.name} (whole trust)"
    assert school is not None
    return school.trust_id, school.id, school.name


def record_membership(
    db: Session,
    user: Any,
    role: str,
    trust: Trust | None,
    school: School | None,
    safeguarding: bool,
    *,
    new_account: bool,
) -> AuditEvent:
    """A role granted (to a new or existing account), on the chain of the trust where it is held."""
    trust_id, school_id, where = _place(trust, school)
    account = "a new account" if new_account else "an existing account"
    dsl = ", with the DSL permission" if safeguarding else ""
    summary = f"{user.name} ({account}) given the role {ROLE_WORDS[role]} at {where}{dsl}"
    return record(
        db, "membership_granted", summary, trust_id=trust_id, school_id=school_id, subject=user.email
    )


def record_safeguarding(
    db: Session, membership: Membership, trust: Trust | None, school: School | None
) -> AuditEvent:
    """The DSL permission granted or withdrawn on a role."""
    trust_id, school_id, where = _place(trust, school)
    change = "granted to" if membership.safeguarding else "withdrawn from"
    summary = (
        f"DSL permission (safeguarding notes) {change} {membership.user.name}, "
        f"{ROLE_WORDS[membership.role]} at {where}"
    )
    return record(
        db, "role_changed", summary, trust_id=trust_id, school_id=school_id, subject=membership.user.email
    )


def record_about_user(db: Session, kind: str, summary: str, user: Any) -> list[AuditEvent]:
    """Something a manager did to an account, on the chain of every trust the account has a role in."""
    return record_for_user(db, kind, summary, user, actor=current_actor(), subject=user.email)


_SOURCES = {"register": "on the register page", "import": "by a file import", "api": "through the API"}


def record_amendments(db: Session, batch: Any, count: int, reason: str) -> AuditEvent:
    """Register marks amended (a register, an import or the API), by whoever recorded the batch."""
    email = (
        db.scalar(select(User.email).where(User.id == batch.recorded_by_id)) if batch.recorded_by_id else None
    )
    how = _SOURCES.get(batch.source, batch.source)
    return record_at_school(
        db,
        "amendment",
        f"{count:,} register mark{'' if count == 1 else 's'} amended {how} ({batch.description}); reason: {reason}",
        batch.school_id,
        subject=f"mark batch {batch.id}",
        actor=Actor(batch.recorded_by_id, f"{batch.recorded_by_name} ({batch.recorded_by_title})", email),
    )


def record_export(db: Session, place: School | Trust, filename: str, what: str = "export") -> None:
    """An export or download handed to the current user, committed on its own (it changes nothing else)."""
    name = place.name
    verb = "Exported" if what == "export" else "Downloaded"
    record_at(db, what, f"{verb} {filename} ({name})", place, subject=filename)
    db.commit()
