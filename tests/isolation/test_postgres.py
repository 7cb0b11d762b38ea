"""The second wall, on PostgreSQL: the app's connection runs as a role that owns nothing and cannot bypass
row-level security; every table with a school_id has RLS enabled and forced; the schools setting lives and
dies with its transaction, so two tenants taking turns on one pooled connection (in turns, in threads, after
an error) never see each other; with no tenant context the ORM refuses and SQL finds nothing; and the login
role production should use cannot climb out of the app role."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from app import create_app
from app.db import normalise_url
from app.registers.models import Pupil
from tenants import context
from tenants.context import NoTenantContext, TenantContext
from tests.conftest import World
from tests.helpers import signed_in

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
ROUNDS = 6
# Tables whose school_id may be empty: rows that belong to a trust (or the platform), not to a school, so a
# policy on the schools setting cannot hold them. The ORM scopes both by trust (TrustScoped, Membership).
TRUST_KEYED = {
    "memberships": "a trust-wide membership has no school; read before any context, to work out the context",
    "audit_events": "sign-ins and trust events have no school; written before any context (failed sign-ins)",
}


def _school_tables(conn, *, nullable: bool = False) -> list[str]:  # type: ignore[no-untyped-def]
    """Tables with a school_id column, NOT NULL (a school's rows) or, with nullable, those where it may be empty."""
    return list(
        conn.scalars(
            text(
                "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t "
                "USING (table_schema, table_name) WHERE c.table_schema = 'public' AND c.column_name = 'school_id' "
                "AND t.table_type = 'BASE TABLE' AND c.is_nullable = :nullable ORDER BY 1"
            ),
            {"nullable": "YES" if nullable else "NO"},
        )
    )


def test_the_apps_connection_owns_nothing_and_cannot_bypass_rls(app: Flask, world: World) -> None:
    engine = app.extensions["turnout.db"].engine
    with engine.connect() as conn:
        me = conn.scalar(text("SELECT current_user"))
        powers = conn.execute(
            text(
                "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
        owned = conn.scalars(
            text("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE n.nspname = 'public' AND pg_has_role(current_user, c.relowner, 'USAGE')")
        ).all()  # fmt: skip
        tables = conn.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
    assert me == "turnout_app"
    assert not any(powers), powers
    assert owned == [], f"the app role owns (or acts as the owner of) {owned}"
    assert tables > 20  # control: the schema is there, owned by someone else


def test_every_table_with_a_school_id_has_row_level_security_forced(app: Flask) -> None:
    with app.extensions["turnout.db"].engine.connect() as conn:
        optional = _school_tables(conn, nullable=True)
        tables = _school_tables(conn)
        rows = conn.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relname = ANY(:tables)"
            ),
            {"tables": tables + optional},
        ).all()
    assert len(tables) >= 25 and len(rows) == len(tables + optional)
    unprotected = {name: (on, forced, n) for name, on, forced, n in rows if not (on and forced and n)}
    assert set(TRUST_KEYED) <= set(optional)  # the exceptions are tables whose school_id may be empty
    wrong = [f"{name} (enabled, forced, policies: {how})" for name, how in unprotected.items()
             if name not in TRUST_KEYED]  # fmt: skip
    assert not wrong, f"tables with a school_id but no forced row-level security: {wrong}"


def test_with_no_tenant_context_the_orm_refuses_and_sql_finds_nothing(
    app: Flask, db: Session, world: World, database_url: str
) -> None:
    with pytest.raises(NoTenantContext):
        db.scalars(select(Pupil)).all()
    db.rollback()
    owner = create_engine(database_url)
    with owner.connect() as conn:
        protected = [
            t for t in _school_tables(conn) + _school_tables(conn, nullable=True) if t not in TRUST_KEYED
        ]
        held = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in protected}  # noqa: S608 - table names from the schema
    owner.dispose()
    engine = app.extensions["turnout.db"].engine
    with engine.connect() as conn:
        seen = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in held}  # noqa: S608 - table names from the schema
    assert held["pupils"] == 3 and held["school_sessions"] == 0  # control: the owner sees the world's rows
    assert set(seen.values()) == {0}, {t: n for t, n in seen.items() if n}


