"""`make bench`: the register engine's speed on this machine, printed and written to instance/bench.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import normalise_url
from app.migrate import upgrade

PG_BASE = os.environ.get("TURNOUT_BENCH_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
SCENARIOS = {
    # name: (backend, schools, pupils per school, school days, time the report)
    "school_year_sqlite": ("sqlite", 1, 1500, 190, 1),
    "school_year_postgresql": ("postgresql", 1, 1500, 190, 1),
    "trust_autumn_postgresql": ("postgresql", 100, 600, 65, 0),
}


def _run(name: str, backend: str, args: tuple[int, ...]) -> dict:
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "TURNOUT_INSTANCE_PATH": instance}
        admin = None
        if backend == "sqlite":
            env["TURNOUT_DATABASE_URL"] = f"sqlite:///{instance}/bench.db"
        else:
            database = f"turnout_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(normalise_url(PG_BASE), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
            env["TURNOUT_DATABASE_URL"] = (
                make_url(normalise_url(PG_BASE)).set(database=database).render_as_string(hide_password=False)
            )
        try:
            upgrade(env["TURNOUT_DATABASE_URL"])
            print(
                f"{name}: {args[0]} school(s) x {args[1]} pupils x {args[2]} days ...",
                file=sys.stderr,
                flush=True,
            )
            out = subprocess.run(  # noqa: S603 - runs this repository's own worker module
                [sys.executable, "-m", "tests.bench.worker", *map(str, args)],
                env=env, check=True, capture_output=False, stdout=subprocess.PIPE, text=True, timeout=1800,
            )  # fmt: skip
            return json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                admin.dispose()


def main() -> None:
    results = {name: _run(name, backend, args) for name, (backend, *args) in SCENARIOS.items()}
    figures = {
        "import_marks_per_s.sqlite": results["school_year_sqlite"]["marks_per_s"],
        "import_marks_per_s.postgresql": results["school_year_postgresql"]["marks_per_s"],
        "import_marks_per_s.postgresql_trust_autumn": results["trust_autumn_postgresql"]["marks_per_s"],
        "import_peak_rss_mb": max(r["peak_rss_mb"] for r in results.values()),
        "report_attendance_school_year_s": results["school_year_postgresql"]["report_s"],
        "report_attendance_school_year_s.sqlite": results["school_year_sqlite"]["report_s"],
    }
    sizes = {
        name: {"schools": s, "pupils_per_school": p, "school_days": d, "marks": results[name]["marks"]}
        for name, (_backend, s, p, d, _r) in SCENARIOS.items()
    }
    print(f"\n{'figure':<46} {'value':>14}")
    for key, value in figures.items():
        print(f"{key:<46} {value:>14,.3f}")
    Path("instance").mkdir(exist_ok=True)
    Path("instance/bench.json").write_text(json.dumps({**figures, "sizes": sizes}, indent=2) + "\n")
    print("\nwritten to instance/bench.json")


if __name__ == "__main__":
    main()
