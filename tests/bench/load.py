"""`make bench` load figures: 100 locust users (staff taking registers, leads and trust leaders on their
dashboards, MIS integrations posting marks) against gunicorn with 4 workers on PostgreSQL, for 5 minutes.

Loads an 8-school demo trust into a fresh database with the last week's registers left to take, serves it
with infra/gunicorn.conf.py on a free port of 127.0.0.1, runs locust headless in its own process (gevent
patches everything it imports), and always stops gunicorn and drops the database. TURNOUT_LOAD_SECONDS and
TURNOUT_LOAD_USERS shorten a run while developing. Prints JSON on its last line: `load_p95_ms` (p95 of
every request, locust's aggregated row) and `load_error_rate` (failed requests as a PERCENT of all requests,
so the issue's "under 0.1%" reads as `load_error_rate < 0.1`)."""

from __future__ import annotations

import csv
import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select

from app import create_app
from app.api.services import create_token
from app.auth.models import User
from app.db import get_db
from app.demo import DEMO_PASSWORD
from app.registers.marks import Mark
from app.registers.models import Pupil
from app.registers.services import forms_of
from tenants import context
from tenants.access import system_context
from tenants.models import Membership, Role, School, Trust
from tests.bench.run import PG_BASE
from tests.databases import fresh_postgres

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
HOST = "127.0.0.1"  # the only address a load run may target
MIS_DAYS = 10  # an MIS re-sends one of the last ten days of registers


