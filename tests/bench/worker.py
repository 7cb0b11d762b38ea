"""One benchmark scenario in its own process, so its peak memory is its own. Prints a JSON result."""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from app import create_app
from app.admin import services as admin
from app.db import get_db
from app.registers import importer, reports
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tests.bench.data import school_days, write_marks_csv, write_pupils_csv

RECORDER = Recorder(None, "Benchmark", "make bench")
START = date(2025, 9, 1)


def scenario(schools: int, pupils: int, days: int, report: bool) -> dict:
    app = create_app()
    result: dict = {"marks": 0, "import_s": 0.0}
    with app.app_context(), get_db().session() as db, tempfile.TemporaryDirectory() as tmp:
        trust = admin.add_trust(db, "bench-trust", "Benchmark Trust")
        dates = school_days(START, days)
        for n in range(schools):
            school = admin.add_school(db, trust, 800000 + n, f"Bench School {n}", "secondary", "926")
            with context.use(system_context(db, "bench", trust_id=trust.id)):
                pupils_csv = Path(tmp) / "pupils.csv"
                upns = write_pupils_csv(pupils_csv, n, pupils, START)
                importer.import_pupils(
                    db, school, pupils_csv.read_bytes(), source="bench", by_name="b", by_title="b"
                )
                marks_csv = Path(tmp) / "marks.csv"
                result["marks"] += write_marks_csv(marks_csv, upns, dates, seed=n)
                started = time.perf_counter()
                with marks_csv.open("rb") as stream:
                    import_marks(
                        db, school, stream, source="import", description="bench", recorder=RECORDER,
                        reason="bench", today=date(2026, 7, 31),
                    )  # fmt: skip
                result["import_s"] += time.perf_counter() - started
                if report:
                    started = time.perf_counter()
                    rows = reports.attendance_rows(db, school, reports.Period(START, dates[-1]))
                    result["report_s"] = time.perf_counter() - started
                    result["report_rows"] = len(rows)
            print(f"  school {n + 1}/{schools} imported", file=sys.stderr, flush=True)
    result["marks_per_s"] = result["marks"] / result["import_s"]
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


if __name__ == "__main__":
    schools, pupils, days, report = (int(a) for a in sys.argv[1:5])
    print(json.dumps(scenario(schools, pupils, days, bool(report))))
