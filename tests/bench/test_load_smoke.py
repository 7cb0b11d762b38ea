"""The load run's users still get through every task against today's app (not timed: `make bench` times it).

A few seconds of tests/bench/load.py on a one-school demo: gunicorn with one worker, eight locust users with
pauses of a fiftieth, and not one failed request or error in the users' own code."""

from __future__ import annotations

import pytest

from tests.bench.load import Settings, scenario
from tests.conftest import PG_URL

SMOKE = Settings(users=8, seconds=8, spawn_rate=8, workers=1, schools=1, pupils=120, weeks=2, pace=0.02)
EVERY_TASK = {
    "POST /login", "GET /schools/[urn]", "GET /schools/[urn]/registers", "POST /schools/[urn]/registers",
    "GET /dashboards/schools/[urn]/week", "POST /dashboards/_dash-update-component page router",
    "POST /dashboards/_dash-update-component flags-week",
    "POST /dashboards/_dash-update-component flags-week filtered",
    "GET /dashboards/trusts/[slug]", "POST /dashboards/_dash-update-component tr-grid",
    "POST /dashboards/_dash-update-component tr-charts", "POST /api/v1/schools/[urn]/marks",
}  # fmt: skip


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # the run makes its own database
def test_every_user_of_the_load_run_gets_through_its_tasks(database_url: str) -> None:
    assert PG_URL
    result = scenario(SMOKE, PG_URL)
    sizes = result["sizes"]
    assert sizes["failures"] == 0, sizes
    assert result["load_error_rate"] == 0
    never = EVERY_TASK - set(sizes["p95_ms_by_request"])
    assert not never, f"never requested: {sorted(never)}"
