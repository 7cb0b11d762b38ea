"""Server time of the weekly view's main callback for a 2,000-pupil school, over 200 requests through the
whole Flask stack (guard, tenant context, callback, JSON). Prints a JSON result."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from app import create_app
from app.admin import services as admin
from app.db import get_db
from app.registers import importer
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder, week_start
from tenants import context
from tenants.access import system_context
from tenants.models import Role
from tests.bench.data import school_days, write_marks_csv, write_pupils_csv
from tests.helpers import SAME_SITE, show_week_body, signed_in

START = date(2025, 9, 1)
PASSWORD = "a long benchmark passphrase"  # noqa: S105 - a throwaway account in a throwaway database
REQUESTS = 200


def scenario(pupils: int, days: int) -> dict:
    app = create_app()
    dates = school_days(START, days)
    with app.app_context(), get_db().session() as db, tempfile.TemporaryDirectory() as tmp:
        trust = admin.add_trust(db, "dash-trust", "Dashboard Benchmark Trust")
        school = admin.add_school(db, trust, 820000, "Dashboard School", "secondary", "926")
        admin.add_user(db, "lead@dash.example", "Lead", "Attendance lead", Role.SCHOOL_LEAD, school=school,
                       password=PASSWORD)  # fmt: skip
        db.commit()
        with context.use(system_context(db, "bench", trust_id=trust.id)):
            upns = write_pupils_csv(Path(tmp) / "pupils.csv", 0, pupils, START)
            importer.import_pupils(db, school, (Path(tmp) / "pupils.csv").read_bytes(), source="bench", by_name="b",
                                   by_title="b")  # fmt: skip
            write_marks_csv(Path(tmp) / "marks.csv", upns, dates, seed=7)
            with (Path(tmp) / "marks.csv").open("rb") as stream:
                import_marks(db, school, stream, source="import", description="bench",
                             recorder=Recorder(None, "Benchmark", "make bench"), reason="bench", today=dates[-1])  # fmt: skip
        urn = school.urn
    weeks = sorted({week_start(d) for d in dates})[-9:]  # up to nine weeks of registers, each viewed in turn
    client = signed_in(app.test_client(), "lead@dash.example", PASSWORD)
    for week in weeks:  # the first view of a week computes and keeps its snapshot
        client.post(
            "/dashboards/_dash-update-component",
            json=show_week_body(urn, week.isoformat()),
            headers=SAME_SITE,
        )
    timings = []
    for i in range(REQUESTS):
        body = show_week_body(urn, weeks[i % len(weeks)].isoformat())
        started = time.perf_counter()
        response = client.post("/dashboards/_dash-update-component", json=body, headers=SAME_SITE)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        assert len(response.get_json()["response"]["flags-grid"]["rowData"]) == pupils
    timings.sort()
    return {
        "requests": REQUESTS, "pupils": pupils,
        "dashboard_school_p95_ms": timings[int(0.95 * REQUESTS) - 1], "dashboard_school_median_ms": timings[REQUESTS // 2],
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(scenario(*(int(a) for a in sys.argv[1:3]))))
