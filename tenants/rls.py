"""PostgreSQL row-level security: the second wall behind the ORM scoping.

Migrations call these for every tenant table. Policies read the per-transaction setting
`turnout.school_ids` (set with `set_config(..., true)` by tenants.scoping); a missing or
empty setting matches no row.
"""

from __future__ import annotations

from alembic import op

SCHOOL_IDS_FUNCTION = """
CREATE OR REPLACE FUNCTION turnout_school_ids() RETURNS integer[]
LANGUAGE sql STABLE AS $$
  SELECT COALESCE(
    string_to_array(NULLIF(current_setting('turnout.school_ids', true), ''), ',')::integer[],
    '{}'::integer[])
$$
"""

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION turnout_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % refused: registers are legal records and are never removed or rewritten',
    TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def create_app_role(role: str) -> None:
    """The non-owner role the web app and jobs use; migrations keep the owner."""
    op.execute(
        f"""DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOBYPASSRLS;
          END IF;
        END $$"""
    )
    op.execute(f'GRANT "{role}" TO CURRENT_USER')
    op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    op.execute(SCHOOL_IDS_FUNCTION)
    op.execute(REFUSE_FUNCTION)


def grant_tables(role: str) -> None:
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
    op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')


def protect_tenant_table(table: str) -> None:
    """Enable and FORCE row-level security keyed on school_id."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {table}_tenant_isolation ON {table} "
        "USING (school_id = ANY (turnout_school_ids())) "
        "WITH CHECK (school_id = ANY (turnout_school_ids()))"
    )


def refuse(table: str, operations: str) -> None:
    """Refuse operations (e.g. 'DELETE' or 'UPDATE OR DELETE') on a legal-record table."""
    name = f"{table}_refuse_{operations.lower().replace(' ', '_')}"
    op.execute(
        f"CREATE TRIGGER {name} BEFORE {operations} ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION turnout_refuse_change()"
    )
