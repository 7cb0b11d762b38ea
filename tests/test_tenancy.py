"""Tenancy rules 1 to 4: scoping by context, failing closed, and PostgreSQL row-level security."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from app.db import Base, make_engine
from app.registers.models import Pupil
from tenants import context
from tenants.access import resolve_principal, system_context
from tenants.context import NoTenantContext, TenantContext
from tenants.models import School, TenantScoped, Trust
from tenants.scoping import set_school_ids
from tests.conftest import World


def test_query_without_context_raises(db: Session, world: World) -> None:
    with pytest.raises(NoTenantContext):
        db.scalars(select(Pupil)).all()
    with pytest.raises(NoTenantContext):
        db.scalars(select(School)).all()


def test_context_limits_every_query(db: Session, world: World) -> None:
    with context.use(TenantContext.of({world.a1.id}, {world.trust_a.id}, "test")):
        surnames = {p.legal_surname for p in db.scalars(select(Pupil))}
        schools = {s.urn for s in db.scalars(select(School))}
        trusts = {t.slug for t in db.scalars(select(Trust))}
        count = db.scalar(select(func.count()).select_from(Pupil))
        by_key = db.get(Pupil, (world.b1.id, world.pupils["b1"].id))
    assert surnames == {"Canaryalder"}
    assert schools == {world.a1.urn}
    assert trusts == {"trust-a"}
    assert count == 1
    assert by_key is None


def test_trust_leader_sees_all_schools_of_their_trust_only(db: Session, world: World) -> None:
    from app.auth.services import find_user_by_email

    leader = find_user_by_email(db, world.users["a_leader"])
    principal = resolve_principal(db, leader.id)
    assert set(principal.school_roles) == {world.a1.id, world.a2.id}
    lead = find_user_by_email(db, world.users["a1_lead"])
    assert set(resolve_principal(db, lead.id).school_roles) == {world.a1.id}


def test_tenant_keys_lead_with_school_id() -> None:
    """Rule 1: every tenant table's key, unique constraints and indexes start with school_id."""
    tenant_tables = [m.local_table for m in Base.registry.mappers if issubclass(m.class_, TenantScoped)]
    assert tenant_tables
    for table in tenant_tables:
        assert list(table.primary_key.columns.keys())[0] == "school_id", table.name
        for index in table.indexes:
            assert index.columns.keys()[0] == "school_id", (table.name, index.name)
        for constraint in table.constraints:
            if (
                hasattr(constraint, "columns")
                and constraint.columns.keys()
                and constraint.__class__.__name__ == "UniqueConstraint"
            ):
                assert constraint.columns.keys()[0] == "school_id", (table.name, constraint.name)


pg_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _app_role_engine(url: str):  # type: ignore[no-untyped-def]
    return make_engine(url, app_role="turnout_app")


@pg_only
def test_rls_raw_sql_sees_only_the_set_school(database_url: str, db: Session, world: World) -> None:
    engine = _app_role_engine(database_url)
    with engine.begin() as conn:
        conn.execute(set_school_ids(str(world.a1.id)))
        schools = set(conn.scalars(text("SELECT DISTINCT school_id FROM pupils")))
        names = set(conn.scalars(text("SELECT legal_surname FROM pupils")))
    assert schools == {world.a1.id}
    assert "Canarybirch" not in names
    with engine.begin() as conn:
        assert conn.scalar(text("SELECT count(*) FROM pupils")) == 0
        assert conn.scalar(text("SELECT count(*) FROM pupil_revisions")) == 0
    engine.dispose()


@pg_only
def test_rls_setting_is_per_transaction(database_url: str, world: World) -> None:
    engine = _app_role_engine(database_url)
    with engine.connect() as conn:
        with conn.begin():
            conn.execute(set_school_ids(str(world.b1.id)))
            assert conn.scalar(text("SELECT count(*) FROM pupils")) == 1
        with conn.begin():
            assert conn.scalar(text("SELECT count(*) FROM pupils")) == 0
    engine.dispose()


@pg_only
def test_rls_refuses_writes_into_another_school(database_url: str, world: World) -> None:
    engine = _app_role_engine(database_url)
    with pytest.raises(Exception, match="row-level security"), engine.begin() as conn:
        conn.execute(set_school_ids(str(world.a1.id)))
        conn.execute(
            text("UPDATE pupils SET school_id = :b WHERE school_id = :a"),
            {"a": world.a1.id, "b": world.b1.id},
        )
    engine.dispose()


@pg_only
def test_app_role_is_not_owner_and_rls_is_forced(database_url: str) -> None:
    engine = _app_role_engine(database_url)
    with engine.connect() as conn:
        me = conn.scalar(text("SELECT current_user"))
        rows = conn.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) "
                "FROM pg_class c WHERE c.relname IN ('pupils', 'pupil_contacts', 'pupil_revisions')"
            )
        ).all()
        superuser = conn.scalar(
            text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        )
    engine.dispose()
    assert me == "turnout_app"
    assert not superuser
    assert len(rows) == 3
    for name, enabled, forced, owner in rows:
        assert enabled and forced, name
        assert owner != me, name


@pg_only
def test_pupil_rows_cannot_be_deleted_even_by_the_owner(database_url: str, world: World) -> None:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with pytest.raises(Exception, match="never removed"), engine.begin() as conn:
        conn.execute(set_school_ids(str(world.a1.id)))
        conn.execute(text("DELETE FROM pupils"))
    engine.dispose()


def test_system_context_is_explicit(db: Session, world: World) -> None:
    with context.use(system_context(db, "test", trust_id=world.trust_b.id)):
        assert {p.legal_surname for p in db.scalars(select(Pupil))} == {"Canarybirch"}


def test_the_school_ids_setting_takes_digits_only() -> None:
    """The setting is written into SET LOCAL (Citus forwards it, set_config it does not): nothing else gets in."""
    assert str(set_school_ids("3,14")) == "SET LOCAL turnout.school_ids = '3,14'"
    assert str(set_school_ids("")) == "SET LOCAL turnout.school_ids = ''"
    for bad in ("1'; RESET ROLE; --", "1,,2", "1 ,2", "-1", "1,"):
        with pytest.raises(ValueError, match="comma-separated numbers"):
            set_school_ids(bad)
