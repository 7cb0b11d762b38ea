"""`make bench`: the register engine's speed on this machine, printed and written to instance/bench.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.migrate import upgrade
from tests.databases import fresh_postgres

PG_BASE = os.environ.get("TURNOUT_BENCH_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
DEMO_ARGS = ["demo", "--schools", "100", "--pupils", "60000", "--start", "2025-09-01", "--weeks", "15"]
DASHBOARD_ARGS = (2000, 60)  # pupils, school days of registers
FLAGS_ARGS = (100, 600, 190)  # schools, pupils per school, school days: 22.8 million marks
SCENARIOS = {
    # name: (backend, schools, pupils per school, school days, time the report)
    "school_year_sqlite": ("sqlite", 1, 1500, 190, 1),
    "school_year_postgresql": ("postgresql", 1, 1500, 190, 1),
    "trust_autumn_postgresql": ("postgresql", 100, 600, 65, 0),
}


@contextmanager
def _database(backend: str, instance: str) -> Iterator[str]:
    """A fresh, migrated database for one scenario, dropped afterwards on PostgreSQL."""
    if backend == "sqlite":
        url = f"sqlite:///{instance}/bench.db"
        upgrade(url)
        yield url
        return
    with fresh_postgres(PG_BASE, "turnout_bench") as url:
        yield url


def _demo_trust() -> tuple[float, dict, dict]:
    """Seconds for `turnout demo` to load a 100-school, 60,000-pupil trust's autumn term on PostgreSQL; then,
    on that trust, the nightly benchmark job and the trust dashboard's callbacks."""
    with tempfile.TemporaryDirectory() as instance, _database("postgresql", instance) as url:
        env = {**os.environ, "TURNOUT_INSTANCE_PATH": instance, "TURNOUT_DATABASE_URL": url}
        print(f"demo_trust_postgresql: {DEMO_ARGS}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "app.cli", *DEMO_ARGS], env=env, check=True, timeout=1800)  # noqa: S603 - this repository's own CLI
        seconds = time.perf_counter() - started
        benchmark = _figures("benchmark_job_trust", "tests.bench.benchmark_worker", (), env)
        dashboard = _figures("dashboard_trust", "tests.bench.trust_dashboard_worker", (), env)
        return seconds, benchmark, dashboard


def _figures(name: str, module: str, args: tuple[int, ...], env: dict[str, str]) -> dict:
    """Run one benchmark worker in its own process (so its peak memory is its own); it prints its figures
    as JSON on its last line."""
    print(f"{name}: {' '.join(map(str, args))} ...", file=sys.stderr, flush=True)
    out = subprocess.run(  # noqa: S603 - runs this repository's own worker module
        [sys.executable, "-m", module, *map(str, args)],
        env=env, check=True, stdout=subprocess.PIPE, text=True, timeout=3600,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def _worker(name: str, backend: str, module: str, args: tuple[int, ...]) -> dict:
    """A worker on a fresh database of its own, dropped afterwards."""
    with tempfile.TemporaryDirectory() as instance, _database(backend, instance) as url:
        env = {**os.environ, "TURNOUT_INSTANCE_PATH": instance, "TURNOUT_DATABASE_URL": url}
        return _figures(name, module, args, env)


def main() -> None:
    results = {
        name: _worker(name, backend, "tests.bench.worker", tuple(args))
        for name, (backend, *args) in SCENARIOS.items()
    }
    demo_seconds, benchmark, trust_dashboard = _demo_trust()
    # Weekly flags for a 100-school trust's full year, with the DuckDB reference on the same marks.
    flags = _worker("flags_trust_postgresql", "postgresql", "tests.bench.flags_worker", FLAGS_ARGS)
    # Server time of the weekly view's callback for a 2,000-pupil school, 200 requests.
    dashboard = _worker(
        "dashboard_school_postgresql", "postgresql", "tests.bench.dashboard_worker", DASHBOARD_ARGS
    )
    load = _figures("load_postgresql", "tests.bench.load", (), dict(os.environ))  # 100 users, gunicorn -w 4
    figures = {
        "import_marks_per_s.sqlite": results["school_year_sqlite"]["marks_per_s"],
        "import_marks_per_s.postgresql": results["school_year_postgresql"]["marks_per_s"],
        "import_marks_per_s.postgresql_trust_autumn": results["trust_autumn_postgresql"]["marks_per_s"],
        "import_peak_rss_mb": max(r["peak_rss_mb"] for r in results.values()),
        "report_attendance_school_year_s": results["school_year_postgresql"]["report_s"],
        "report_attendance_school_year_s.sqlite": results["school_year_sqlite"]["report_s"],
        "demo_load_trust_s": demo_seconds,
        "flags_recompute_trust_s": flags["flags_recompute_trust_s"],
        "flags_reference_duckdb_s": flags["flags_reference_duckdb_s"],
        "flags_incremental_day_s": flags["flags_incremental_day_s"],
        "dashboard_school_p95_ms": dashboard["dashboard_school_p95_ms"],
        "benchmark_job_trust_s": benchmark["benchmark_job_trust_s"],
        "dashboard_trust_p95_ms": trust_dashboard["dashboard_trust_p95_ms"],
        "load_p95_ms": load["load_p95_ms"],
        "load_error_rate": load["load_error_rate"],  # percent of requests
    }
    sizes = {
        name: {"schools": s, "pupils_per_school": p, "school_days": d, "marks": results[name]["marks"]}
        for name, (_backend, s, p, d, _r) in SCENARIOS.items()
    }
    sizes["demo_trust_postgresql"] = {"arguments": " ".join(DEMO_ARGS)}
    sizes["benchmark_job_trust"] = {k: v for k, v in benchmark.items() if k != "benchmark_job_trust_s"}
    sizes["dashboard_trust"] = {k: v for k, v in trust_dashboard.items() if k != "dashboard_trust_p95_ms"}
    sizes["flags_trust_postgresql"] = {
        "schools": FLAGS_ARGS[0], "pupils_per_school": FLAGS_ARGS[1], "school_days": FLAGS_ARGS[2],
        "marks": flags["marks"], "snapshots": flags["snapshots"],
    }  # fmt: skip
    sizes["dashboard_school_postgresql"] = {"pupils": DASHBOARD_ARGS[0], "school_days": DASHBOARD_ARGS[1],
                                             "requests": dashboard["requests"]}  # fmt: skip
    sizes["load_postgresql"] = load["sizes"]
    print(f"\n{'figure':<46} {'value':>14}")
    for key, value in figures.items():
        print(f"{key:<46} {value:>14,.3f}")
    Path("instance").mkdir(exist_ok=True)
    Path("instance/bench.json").write_text(json.dumps({**figures, "sizes": sizes}, indent=2) + "\n")
    print("\nwritten to instance/bench.json")


if __name__ == "__main__":
    main()
