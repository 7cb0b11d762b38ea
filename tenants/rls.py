"""PostgreSQL row-level security: the second wall behind the ORM scoping.

Migrations call these for every tenant table. Policies read the per-transaction setting
`turnout.school_ids` (set with `SET LOCAL` by tenants.scoping); a missing or
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


# A scalar subquery is evaluated once per statement (an InitPlan), not once per row.
_ALLOWED = "(SELECT turnout_school_ids())::integer[]"


def protect_tenant_table(table: str) -> None:
    """Enable and FORCE row-level security keyed on school_id."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {table}_tenant_isolation ON {table} "
        f"USING (school_id = ANY ({_ALLOWED})) WITH CHECK (school_id = ANY ({_ALLOWED}))"
    )


def refuse(table: str, operations: str) -> None:
    """Refuse operations (e.g. 'DELETE' or 'UPDATE OR DELETE') on a legal-record table."""
    name = f"{table}_refuse_{operations.lower().replace(' ', '_')}"
    op.execute(
        f"CREATE TRIGGER {name} BEFORE {operations} ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION turnout_refuse_change()"
    )


MARK_UPDATE_GUARD = """
CREATE OR REPLACE FUNCTION turnout_guard_mark_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.school_id, NEW.pupil_id, NEW.date, NEW.session) IS DISTINCT FROM
     (OLD.school_id, OLD.pupil_id, OLD.date, OLD.session)
     OR NOT EXISTS (
       SELECT 1 FROM mark_amendments a
       WHERE a.school_id = NEW.school_id AND a.pupil_id = NEW.pupil_id AND a.date = NEW.date
         AND a.session = NEW.session AND a.batch_id = NEW.batch_id
         AND a.original_code = OLD.code AND a.new_code = NEW.code)
  THEN
    RAISE EXCEPTION 'a mark is changed only by an amendment that keeps the original entry'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$
"""


def guard_mark_updates() -> None:
    """Let an UPDATE of a mark through only when its amendment row was written for it."""
    op.execute(MARK_UPDATE_GUARD)
    op.execute(
        "CREATE TRIGGER marks_amendment_path BEFORE UPDATE ON marks "
        "FOR EACH ROW EXECUTE FUNCTION turnout_guard_mark_update()"
    )
