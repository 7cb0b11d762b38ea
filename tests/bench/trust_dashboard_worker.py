"""Server time of the trust dashboard's callbacks for the demo trust with the most schools (make bench loads a
100-school, 60,000-pupil trust), over 200 requests through the whole Flask stack (guard, tenant context,
callback, JSON): the schools table and the charts in turn, across the three periods. Needs
TURNOUT_DATABASE_URL holding the demo; stores the nightly benchmark first if the demo has not. Prints JSON."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from app import create_app
from app.auth.models import User
from app.benchmarks import store
from app.clock import utcnow
from app.db import get_db
from app.demo import DEMO_PASSWORD
from app.storage import get_storage
from tenants import context
from tenants.access import system_context
from tenants.models import Membership, Role, School, Trust
from tests.helpers import SAME_SITE, dash_body, signed_in

REQUESTS = 200
UPDATE = "/dashboards/_dash-update-component"
PERIODS = ("ytd", "term", "half_term")
TABLE = [
    ("tr-summary", "children"),
    ("tr-grid", "rowData"),
    ("tr-grid", "dashGridOptions"),
    ("tr-csv", "href"),
]
CHARTS = [("tr-trend", "children"), ("tr-compare", "children"), ("tr-cohorts", "children")]


def _body(outputs: list[tuple[str, str]], slug: str, period: str) -> dict:
    return dash_body(outputs, [("tr-period", "value", period), ("tr-phase", "value", "all")],
                     [("tr-trust", "data", slug)])  # fmt: skip


def scenario() -> dict:
    app = create_app()
    with app.app_context(), get_db().session() as db:
        with context.use(system_context(db, "bench")):
            trust = db.scalars(
                select(Trust).join(School).group_by(Trust.id).order_by(func.count(School.id).desc())
            ).first()
            assert trust is not None, "load the demo first: turnout demo --schools 100 --pupils 60000"
            email = db.scalar(
                select(User.email).join(Membership, Membership.user_id == User.id)
                .where(Membership.trust_id == trust.id, Membership.role == Role.TRUST_LEADER)
            )  # fmt: skip
            schools = db.scalar(select(func.count()).where(School.trust_id == trust.id))
        with context.use(system_context(db, "job:benchmarks", trust_id=trust.id)):
            if store.latest(db, trust) is None:
                print(store.refresh(db, get_storage(), trust, utcnow()), flush=True)
                db.commit()
        slug = trust.slug
    client = signed_in(app.test_client(), email, DEMO_PASSWORD)
    bodies = [_body(outputs, slug, period) for period in PERIODS for outputs in (TABLE, CHARTS)]
    for body in bodies:  # warm up: first use of each callback
        assert client.post(UPDATE, json=body, headers=SAME_SITE).status_code == 200
    timings = []
    for i in range(REQUESTS):
        started = time.perf_counter()
        response = client.post(UPDATE, json=bodies[i % len(bodies)], headers=SAME_SITE)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    rows = client.post(UPDATE, json=bodies[0], headers=SAME_SITE).get_json()["response"]["tr-grid"]["rowData"]
    assert len(rows) == schools, (len(rows), schools)
    timings.sort()
    return {
        "schools": schools, "dashboard_trust_median_ms": timings[REQUESTS // 2],
        "dashboard_trust_max_ms": timings[-1], "dashboard_trust_p95_ms": timings[int(0.95 * REQUESTS) - 1],
        "requests": REQUESTS,
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(scenario()))
