"""Automatic tenant filtering for every ORM query, and the PostgreSQL RLS setting.

The one escape hatch is the execution option `UNSCOPED` (grep for it): it is used only
where access itself is being resolved (login, memberships) or by platform jobs.
"""

from __future__ import annotations

import re
from functools import cache

from sqlalchemy import Connection, TextClause, event, or_, text
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from app.db import Base
from tenants.context import current, current_or_none
from tenants.models import Membership, School, TenantScoped, Trust, TrustScoped

UNSCOPED = {"tenant_unscoped": True}
_SCOPED_CLASSES = (TenantScoped, TrustScoped, School, Trust, Membership)
_RLS_KEY = "turnout_rls_school_ids"
_IDS = re.compile(r"[0-9]+(,[0-9]+)*|")


def set_school_ids(ids: str) -> TextClause:
    """`SET LOCAL` (not `set_config`), because Citus forwards it to the workers; ids are checked digits."""
    if not _IDS.fullmatch(ids):
        raise ValueError(f"school ids must be comma-separated numbers, not {ids!r}")
    return text(f"SET LOCAL turnout.school_ids = '{ids}'")


@cache
def _scoped_tables() -> frozenset[str]:
    tables = {School.__tablename__, Trust.__tablename__, Membership.__tablename__}
    for mapper in Base.registry.mappers:
        if issubclass(mapper.class_, TenantScoped | TrustScoped):
            tables.add(mapper.local_table.name)
    return frozenset(tables)


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    """True if the statement reads any tenant table, however it names it (entity, column, count)."""
    if any(issubclass(m.class_, _SCOPED_CLASSES) for m in state.all_mappers):
        return True
    names = {t.name for t in find_tables(state.statement, include_joins=True, include_crud=True)}
    return not names.isdisjoint(_scoped_tables())


def sync_rls(session: Session) -> None:
    """Make the transaction's `turnout.school_ids` match the current tenant context."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    ctx = current_or_none()
    wanted = ctx.rls_setting() if ctx is not None else ""
    if session.info.get(_RLS_KEY) == wanted:
        return
    session.info[_RLS_KEY] = wanted
    session.connection().execute(set_school_ids(wanted))


@event.listens_for(Session, "after_begin")
def _rls_on_begin(session: Session, _transaction: object, connection: Connection) -> None:
    """Every PostgreSQL transaction starts with the current context's schools (or none)."""
    session.info.pop(_RLS_KEY, None)
    if connection.dialect.name != "postgresql":
        return
    ctx = current_or_none()
    wanted = ctx.rls_setting() if ctx is not None else ""
    connection.execute(set_school_ids(wanted))
    session.info[_RLS_KEY] = wanted


@event.listens_for(Session, "before_flush")
def _rls_before_flush(session: Session, _context: object, _instances: object) -> None:
    if session.new or session.dirty:
        sync_rls(session)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if state.execution_options.get("tenant_unscoped") or state.is_column_load:
        return
    if not (state.is_select or state.is_update or state.is_delete or state.is_insert):
        return
    if not _touches_tenant_data(state):
        return
    ctx = current()
    sync_rls(state.session)
    if state.is_insert:
        return
    school_ids = tuple(ctx.school_ids)
    trust_ids = tuple(ctx.trust_ids)
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.school_id.in_(school_ids),
            include_aliases=True,
        ),
        with_loader_criteria(TrustScoped, lambda cls: cls.trust_id.in_(trust_ids), include_aliases=True),
        with_loader_criteria(School, lambda cls: cls.id.in_(school_ids), include_aliases=True),
        with_loader_criteria(Trust, lambda cls: cls.id.in_(trust_ids), include_aliases=True),
        with_loader_criteria(
            Membership,
            lambda cls: or_(cls.school_id.in_(school_ids), cls.trust_id.in_(trust_ids)),
            include_aliases=True,
        ),
    )
