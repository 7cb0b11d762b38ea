-- Stand-ins for Citus's placement functions, so tests/test_citus_ready.py can run infra/citus.sql on plain
-- PostgreSQL (no Citus package is installable on this project's machines). Each checks, against the
-- catalogue, the rules Citus enforces when it places a table (its create_distributed_table.c, policy.c
-- and foreign_constraint.c), then records the decision in citus_placed. The test rolls everything back.
-- What they cannot show: shards, workers, or how queries are routed; infra/README.md lists what a real
-- cluster still has to confirm.

CREATE TEMP TABLE citus_placed (
  rel regclass PRIMARY KEY,
  kind text NOT NULL,          -- distributed, reference or local (added to the coordinator's metadata)
  dist_column text,
  colocation regclass          -- the first table of the colocation group
) ON COMMIT DROP;

CREATE FUNCTION citus_stand_in_placeable(rel regclass, kind text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM citus_placed p WHERE p.rel = $1) THEN
    RAISE EXCEPTION 'table % is already a Citus table', $1;
  END IF;
  -- policy.c: "Subqueries are not supported in policies on distributed tables" (and on every Citus table)
  IF EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = $1
             AND (polqual::text LIKE '%{SUBLINK %' OR coalesce(polwithcheck::text, '') LIKE '%{SUBLINK %')) THEN
    RAISE EXCEPTION 'cannot create policy on %: subqueries are not supported in policies on distributed tables', $1;
  END IF;
  IF kind <> 'local' AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal)
     AND current_setting('citus.enable_unsafe_triggers', true) IS DISTINCT FROM 'on' THEN
    RAISE EXCEPTION 'cannot distribute relation % because it has triggers (citus.enable_unsafe_triggers is off)', $1;
  END IF;
END $$;

CREATE FUNCTION citus_stand_in_foreign_keys(rel regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  me record;
  target record;
  fk record;
  idx int;
BEGIN
  SELECT * INTO me FROM citus_placed p WHERE p.rel = $1;
  FOR fk IN SELECT conname, confrelid::regclass AS ref, conkey, confkey FROM pg_constraint
            WHERE contype = 'f' AND conrelid = $1 AND confrelid <> $1 LOOP
    SELECT * INTO target FROM citus_placed p WHERE p.rel = fk.ref;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'foreign key % of % refers to %, which is not a Citus table yet', fk.conname, $1, fk.ref;
    ELSIF target.kind = 'reference' OR (me.kind = 'local' AND target.kind = 'local') THEN
      CONTINUE;  -- any Citus table may refer to a reference table; local ones to each other
    ELSIF me.kind <> 'distributed' OR target.kind <> 'distributed' THEN
      RAISE EXCEPTION 'foreign key % from % table % to % table % is not supported',
        fk.conname, me.kind, $1, target.kind, fk.ref;
    ELSIF me.colocation <> target.colocation THEN
      RAISE EXCEPTION 'foreign key % of %: foreign keys are supported only between colocated tables', fk.conname, $1;
    END IF;
    idx := array_position(fk.conkey,
      (SELECT attnum FROM pg_attribute WHERE attrelid = $1 AND attname = me.dist_column));
    IF idx IS NULL OR fk.confkey[idx] <> (SELECT attnum FROM pg_attribute
        WHERE attrelid = fk.ref AND attname = target.dist_column) THEN
      RAISE EXCEPTION 'foreign key % of % must match its distribution column % to %.%',
        fk.conname, $1, me.dist_column, fk.ref, target.dist_column;
    END IF;
  END LOOP;
END $$;

CREATE FUNCTION create_distributed_table(
  table_name regclass, distribution_column text, colocate_with text DEFAULT 'default', shard_count int DEFAULT NULL
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  col int2;
  coltype text;
  anchor record;
  bad text;
BEGIN
  PERFORM citus_stand_in_placeable(table_name, 'distributed');
  SELECT attnum, format_type(atttypid, atttypmod) INTO col, coltype FROM pg_attribute
  WHERE attrelid = table_name AND attname = distribution_column AND NOT attisdropped;
  IF col IS NULL THEN
    RAISE EXCEPTION 'column "%" of relation "%" does not exist', distribution_column, table_name;
  END IF;
  -- create_distributed_table.c: UNIQUE, EXCLUDE and PRIMARY KEY must include the distribution column
  SELECT string_agg(indexrelid::regclass::text, ', ') INTO bad FROM pg_index
  WHERE indrelid = table_name AND indisunique AND NOT (col = ANY (indkey::int2[]));
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'cannot distribute % by %: unique index(es) % do not include it', table_name, distribution_column, bad;
  END IF;
  IF colocate_with = 'none' THEN
    IF shard_count IS NULL THEN
      RAISE EXCEPTION 'a new colocation group (%) names its shard_count', table_name;
    END IF;
    INSERT INTO citus_placed VALUES (table_name, 'distributed', distribution_column, table_name);
  ELSE
    SELECT p.*, format_type(a.atttypid, a.atttypmod) AS coltype INTO anchor
    FROM citus_placed p JOIN pg_attribute a ON a.attrelid = p.rel AND a.attname = p.dist_column
    WHERE p.rel = to_regclass(colocate_with) AND p.kind = 'distributed';
    IF NOT FOUND THEN
      RAISE EXCEPTION 'cannot colocate % with %: it is not a distributed table (yet)', table_name, colocate_with;
    ELSIF anchor.coltype <> coltype THEN
      RAISE EXCEPTION 'cannot colocate % with %: distribution column types differ', table_name, colocate_with;
    END IF;
    INSERT INTO citus_placed VALUES (table_name, 'distributed', distribution_column, anchor.colocation);
  END IF;
  PERFORM citus_stand_in_foreign_keys(table_name);
END $$;

CREATE FUNCTION create_reference_table(table_name regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM citus_stand_in_placeable(table_name, 'reference');
  INSERT INTO citus_placed VALUES (table_name, 'reference', NULL, NULL);
  PERFORM citus_stand_in_foreign_keys(table_name);
END $$;

CREATE FUNCTION citus_add_local_table_to_metadata(table_name regclass, cascade_via_foreign_keys boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM citus_stand_in_placeable(table_name, 'local');
  INSERT INTO citus_placed VALUES (table_name, 'local', NULL, NULL);
  PERFORM citus_stand_in_foreign_keys(table_name);
END $$;

-- The cast to regprocedure is the check: the function must exist with that signature.
CREATE FUNCTION create_distributed_function(function_name regprocedure) RETURNS void LANGUAGE sql AS $$ SELECT $$;