@dataclass(frozen=True)
class Settings:
    """One load run; make bench's by default, a few seconds of everything for the smoke test."""

    users: int = int(os.environ.get("TURNOUT_LOAD_USERS", "100"))
    seconds: int = int(os.environ.get("TURNOUT_LOAD_SECONDS", "300"))  # with every user signed in
    spawn_rate: int = 1  # users signing in a second: a Monday morning rush (argon2id: 0.2 s of CPU each)
    workers: int = 4
    schools: int = 8  # one trust's staff: two secondaries, five primaries, a special school
    pupils: int = 5000
    weeks: int = 12
    pace: float = 1.0  # every pause for thought is multiplied by this

    @property
    def ramp(self) -> int:
        return -(-self.users // self.spawn_rate)


def _last_monday(today: date) -> date:
    return today - timedelta(days=today.weekday() + 7)


def _load_demo(env: dict[str, str], today: date, run: Settings) -> list[str]:
    """Weeks of registers up to last week, which is left to take: the days staff mark in the run."""
    start = _last_monday(today) - timedelta(weeks=run.weeks)
    args = ["demo", "--schools", str(run.schools), "--pupils", str(run.pupils), "--start", start.isoformat(),
            "--weeks", str(run.weeks)]  # fmt: skip
    print(f"load: turnout {' '.join(args)}", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, check=True, timeout=1200,  # noqa: S603 - this repository's own CLI
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return args


def _analyze(url: str) -> None:
    """Table statistics, as autovacuum gathers them after a bulk load (this server may run without it)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def _plan(today: date, env: dict[str, str]) -> dict:
    """Who signs in where, each school's forms and classes, and an API token per school made for the run."""
    marking = [_last_monday(today) + timedelta(days=d) for d in range((today - _last_monday(today)).days + 1)]
    app = create_app({"DATABASE_URL": env["TURNOUT_DATABASE_URL"], "INSTANCE_PATH": env["TURNOUT_INSTANCE_PATH"],
                      "SECRET_KEY": env["TURNOUT_SECRET_KEY"]})  # fmt: skip
    schools = []
    with app.app_context(), get_db().session() as db, context.use(system_context(db, "bench:load")):
        people = {
            (m.trust_id, m.school_id, m.role): user
            for m, user in db.execute(select(Membership, User).join(User, User.id == Membership.user_id))
        }
        trusts = [{"slug": t.slug, "leader": people[(t.id, None, Role.TRUST_LEADER)].email}
                  for t in db.scalars(select(Trust))]  # fmt: skip
        slugs = {t.id: t.slug for t in db.scalars(select(Trust))}
        for school in db.scalars(select(School).order_by(School.urn)):
            lead = people[(None, school.id, Role.SCHOOL_LEAD)]
            _row, token = create_token(db, school, "Load run MIS", by_id=lead.id, by_name=lead.name)
            days = db.scalars(
                select(Mark.date).where(Mark.school_id == school.id).distinct().order_by(Mark.date.desc())
                .limit(MIS_DAYS)
            ).all()  # fmt: skip
            classes: dict[str, list[list[str | None]]] = {}
            for form, upn, admitted, left in db.execute(
                select(Pupil.form, Pupil.upn, Pupil.admission_date, Pupil.leaving_date)
                .where(Pupil.school_id == school.id, Pupil.form.is_not(None)).order_by(Pupil.upn)
            ):  # fmt: skip
                classes.setdefault(form, []).append([upn, admitted.isoformat(), left and left.isoformat()])
            schools.append({
                "urn": school.urn, "trust": slugs[school.trust_id], "token": token,
                "staff": people[(None, school.id, Role.STAFF)].email, "lead": lead.email,
                "forms": forms_of(db, school), "classes": classes, "mis_days": [d.isoformat() for d in days],
            })  # fmt: skip
        pupils = db.scalar(select(func.count()).select_from(Pupil))
        marks = db.scalar(select(func.count()).select_from(Mark))
    app.extensions["turnout.db"].engine.dispose()  # before the database is dropped
    return {
        "password": DEMO_PASSWORD, "marking_days": [d.isoformat() for d in marking if d.weekday() < 5],
        "trusts": trusts, "schools": schools, "pupils": pupils, "marks": marks,
    }  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """gunicorn and locust get SIGTERM if this process dies, so a killed bench leaves neither behind (Linux)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextmanager
def _gunicorn(env: dict[str, str], port: int, log: Path, workers: int) -> Iterator[subprocess.Popen]:
    """gunicorn with infra/gunicorn.conf.py on 127.0.0.1:port, ready to answer; stopped on the way out."""
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - gunicorn from this virtualenv
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "infra" / "gunicorn.conf.py")],
            env={**env, "TURNOUT_BIND": f"{HOST}:{port}", "TURNOUT_WEB_WORKERS": str(workers)},
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        )  # fmt: skip
        try:
            _wait_ready(server, port, workers)
            yield server
        finally:
            server.terminate()
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def _wait_ready(server: subprocess.Popen, port: int, workers: int, seconds: float = 90) -> None:
    """Until the workers answer /login (twice as many answers as workers), at most `seconds`."""
    deadline = time.monotonic() + seconds
    answered = 0
    while answered < 2 * workers:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before answering")
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not answer on {HOST}:{port} within {seconds:.0f} s")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/login", timeout=5) as response:
                answered += response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)


def _locust(host: str, plan: Path, prefix: Path, log: Path, run: Settings) -> None:
    """locust headless: the users started spawn_rate a second, then `seconds` with all of them (the figures
    count the start too); killed if it overruns by three minutes."""
    if not host.startswith(f"http://{HOST}:"):
        raise ValueError(f"a load run targets {HOST} only, not {host}")
    args = ["--headless", "-u", str(run.users), "-r", str(run.spawn_rate), "-t", f"{run.ramp + run.seconds}s", "--host", host,
            "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", "--exit-code-on-error", "0"]  # fmt: skip
    with log.open("wb") as out:
        subprocess.run(  # noqa: S603 - locust from this virtualenv
            [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args],
            env={**os.environ, "TURNOUT_LOAD_PLAN": str(plan), "TURNOUT_LOAD_PACE": str(run.pace)}, stdout=out,
            stderr=subprocess.STDOUT, check=True, timeout=run.ramp + run.seconds + 180, preexec_fn=_die_with_parent,
        )  # fmt: skip


def _read_stats(prefix: Path) -> tuple[dict, dict[str, dict]]:
    """locust's aggregated row and one row per named request."""
    with Path(f"{prefix}_stats.csv").open() as f:
        rows = list(csv.DictReader(f))
    by_name = {
        f"{r['Type']} {r['Name']}": {"requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                                     "median_ms": float(r["50%"]), "p95_ms": float(r["95%"])}
        for r in rows if r["Name"] != "Aggregated"
    }  # fmt: skip
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return total, by_name


def _failures(prefix: Path) -> list[str]:
    with Path(f"{prefix}_failures.csv").open() as f:
        return [f"{r['Occurrences']} x {r['Method']} {r['Name']}: {r['Error']}" for r in csv.DictReader(f)]


def _exceptions(prefix: Path) -> list[str]:
    """Errors in the users' own code: a locustfile out of step with the app fails the run, never hides."""
    with Path(f"{prefix}_exceptions.csv").open() as f:
        return [f"{r['Count']} x {r['Message']}\n{r['Traceback']}" for r in csv.DictReader(f)]


def scenario(run: Settings, server: str = PG_BASE) -> dict:
    """The run on a fresh database of `server`, dropped afterwards with gunicorn stopped, whatever happens."""
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp, fresh_postgres(server, "turnout_load") as url:
        instance = Path(tmp)
        env = {
            **os.environ, "TURNOUT_INSTANCE_PATH": str(instance), "TURNOUT_DATABASE_URL": url,
            "TURNOUT_STORAGE_URL": f"file://{instance}/objects", "TURNOUT_SECRET_KEY": secrets.token_urlsafe(48),
            "TURNOUT_ENV": "development", "TURNOUT_SECURE_COOKIES": "0",  # plain http on the loopback
            "TURNOUT_LOGIN_LIMIT": "10000 per minute",  # 100 users sign in from one address
        }  # fmt: skip
        demo = _load_demo(env, today, run)
        _analyze(url)
        plan = _plan(today, env)
        (instance / "plan.json").write_text(json.dumps(plan))
        port = _free_port()
        print(f"load: {run.users} users for {run.seconds} s on gunicorn -w {run.workers}, {HOST}:{port}",
              file=sys.stderr, flush=True)  # fmt: skip
        try:
            with _gunicorn(env, port, instance / "gunicorn.log", run.workers):
                _locust(
                    f"http://{HOST}:{port}",
                    instance / "plan.json",
                    instance / "locust",
                    instance / "locust.log",
                    run,
                )
        except Exception:
            for name in ("gunicorn.log", "locust.log"):
                if (instance / name).exists():
                    tail = (instance / name).read_text(errors="replace").splitlines()[-40:]
                    print(f"--- {name}\n" + "\n".join(tail), file=sys.stderr)
            raise
        total, endpoints = _read_stats(instance / "locust")
        failures, exceptions = _failures(instance / "locust"), _exceptions(instance / "locust")
    if exceptions:
        raise RuntimeError("the load run's users raised:\n" + "\n".join(exceptions))
    requests, failed = int(total["Request Count"]), int(total["Failure Count"])
    assert requests > 0, "locust made no requests"
    print(f"\n{'request':<64} {'count':>7} {'failed':>6} {'median ms':>10} {'p95 ms':>8}", file=sys.stderr)
    for name, row in sorted(endpoints.items(), key=lambda item: -item[1]["p95_ms"]):
        print(f"{name:<64} {row['requests']:>7} {row['failures']:>6} {row['median_ms']:>10.0f} {row['p95_ms']:>8.0f}",
              file=sys.stderr)  # fmt: skip
    for line in failures:
        print(f"failed: {line}", file=sys.stderr)
    print(f"load_p95_ms {float(total['95%']):.0f}; load_error_rate {100 * failed / requests:.3f} percent "
          f"({failed} of {requests} requests failed)", file=sys.stderr)  # fmt: skip
    return {
        "load_p95_ms": float(total["95%"]),
        "load_error_rate": 100 * failed / requests,
        "sizes": {
            "users": run.users, "seconds": run.seconds, "ramp_seconds": run.ramp, "spawn_rate": run.spawn_rate,
            "workers": run.workers,
            "requests": requests, "failures": failed, "requests_per_s": float(total["Requests/s"]), "median_ms": float(total["50%"]),
            "demo": " ".join(demo), "schools": len(plan["schools"]), "pupils": plan["pupils"], "marks": plan["marks"],
            "p95_ms_by_request": {name: row["p95_ms"] for name, row in endpoints.items()},
        },
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(scenario(Settings())))
