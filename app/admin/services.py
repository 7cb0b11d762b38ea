"""Trusts, schools and people: the use cases behind the admin pages and the CLI."""

from __future__ import annotations

import re
import secrets

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.auth import passwords
from app.auth.models import User
from app.auth.sessions import revoke_user_sessions
from app.reference.las import la_name
from app.workflow.playbook import STARTING_PLAYBOOK, seed_playbook
from tenants.access import GRANTABLE, Principal
from tenants.models import Membership, Phase, Role, School, Trust
from tenants.scoping import UNSCOPED

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class AdminError(ValueError):
    """A request the admin services refuse, with a message for the person who made it."""


def add_trust(db: Session, slug: str, name: str) -> Trust:
    if not _SLUG.match(slug):
        raise AdminError(f"'{slug}' is not a valid trust slug (lower-case letters, digits and dashes)")
    if db.scalar(select(Trust.id).where(Trust.slug == slug).execution_options(**UNSCOPED)):
        raise AdminError(f"a trust with slug '{slug}' already exists")
    if not name.strip():
        raise AdminError("the trust needs a name")
    trust = Trust(slug=slug, name=name.strip(), settings={})
    db.add(trust)
    db.flush()
    seed_playbook(db, trust, STARTING_PLAYBOOK)
    db.commit()
    return trust


def find_trust(db: Session, slug: str) -> Trust:
    """Look a trust up by slug for platform tasks (CLI), outside any tenant."""
    trust = db.scalar(select(Trust).where(Trust.slug == slug).execution_options(**UNSCOPED))
    if trust is None:
        raise AdminError(f"no trust with slug '{slug}'")
    return trust


def find_school(db: Session, urn: int) -> School:
    """Look a school up by URN for platform tasks (CLI), outside any tenant."""
    school = db.scalar(select(School).where(School.urn == urn).execution_options(**UNSCOPED))
    if school is None:
        raise AdminError(f"no school with URN {urn}")
    return school


def add_school(db: Session, trust: Trust, urn: int, name: str, phase: str, la_code: str | None) -> School:
    """Add a school to a trust; the LA name comes from the DfE reference data."""
    if not 100000 <= urn <= 999999:
        raise AdminError(f"URN {urn} should be a six-digit number")
    if db.scalar(select(School.id).where(School.urn == urn).execution_options(**UNSCOPED)):
        raise AdminError(f"a school with URN {urn} is already registered")
    try:
        phase_value = Phase(phase)
    except ValueError:
        raise AdminError(f"phase '{phase}' should be one of {', '.join(Phase)}") from None
    name_of_la = None
    if la_code:
        name_of_la = la_name(la_code)
        if name_of_la is None:
            raise AdminError(f"'{la_code}' is not a local authority code in the DfE data")
    if not name.strip():
        raise AdminError("the school needs a name")
    school = School(
        trust_id=trust.id,
        urn=urn,
        name=name.strip(),
        phase=phase_value,
        la_code=la_code or None,
        la_name=name_of_la,
    )
    db.add(school)
    db.commit()
    return school


def _normal_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AdminError(f"'{email}' is not a valid email address: {exc}") from None


def add_user(
    db: Session,
    email: str,
    name: str,
    title: str,
    role: Role,
    *,
    trust: Trust | None = None,
    school: School | None = None,
    password: str | None = None,
    safeguarding: bool = False,
) -> tuple[User, str | None]:
    """Create an account (or reuse one) with a membership; returns a one-time password if generated."""
    if safeguarding and role == Role.GOVERNOR:
        raise AdminError(NO_GOVERNOR_SAFEGUARDING)
    if (trust is None) == (school is None):
        raise AdminError("give either a trust or a school for the membership")
    if role == Role.TRUST_LEADER and trust is None:
        raise AdminError("trust leaders belong to a trust, not a school")
    if role in (Role.SCHOOL_LEAD, Role.STAFF) and school is None:
        raise AdminError(f"{role.value} belongs to a school, not a trust")
    normal = _normal_email(email)
    if not name.strip() or not title.strip():
        raise AdminError("a user needs a name and a job title (both appear on register amendments)")
    one_time = None
    user = db.scalar(select(User).where(User.email == normal))
    new_account = user is None
    if user is None:
        if password is None:
            one_time = secrets.token_urlsafe(12)
        else:
            problem = passwords.password_problem(password)
            if problem:
                raise AdminError(problem)
        user = User(
            email=normal,
            name=name.strip(),
            job_title=title.strip(),
            password_hash=passwords.hash_password(password or one_time or ""),
            must_change_password=one_time is not None,
        )
        db.add(user)
        db.flush()
    place = Membership.trust_id == trust.id if trust else Membership.school_id == school.id  # type: ignore[union-attr]
    duplicate = db.scalar(
        select(Membership.id)
        .where(Membership.user_id == user.id, place, Membership.active.is_(True))
        .execution_options(**UNSCOPED)
    )
    if duplicate:
        raise AdminError(f"{normal} already has a role there")
    db.add(
        Membership(
            user_id=user.id,
            trust_id=trust.id if trust else None,
            school_id=school.id if school else None,
            role=role,
            safeguarding=safeguarding,
        )
    )
    audit.record_membership(db, user, role, trust, school, safeguarding, new_account=new_account)
    db.commit()
    return user, one_time


