-- Turnout on Citus: every table's place in the cluster, decided once.
--
-- Run as the database owner on the coordinator, after `turnout db upgrade` and after the cluster steps in
-- infra/README.md ("Scaling out on Citus": CREATE EXTENSION citus, the coordinator and workers added,
-- citus.propagate_set_commands = 'local'), in one transaction:
--
--     psql -1 -v ON_ERROR_STOP=1 -f infra/citus.sql "$TURNOUT_DATABASE_URL"
--
-- Three kinds of table:
--   * a school's rows: distributed by school_id, all in one colocation group (anchored on pupils), so a
--     school's pupils, marks, rollups, cases and letters share a shard and every query the app makes
--     (always filtered by school_id) runs on one worker;
--   * a trust's computed benchmarks: distributed by trust_id in a second colocation group;
--   * small shared tables: reference tables, a copy on every node, joinable with either group;
--   * the rest stay on the coordinator (added to Citus's metadata where they reference a reference table).
-- tests/test_citus_ready.py fails when a table has no decision here, or a decision Citus would refuse.

-- Citus refuses row-level security policies that contain a subquery (it cannot push one down to a
-- shard). The migrations' policies use `(SELECT turnout_school_ids())` so PostgreSQL evaluates it once per
-- statement; on Citus the same function is called directly, which Citus evaluates per shard query.
CREATE OR REPLACE FUNCTION turnout_trust_ids() RETURNS integer[]
LANGUAGE sql STABLE AS $$
  SELECT COALESCE(array_agg(DISTINCT s.trust_id), '{}'::integer[])
  FROM schools s WHERE s.id = ANY (turnout_school_ids())
$$;

DO $$
DECLARE
  p record;
  school text := 'school_id = ANY (turnout_school_ids())';
  trust text := 'trust_id = ANY (turnout_trust_ids())';
  condition text;
BEGIN
  FOR p IN SELECT tablename, policyname FROM pg_policies
           WHERE schemaname = 'public' AND policyname LIKE '%\_tenant\_isolation' LOOP
    EXECUTE format('ALTER POLICY %I ON %I USING (%s) WITH CHECK (%s)',
                   p.policyname, p.tablename, school, school);
  END LOOP;
  FOR p IN SELECT tablename, policyname FROM pg_policies
           WHERE schemaname = 'public' AND policyname LIKE '%\_trust\_isolation' LOOP
    condition := trust;
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name = p.tablename AND column_name = 'school_id') THEN
      condition := condition || ' AND (school_id IS NULL OR ' || school || ')';
    END IF;
    EXECUTE format('ALTER POLICY %I ON %I USING (%s) WITH CHECK (%s)',
                   p.policyname, p.tablename, condition, condition);
  END LOOP;
END
$$;

-- The functions the policies and triggers call must exist on every worker, where the shards live.
SELECT create_distributed_function('turnout_school_ids()');
SELECT create_distributed_function('turnout_trust_ids()');
SELECT create_distributed_function('turnout_refuse_change()');
SELECT create_distributed_function('turnout_guard_mark_update()');

-- The legal-record triggers (no delete, no rewrite, marks changed only through an amendment) only read
-- and refuse rows of their own school, so they are safe to run on each shard.
SET LOCAL citus.enable_unsafe_triggers = on;

-- Reference tables: small, shared, read by every request or joined with every school's rows. Writes go to
-- every node in one transaction, which these tables' write rates (sign-ins, admin changes) allow.
SELECT create_reference_table('trusts');
SELECT create_reference_table('schools');
SELECT create_reference_table('users');            -- about 1 million staff; school_tasks.owner_user_id refers to it
SELECT create_reference_table('memberships');      -- who sees which school; school_id is NULL for a trust-wide role
SELECT create_reference_table('attendance_codes');
SELECT create_reference_table('flag_rule_sets');   -- a trust's flag thresholds, joined with its schools' pupils
SELECT create_reference_table('playbook_tasks');
SELECT create_reference_table('trust_letter_templates');

-- A school's rows: one colocation group, 64 shards (infra/capacity.md: about 45 GB a shard after 7 years).
-- Referenced tables come before the tables that refer to them.
SELECT create_distributed_table('pupils', 'school_id', colocate_with => 'none', shard_count => 64);
SELECT create_distributed_table('school_counters', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('pupil_revisions', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('pupil_contacts', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('api_tokens', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('mark_batches', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('marks', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('mark_amendments', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('school_sessions', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('pupil_weeks', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('flag_snapshots', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('cases', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('case_actions', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('support_plans', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('first_day_calls', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('school_letter_templates', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('letter_batches', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('letters', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('calendar_entries', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('task_instances', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('task_events', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('school_tasks', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('return_exports', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('self_assessments', 'school_id', colocate_with => 'pupils');
SELECT create_distributed_table('review_packs', 'school_id', colocate_with => 'pupils');

-- A trust's stored benchmarks: one run a night per trust with a row per school, period and cohort, and
-- the weekly series; school_id is NULL on the trust, LA and England rows, so they are keyed by trust.
SELECT create_distributed_table('benchmark_runs', 'trust_id', colocate_with => 'none', shard_count => 32);
SELECT create_distributed_table('benchmark_results', 'trust_id', colocate_with => 'benchmark_runs');
SELECT create_distributed_table('benchmark_weeks', 'trust_id', colocate_with => 'benchmark_runs');

-- On the coordinator, in Citus's metadata because they refer to a reference table:
-- the scheduler's bookkeeping (a few thousand rows a night, serialised by advisory locks taken on the
-- coordinator), sign-in state (written on every sign-in and once a minute per active session, so not a
-- reference table), and the audit log: one hash chain per trust plus the platform's (trust_id NULL), whose
-- appends are serialised per chain; its key (id) and chain index (coalesce(trust_id, 0), seq) do not
-- hold trust_id as a column, so it cannot be distributed by trust without a migration
-- (infra/README.md says when that would be worth it).
SELECT citus_add_local_table_to_metadata('job_runs');
SELECT citus_add_local_table_to_metadata('job_outcomes');
SELECT citus_add_local_table_to_metadata('user_sessions');
SELECT citus_add_local_table_to_metadata('login_challenges');
SELECT citus_add_local_table_to_metadata('mfa_recovery_codes');
SELECT citus_add_local_table_to_metadata('audit_events');

-- stays on the coordinator: alembic_version (Alembic's own bookkeeping, read by `turnout db upgrade` only)
-- stays on the coordinator: apscheduler_jobs (the scheduler's job store, one process, no foreign keys)
