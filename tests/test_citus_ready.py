"""The migrated schema is ready for Citus, and infra/citus.sql decides every table's place in a cluster.

Tenant tables are found from the schema itself (every table with a school_id column, less the reasoned
exceptions below), so a new table fails here until its keys lead with school_id and citus.sql places it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Connection, Inspector, create_engine, inspect
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
CITUS_SQL = ROOT / "infra" / "citus.sql"
STAND_IN = Path(__file__).with_name("citus_stand_in.sql")
SCHOOL, TRUST = "school_id", "trust_id"
SCHOOL_GROUP, TRUST_GROUP = "pupils", "benchmark_runs"  # the first table of each colocation group

# Tables with a school_id column that are not distributed by it, and why.
NOT_BY_SCHOOL = {
    "memberships": "a reference table: who sees which school, read on every request; school_id is NULL for "
    "a trust-wide role",
    "benchmark_results": "a trust's stored benchmarks, distributed by trust_id: school_id is NULL on the "
    "trust, LA and England rows",
    "benchmark_weeks": "the weekly series of the same runs, distributed by trust_id beside them",
    "audit_events": "on the coordinator: one hash chain per trust and one for the platform; school_id only "
    "notes which school an event concerns",
}


@dataclass(frozen=True)
class Table:
    columns: dict[str, bool]  # name -> nullable
    primary_key: tuple[str, ...]
    uniques: tuple[tuple[str, tuple[str, ...]], ...]  # (constraint or index name, plain columns)
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]  # (columns, table, its columns)


@dataclass(frozen=True)
class Placement:
    kind: str  # distributed, reference, local (in Citus's metadata) or coordinator (left alone)
    column: str | None = None
    group: str | None = None


def read_schema(url: str) -> dict[str, Table]:
    """The schema as migrations built it, read back from the database (not from the models)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = inspect(conn)
            return {
                name: Table(
                    columns={c["name"]: c["nullable"] for c in found.get_columns(name)},
                    primary_key=tuple(found.get_pk_constraint(name)["constrained_columns"]),
                    uniques=_uniques(conn, found, name),
                    foreign_keys=tuple(
                        (
                            tuple(fk["constrained_columns"]),
                            fk["referred_table"],
                            tuple(fk["referred_columns"]),
                        )
                        for fk in found.get_foreign_keys(name)
                    ),
                )
                for name in found.get_table_names()
            }
    finally:
        engine.dispose()


