"""The one answer to "which schools may this person see, with which role"."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.context import TenantContext
from tenants.models import Membership, Role, School, Trust
from tenants.scoping import UNSCOPED

PUPIL_READERS = frozenset({Role.TRUST_LEADER, Role.SCHOOL_LEAD, Role.STAFF})
REGISTER_EDITORS = frozenset({Role.SCHOOL_LEAD, Role.STAFF})
STAFF_MANAGERS = frozenset({Role.TRUST_LEADER, Role.SCHOOL_LEAD})
EVERYONE_AT_SCHOOL = frozenset(Role)  # governors too: for pages that show no pupil

# Roles a manager may grant: trust leaders any role; school leads only their own staff roles.
GRANTABLE = {
    Role.TRUST_LEADER: frozenset(Role),
    Role.SCHOOL_LEAD: frozenset({Role.SCHOOL_LEAD, Role.STAFF, Role.GOVERNOR}),
}


@dataclass(frozen=True)
class Principal:
    """A signed-in user's effective roles, per school and per trust."""

    user_id: int
    school_roles: dict[int, Role] = field(default_factory=dict)
    trust_roles: dict[int, Role] = field(default_factory=dict)
    school_trusts: dict[int, int] = field(default_factory=dict)
    safeguarding_schools: frozenset[int] = frozenset()

    def reads_safeguarding(self, school_id: int) -> bool:
        """Safeguarding notes: the DSL permission at this school, and a role that reads pupils."""
        return school_id in self.safeguarding_schools and self.can(school_id, PUPIL_READERS)

    def role_at(self, school_id: int) -> Role | None:
        return self.school_roles.get(school_id)

    def can(self, school_id: int, roles: frozenset[Role]) -> bool:
        return self.school_roles.get(school_id) in roles

    def leads_trust(self, trust_id: int) -> bool:
        return self.trust_roles.get(trust_id) == Role.TRUST_LEADER

    def context(self) -> TenantContext:
        trusts = set(self.trust_roles) | set(self.school_trusts.values())
        return TenantContext.of(self.school_roles, trusts, reason=f"user:{self.user_id}")


_PRECEDENCE = [Role.GOVERNOR, Role.STAFF, Role.SCHOOL_LEAD, Role.TRUST_LEADER]


def _stronger(a: Role | None, b: Role) -> Role:
    return b if a is None or _PRECEDENCE.index(b) > _PRECEDENCE.index(a) else a


def resolve_principal(session: Session, user_id: int, *, platform_admin: bool = False) -> Principal:
    """Work out a user's roles from active memberships (trust roles cover the trust's schools)."""
    memberships = session.scalars(
        select(Membership)
        .where(Membership.user_id == user_id, Membership.active.is_(True))
        .execution_options(**UNSCOPED)
    ).all()
    trust_ids = {m.trust_id for m in memberships if m.trust_id is not None}
    direct = {m.school_id for m in memberships if m.school_id is not None}
    query = select(School.id, School.trust_id).execution_options(**UNSCOPED)
    if not platform_admin:
        query = query.where(School.trust_id.in_(trust_ids) | School.id.in_(direct))
    schools: dict[int, int] = {sid: tid for sid, tid in session.execute(query)}
    school_roles: dict[int, Role] = {}
    trust_roles: dict[int, Role] = {}
    safeguarding: set[int] = set()
    for m in memberships:
        if m.trust_id is not None:
            trust_roles[m.trust_id] = _stronger(trust_roles.get(m.trust_id), m.role)
            for school_id, trust_id in schools.items():
                if trust_id == m.trust_id:
                    school_roles[school_id] = _stronger(school_roles.get(school_id), m.role)
                    if m.safeguarding:
                        safeguarding.add(school_id)
        elif m.school_id is not None:
            school_roles[m.school_id] = _stronger(school_roles.get(m.school_id), m.role)
            if m.safeguarding:
                safeguarding.add(m.school_id)
    if platform_admin:
        all_trusts = session.scalars(select(Trust.id).execution_options(**UNSCOPED))
        trust_roles = dict.fromkeys(all_trusts, Role.TRUST_LEADER)
        school_roles = dict.fromkeys(schools, Role.TRUST_LEADER)
    return Principal(
        user_id=user_id,
        school_roles=school_roles,
        trust_roles=trust_roles,
        school_trusts={s: schools[s] for s in school_roles},
        safeguarding_schools=frozenset(safeguarding),
    )


def system_context(session: Session, reason: str, *, trust_id: int | None = None) -> TenantContext:
    """An explicit all-schools (or one trust's) context for CLI and jobs: the searchable hatch."""
    query = select(School.id, School.trust_id).execution_options(**UNSCOPED)
    if trust_id is not None:
        query = query.where(School.trust_id == trust_id)
    rows = session.execute(query).all()
    trusts = {t for _, t in rows} | ({trust_id} if trust_id is not None else set())
    return TenantContext.of((s for s, _ in rows), trusts, reason=reason)