@pytest.fixture
def one_connection(database_url: str) -> Iterator[Engine]:
    """The app role's engine (as app.db.make_engine switches to it) with a pool of exactly one connection,
    so every session in every thread shares the same backend."""
    engine = create_engine(normalise_url(database_url), pool_size=1, max_overflow=0, pool_timeout=10)

    @event.listens_for(engine, "connect")
    def _as_app_role(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        with dbapi_connection.cursor() as cursor:
            cursor.execute('SET ROLE "turnout_app"')
        dbapi_connection.commit()

    yield engine
    engine.dispose()


def _look(sessions: sessionmaker[Session], ctx: TenantContext) -> tuple[int, set[str], set[str], str]:
    """One transaction in a tenant's context: the backend's pid, the ORM's and raw SQL's surnames, and the
    setting the policies read."""
    with context.use(ctx), sessions() as session:
        orm = {p.legal_surname for p in session.scalars(select(Pupil))}
        raw = set(session.scalars(text("SELECT legal_surname FROM pupils")))
        setting = session.scalar(text("SELECT current_setting('turnout.school_ids', true)"))
        pid = session.scalar(text("SELECT pg_backend_pid()"))
        session.commit()
    return pid, orm, raw, setting


def test_two_tenants_taking_turns_on_one_connection_never_see_each_other(
    one_connection: Engine, world: World
) -> None:
    sessions = sessionmaker(bind=one_connection)
    a = TenantContext.of({world.a1.id}, {world.trust_a.id}, "test-a")
    b = TenantContext.of({world.b1.id}, {world.trust_b.id}, "test-b")
    pids = set()
    for _ in range(ROUNDS):
        for ctx, own in ((a, {"Canaryalder"}), (b, {"Canarybirch"})):
            pid, orm, raw, setting = _look(sessions, ctx)
            pids.add(pid)
            assert orm == raw == own, (ctx.reason, orm, raw)
            assert setting == ctx.rls_setting()
    assert len(pids) == 1  # one physical connection carried both tenants
    with one_connection.connect() as conn:  # between transactions the connection holds no tenant
        assert conn.scalar(text("SELECT coalesce(current_setting('turnout.school_ids', true), '')")) == ""
        assert conn.scalar(text("SELECT count(*) FROM pupils")) == 0


def test_after_an_error_in_one_tenants_transaction_the_next_tenant_sees_nothing_of_it(
    one_connection: Engine, world: World
) -> None:
    sessions = sessionmaker(bind=one_connection)
    a = TenantContext.of({world.a1.id, world.a2.id}, {world.trust_a.id}, "test-a")
    b = TenantContext.of({world.b1.id}, {world.trust_b.id}, "test-b")
    for _ in range(ROUNDS):
        with context.use(a), sessions() as session:
            assert len(session.scalars(select(Pupil)).all()) == 2
            with pytest.raises(Exception, match="division by zero"):
                session.execute(text("SELECT 1 / 0"))
            session.rollback()
        pid, orm, raw, setting = _look(sessions, b)
        assert orm == raw == {"Canarybirch"} and setting == str(world.b1.id)
        with one_connection.connect() as conn:  # and with no context at all, nothing
            assert conn.scalar(text("SELECT count(*) FROM pupils")) == 0


def test_tenants_in_threads_sharing_one_connection_never_see_each_other(
    one_connection: Engine, world: World
) -> None:
    """Two threads, each in its own tenant's context, take the one connection in strict turns."""
    sessions = sessionmaker(bind=one_connection)
    turns = {"a": threading.Event(), "b": threading.Event()}
    seen: dict[str, list[tuple[int, set[str], set[str], str]]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def run(name: str, other: str, ctx: TenantContext) -> None:
        try:
            for _ in range(ROUNDS):
                assert turns[name].wait(10), f"{name} waited too long for its turn"
                turns[name].clear()
                seen[name].append(_look(sessions, ctx))
                turns[other].set()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            turns[other].set()

    threads = [
        threading.Thread(
            target=run, args=("a", "b", TenantContext.of({world.a1.id}, {world.trust_a.id}, "a"))
        ),
        threading.Thread(
            target=run, args=("b", "a", TenantContext.of({world.b1.id}, {world.trust_b.id}, "b"))
        ),
    ]
    for thread in threads:
        thread.start()
    turns["a"].set()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert len(seen["a"]) == len(seen["b"]) == ROUNDS
    assert {s[0] for s in seen["a"] + seen["b"]} == {seen["a"][0][0]}  # the same backend every time
    assert all(orm == raw == {"Canaryalder"} for _pid, orm, raw, _setting in seen["a"])
    assert all(orm == raw == {"Canarybirch"} for _pid, orm, raw, _setting in seen["b"])


def test_a_login_role_that_is_only_the_app_role_runs_the_app_and_cannot_climb_out(
    database_url: str, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """infra/README.md's production shape: the app logs in as a role that is a member of turnout_app and
    nothing else (here the tests log in as the owner and SET ROLE, which RESET ROLE would undo). Signed-in
    pages work, and after RESET ROLE the login owns nothing, bypasses nothing and may not read a tenant table."""
    owner = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'turnout_isolation_web') THEN "
            "CREATE ROLE turnout_isolation_web LOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT IN ROLE turnout_app; "
            "END IF; END $$"
        ))  # fmt: skip  # roles belong to the server: made once, the same on every run
    owner.dispose()
    login = make_url(database_url).set(username="turnout_isolation_web").render_as_string(hide_password=False)
    monkeypatch.setenv("TURNOUT_DATABASE_URL", login)
    monkeypatch.setenv("TURNOUT_INSTANCE_PATH", str(tmp_path / "login-instance"))
    app = create_app({"TESTING": True})
    client = signed_in(app.test_client(), world.users["b1_lead"])
    assert "Canarybirch" in client.get(f"/schools/{world.b1.urn}/pupils").get_data(as_text=True)
    assert client.get(f"/schools/{world.a1.urn}/pupils").status_code == 404
    with app.extensions["turnout.db"].engine.connect() as conn:
        conn.execute(text("RESET ROLE"))
        who = conn.execute(
            text(
                "SELECT session_user, current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
        owned = conn.scalar(text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user"))
        with pytest.raises(ProgrammingError, match="permission denied for table pupils"):
            conn.execute(text("SELECT count(*) FROM pupils"))  # NOINHERIT: outside the app role, no table
        conn.rollback()
    app.extensions["turnout.db"].engine.dispose()
    assert who == ("turnout_isolation_web", "turnout_isolation_web", False)
    assert owned == 0