def _uniques(conn: Connection, found: Inspector, name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Unique constraints and unique indexes (partial and expression ones too) with their plain columns."""
    if conn.dialect.name == "sqlite":  # SQLAlchemy skips SQLite's expression indexes: ask SQLite itself
        listed = conn.exec_driver_sql(f"PRAGMA index_list('{name}')").all()
        return tuple(
            (index, tuple(c[2] for c in conn.exec_driver_sql(f"PRAGMA index_info('{index}')") if c[2]))
            for _seq, index, unique, origin, _partial in listed
            if unique and origin != "pk"
        )  # fmt: skip
    uniques = [(u["name"] or "unnamed", tuple(u["column_names"])) for u in found.get_unique_constraints(name)]
    uniques += [
        (ix["name"] or "unnamed", tuple(c for c in ix["column_names"] if c))  # None: an expression
        for ix in found.get_indexes(name)
        if ix["unique"]
    ]
    return tuple(uniques)


def tenant_tables(schema: dict[str, Table]) -> set[str]:
    return {name for name, table in schema.items() if SCHOOL in table.columns} - set(NOT_BY_SCHOOL)


def key_problems(schema: dict[str, Table], tables: set[str], column: str) -> list[str]:
    """What stops these tables being distributed by `column` and colocated with each other."""
    problems = []
    for name in sorted(tables):
        table = schema[name]
        if column not in table.primary_key:
            problems.append(f"{name}: primary key {table.primary_key} lacks {column}")
        if table.columns.get(column, True):
            problems.append(f"{name}: {column} is missing or nullable")
        problems += [
            f"{name}: unique {u} {cols} lacks {column}" for u, cols in table.uniques if column not in cols
        ]
        for columns, target, target_columns in table.foreign_keys:
            if target in tables and (
                column not in columns or target_columns[columns.index(column)] != column
            ):  # fmt: skip
                problems.append(
                    f"{name}: foreign key {columns} -> {target}{target_columns} lacks {column} on both sides"
                )
    return problems


_CALLS = (
    (re.compile(r"create_distributed_table\('(\w+)', '(\w+)', colocate_with => '(\w+)'(?:, shard_count => \d+)?\)"), "distributed"),
    (re.compile(r"create_reference_table\('(\w+)'\)"), "reference"),
    (re.compile(r"citus_add_local_table_to_metadata\('(\w+)'\)"), "local"),
)  # fmt: skip
_STAYS = re.compile(r"^-- stays on the coordinator: (\w+) \(.+\)$", re.MULTILINE)


def placements(sql: str) -> dict[str, Placement]:
    """Each table's placement in citus.sql, in file order; a table placed twice is an error."""
    code = "\n".join(
        line.split("--", 1)[0] for line in sql.splitlines()
    )  # a commented-out call counts for nothing
    found: list[tuple[int, str, Placement]] = []
    for pattern, kind in _CALLS:
        for match in pattern.finditer(code):
            if kind != "distributed":
                found.append((match.start(), match[1], Placement(kind)))
            else:
                found.append((match.start(), match[1], Placement(kind, match[2], match[3])))
    found += [(len(code) + m.start(), m[1], Placement("coordinator")) for m in _STAYS.finditer(sql)]
    placed: dict[str, Placement] = {}
    for _at, name, placement in sorted(found, key=lambda item: item[0]):
        assert name not in placed, f"infra/citus.sql places {name} twice"
        if placement.group == "none":
            placement = Placement(placement.kind, placement.column, name)
        elif placement.group is not None:
            assert placement.group in placed, (
                f"{name} is colocated with {placement.group}, not yet distributed"
            )
            placement = Placement(placement.kind, placement.column, placed[placement.group].group)
        placed[name] = placement
    return placed


def placement_problems(schema: dict[str, Table], placed: dict[str, Placement]) -> list[str]:
    """Tables without a decision, decisions for tables that do not exist, and tenant tables misplaced."""
    problems = [f"{name}: no decision in infra/citus.sql" for name in sorted(set(schema) - set(placed))]
    problems += [
        f"{name}: placed in infra/citus.sql but not in the schema"
        for name in sorted(set(placed) - set(schema))
    ]
    school = Placement("distributed", SCHOOL, SCHOOL_GROUP)
    for name in sorted(tenant_tables(schema) & set(placed)):
        if placed[name] != school:
            problems.append(f"{name}: a tenant table must be distributed by school_id with {SCHOOL_GROUP}")
    for name in sorted(set(placed) - tenant_tables(schema)):
        if placed[name].column == SCHOOL:
            problems.append(f"{name}: distributed by school_id but not a tenant table")
        elif placed[name].kind == "distributed" and placed[name] != Placement(
            "distributed", TRUST, TRUST_GROUP
        ):
            problems.append(f"{name}: a trust-keyed table must be distributed by trust_id with {TRUST_GROUP}")
    return problems


def foreign_key_problems(schema: dict[str, Table], placed: dict[str, Placement]) -> list[str]:
    """Citus keeps a foreign key only to a reference table, or between colocated tables (keys checked
    by key_problems), or between tables on the coordinator; a table left alone has none to Citus tables."""
    problems = []
    for name, table in sorted(schema.items()):
        for columns, target, _ in table.foreign_keys:
            mine, theirs = placed.get(name), placed.get(target)
            if (
                mine is None
                or theirs is None
                or target == name
                or theirs.kind == "reference"
                and mine.kind != "coordinator"
            ):
                continue
            if (
                mine.kind == theirs.kind == "local"
                or mine.kind == theirs.kind == "distributed"
                and mine.group == theirs.group
            ):
                continue
            problems.append(
                f"{name}{columns} -> {target}: a {mine.kind} table cannot refer to a {theirs.kind} one"
            )
    return problems  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request: pytest.FixtureRequest) -> str:
    """The URL of a database the migrations built, on each backend (only read here)."""
    if request.param == "sqlite":
        return f"sqlite:///{request.getfixturevalue('sqlite_template')}"
    return request.getfixturevalue("pg_database")