NO_GOVERNOR_SAFEGUARDING = "governors never read case notes, so they cannot hold the DSL permission"


def set_safeguarding(db: Session, principal: Principal, membership_id: int, granted: bool) -> Membership:
    """Grant or withdraw the DSL permission on a role the manager could have granted themselves."""
    membership = db.get(Membership, membership_id)
    if membership is None or not membership.active:
        raise LookupError("no such role within your trust or school")
    trust = db.get(Trust, membership.trust_id) if membership.trust_id else None
    school = db.get(School, membership.school_id) if membership.school_id else None
    if membership.role not in grantable_roles(principal, trust=trust, school=school):
        raise LookupError("no such role within your trust or school")
    if granted and membership.role == Role.GOVERNOR:
        raise AdminError(NO_GOVERNOR_SAFEGUARDING)
    membership.safeguarding = granted
    audit.record_safeguarding(db, membership, trust, school)
    db.commit()
    return membership


def grantable_roles(principal: Principal, *, trust: Trust | None, school: School | None) -> frozenset[Role]:
    """Roles this manager may give at a trust or school."""
    if trust is not None:
        return GRANTABLE[Role.TRUST_LEADER] if principal.leads_trust(trust.id) else frozenset()
    assert school is not None
    role = principal.role_at(school.id)
    return GRANTABLE.get(role, frozenset()) if role else frozenset()


def managed_users(
    db: Session, *, trust: Trust | None = None, school: School | None = None
) -> list[Membership]:
    """Active memberships at a trust (and its schools) or at one school."""
    query = select(Membership).where(Membership.active.is_(True))
    if trust is not None:
        school_ids = select(School.id).where(School.trust_id == trust.id)
        query = query.where((Membership.trust_id == trust.id) | Membership.school_id.in_(school_ids))
    else:
        assert school is not None
        query = query.where(Membership.school_id == school.id)
    return list(db.scalars(query.order_by(Membership.role, Membership.id)))


def _can_manage_all(db: Session, principal: Principal, user: User) -> bool:
    """A manager may deactivate an account only if every role it holds is within their reach."""
    memberships = db.scalars(
        select(Membership)
        .where(Membership.user_id == user.id, Membership.active.is_(True))
        .execution_options(**UNSCOPED)
    ).all()
    for m in memberships:
        if m.trust_id is not None and not principal.leads_trust(m.trust_id):
            return False
        if m.school_id is not None and principal.role_at(m.school_id) not in GRANTABLE:
            return False
    return bool(memberships) and user.id != principal.user_id


def set_active(db: Session, principal: Principal, user_id: int, active: bool) -> User:
    """Deactivate (ending every session at once) or reactivate an account."""
    user = db.get(User, user_id)
    if user is None or not _can_manage_all(db, principal, user):
        raise LookupError("no such user within your trust or school")
    user.active = active
    if not active:
        revoke_user_sessions(db, user.id)
    state = "reactivated" if active else "deactivated (every session ended)"
    audit.record_about_user(db, f"account_{state.split()[0]}", f"Account of {user.name} {state}", user)
    db.commit()
    return user


def reset_password(db: Session, principal: Principal, user_id: int) -> tuple[User, str]:
    """Issue a one-time password that must be changed at next sign-in; ends current sessions."""
    user = db.get(User, user_id)
    if user is None or not _can_manage_all(db, principal, user):
        raise LookupError("no such user within your trust or school")
    one_time = secrets.token_urlsafe(12)
    user.password_hash = passwords.hash_password(one_time)
    user.must_change_password = True
    revoke_user_sessions(db, user.id)
    summary = f"One-time password issued for {user.name}; their sessions were ended"
    audit.record_about_user(db, "password_reset", summary, user)
    db.commit()
    return user, one_time
