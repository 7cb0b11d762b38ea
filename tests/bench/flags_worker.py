"""Weekly flags for a 60,000-pupil trust's full year (22.8 million marks), against DuckDB on the same
marks held in memory, and the refresh after one more day. Prints a JSON result."""

from __future__ import annotations

import io
import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from app import create_app
from app.admin import services as admin
from app.db import get_db
from app.flags.snapshots import recompute, weeks_of_year
from app.registers import importer
from app.registers.codes import CODES
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder, week_start
from tenants import context
from tenants.access import system_context
from tests.bench.data import school_days, write_marks_csv, write_pupils_csv

RECORDER = Recorder(None, "Benchmark", "make bench")
START = date(2025, 9, 1)
# Per pupil, per week and year to date: the aggregates the flags are computed from.
DUCKDB_FLAGS = """
CREATE OR REPLACE TABLE flag_counts AS
WITH weekly AS (
  SELECT m.school, m.upn, date_trunc('week', m.date) AS week,
         count(*) FILTER (WHERE c.possible) AS possible, count(*) FILTER (WHERE c.attended) AS attended
  FROM marks m JOIN codes c USING (code)
  GROUP BY ALL
)
SELECT school, upn, week, possible, attended,
       sum(possible) OVER w AS ytd_possible, sum(attended) OVER w AS ytd_attended
FROM weekly WINDOW w AS (PARTITION BY school, upn ORDER BY week)
"""


def _load(db, trust, schools: int, pupils: int, days: list[date], folder: Path) -> list:  # type: ignore[no-untyped-def]
    loaded = []
    for n in range(schools):
        school = admin.add_school(db, trust, 810000 + n, f"Flags School {n}", "secondary", "926")
        with context.use(system_context(db, "bench", trust_id=trust.id)):
            pupils_csv = folder / "pupils.csv"
            upns = write_pupils_csv(pupils_csv, n, pupils, START)
            importer.import_pupils(
                db, school, pupils_csv.read_bytes(), source="bench", by_name="b", by_title="b"
            )
            marks_csv = folder / f"marks-{n}.csv"
            write_marks_csv(marks_csv, upns, days, seed=n)
            with marks_csv.open("rb") as stream:
                import_marks(db, school, stream, source="import", description="bench", recorder=RECORDER,
                             reason="bench", today=days[-1])  # fmt: skip
        loaded.append((school, upns))
        print(f"  flags trust: school {n + 1}/{schools} loaded", file=sys.stderr, flush=True)
    return loaded


def _duckdb_seconds(folder: Path, schools: int) -> tuple[float, int]:
    """The same aggregates by DuckDB over the same marks, loaded into memory first (not timed)."""
    con = duckdb.connect()
    files = [str(folder / f"marks-{n}.csv") for n in range(schools)]
    con.execute(
        "CREATE TABLE marks AS SELECT CAST(regexp_extract(filename, 'marks-(\\d+)', 1) AS INTEGER) AS school, "
        "upn, date, code FROM read_csv(?, filename = true, columns = {'upn': 'VARCHAR', 'date': 'DATE', "
        "'session': 'VARCHAR', 'code': 'VARCHAR', 'minutes_late': 'VARCHAR'}, header = true, escape = '', quote = '')",
        [files],
    )
    codes = {
        "code": list(CODES),
        "possible": [c.counts_in_possible for c in CODES.values()],
        "attended": [c.category in ("present", "approved_educational_activity") for c in CODES.values()],
    }
    con.execute("CREATE TABLE codes AS SELECT * FROM (SELECT unnest(?) AS code, unnest(?) AS possible, unnest(?) AS attended)",
                [codes["code"], codes["possible"], codes["attended"]])  # fmt: skip
    marks = con.execute("SELECT count(*) FROM marks").fetchone()[0]
    started = time.perf_counter()
    con.execute(DUCKDB_FLAGS)
    seconds = time.perf_counter() - started
    con.close()
    return seconds, marks


def scenario(schools: int, pupils: int, days: int) -> dict:
    app = create_app()
    dates = school_days(START, days + 1)
    year, extra_day = dates[:-1], dates[-1]
    with app.app_context(), get_db().session() as db, tempfile.TemporaryDirectory() as tmp:
        trust = admin.add_trust(db, "flags-trust", "Flags Benchmark Trust")
        loaded = _load(db, trust, schools, pupils, year, Path(tmp))
        today = year[-1] + timedelta(days=1)
        with context.use(system_context(db, "bench", trust_id=trust.id)):
            started = time.perf_counter()
            written = recompute(db, [s for s, _ in loaded], weeks_of_year(year[-1]), today)
            db.commit()
            recompute_s = time.perf_counter() - started
        duckdb_s, marks = _duckdb_seconds(Path(tmp), schools)
        for school, upns in loaded:  # one more day's registers for every school
            with context.use(system_context(db, "bench", trust_id=trust.id)):
                lines = "upn,date,session,code\n" + "".join(
                    f"{u},{extra_day},{s},/\n" for u in upns for s in ("AM", "PM")
                )
                import_marks(db, school, io.BytesIO(lines.encode()), source="import", description="day", recorder=RECORDER,
                             reason="bench", today=extra_day)  # fmt: skip
        with context.use(system_context(db, "bench", trust_id=trust.id)):
            started = time.perf_counter()
            recompute(db, [s for s, _ in loaded], [week_start(extra_day)], extra_day)
            db.commit()
            incremental_s = time.perf_counter() - started
    return {
        "marks": marks, "snapshots": written, "flags_recompute_trust_s": recompute_s,
        "flags_reference_duckdb_s": duckdb_s, "flags_incremental_day_s": incremental_s,
    }  # fmt: skip


if __name__ == "__main__":
    schools, pupils, days = (int(a) for a in sys.argv[1:4])
    print(json.dumps(scenario(schools, pupils, days)))