def test_tenant_tables_lead_with_school_id(migrated: str) -> None:
    schema = read_schema(migrated)
    tenants = tenant_tables(schema)
    assert {"pupils", "marks", "mark_amendments", "pupil_weeks", "cases", "letters"} <= tenants
    assert key_problems(schema, tenants, SCHOOL) == []


def test_trust_keyed_tables_lead_with_trust_id(migrated: str) -> None:
    schema, placed = read_schema(migrated), placements(CITUS_SQL.read_text())
    by_trust = {name for name, p in placed.items() if p.column == TRUST}
    assert by_trust == {"benchmark_runs", "benchmark_results", "benchmark_weeks"}
    assert key_problems(schema, by_trust, TRUST) == []


def test_exceptions_are_real_and_placed_apart(migrated: str) -> None:
    schema, placed = read_schema(migrated), placements(CITUS_SQL.read_text())
    for name in NOT_BY_SCHOOL:
        assert SCHOOL in schema[name].columns, f"{name} has no school_id: drop it from NOT_BY_SCHOOL"
        assert placed[name].column != SCHOOL


def test_citus_sql_places_every_table(migrated: str) -> None:
    schema = read_schema(migrated)
    placed = placements(CITUS_SQL.read_text())
    assert placement_problems(schema, placed) == []
    assert foreign_key_problems(schema, placed) == []


def test_the_checks_catch_a_table_citus_would_refuse(tmp_path: Path) -> None:
    """A tenant table keyed by id alone, unique on its own column and joined to pupils without school_id,
    and with no line in citus.sql, is reported on every count."""
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE pupils (school_id INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (school_id, id))"
        )
        conn.exec_driver_sql(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, school_id INTEGER, pupil_id INTEGER REFERENCES pupils (id), "
            "ref TEXT UNIQUE)"
        )
    engine.dispose()
    schema = read_schema(url)
    assert key_problems(schema, tenant_tables(schema), SCHOOL) == [
        "notes: primary key ('id',) lacks school_id",
        "notes: school_id is missing or nullable",
        "notes: unique sqlite_autoindex_notes_1 ('ref',) lacks school_id",
        "notes: foreign key ('pupil_id',) -> pupils('id',) lacks school_id on both sides",
    ]
    placed = placements(
        "SELECT create_distributed_table('pupils', 'school_id', colocate_with => 'none', shard_count => 8);"
    )
    assert placement_problems(schema, placed) == ["notes: no decision in infra/citus.sql"]
    placed["notes"] = Placement("reference")
    assert placement_problems(schema, placed) == [
        "notes: a tenant table must be distributed by school_id with pupils"
    ]
    assert foreign_key_problems(schema, placed) == ["notes('pupil_id',) -> pupils: a reference table cannot refer to a distributed one"]  # fmt: skip


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_citus_sql_runs_on_the_migrated_postgresql_schema(pg_database: str) -> None:
    """infra/citus.sql runs, statement by statement, against the real migrated schema with stand-ins for
    Citus's placement functions that enforce its rules (policies without subqueries, unique keys holding
    the distribution column, triggers allowed, foreign keys only where Citus keeps them, referenced tables
    placed first); everything is rolled back."""
    sql = CITUS_SQL.read_text()
    with psycopg.connect(_libpq(pg_database)) as conn:
        try:
            conn.execute(STAND_IN.read_text())
            conn.execute(sql)
            recorded = {
                rel: Placement(kind, column, group)
                for rel, kind, column, group in conn.execute(
                    "SELECT rel::text, kind, dist_column, colocation::text FROM citus_placed"
                )
            }
            with_subqueries = conn.execute(
                "SELECT polrelid::regclass::text FROM pg_policy WHERE polqual::text LIKE '%{SUBLINK %'"
            ).fetchall()
        finally:
            conn.rollback()
    expected = {name: p for name, p in placements(sql).items() if p.kind != "coordinator"}
    assert recorded == expected
    assert with_subqueries == []
