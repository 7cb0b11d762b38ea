"""The nightly benchmark job body stores one set of results per trust and UK day; latest() gives back the
same figures the engine computed; on PostgreSQL another trust's context sees none of the stored rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.benchmarks.engine import compute
from app.benchmarks.models import BenchmarkResult, BenchmarkRun, BenchmarkWeek
from app.benchmarks.periods import trust_periods
from app.benchmarks.store import latest, refresh
from app.storage import FolderStorage
from tenants import context
from tenants.access import system_context
from tenants.context import TenantContext
from tenants.models import Trust
from tests.benchmarks.sample import WEEK_ONE, WEEK_TWO, two_schools
from tests.conftest import World

# 23:30 UTC on Friday 19 September 2025 is 00:30 on Saturday 20 September in the UK (BST).
NOW = datetime(2025, 9, 19, 23, 30, tzinfo=UTC)


def _counts(db: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.scalar(select(func.count()).select_from(model))
        for model in (BenchmarkRun, BenchmarkResult, BenchmarkWeek)
    )


def _refresh(db: Session, world: World, tmp_path: Path, now: datetime = NOW) -> str:
    with context.use(system_context(db, "job:benchmarks", trust_id=world.trust_a.id)):
        trust = db.get(Trust, world.trust_a.id)
        assert trust is not None
        summary = refresh(db, FolderStorage(tmp_path), trust, now)
        db.commit()
        return summary


def test_refresh_twice_for_a_day_leaves_one_set(db: Session, world: World, tmp_path: Path) -> None:
    two_schools(db, world)
    first = _refresh(db, world, tmp_path)
    assert first.startswith("benchmarks for 2025-09-20: 2 schools, 3 periods")
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        once = _counts(db)
    assert once[0] == 1 and once[1] > 0 and once[2] > 0
    again = _refresh(db, world, tmp_path)
    assert again == "benchmarks for 2025-09-20 already computed for Alder Trust: nothing changed"
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        assert _counts(db) == once
    _refresh(db, world, tmp_path, datetime(2025, 9, 22, 6, 0, tzinfo=UTC))  # the next day adds a run
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        assert _counts(db) == (2, once[1] * 2, once[2] * 2)


def test_latest_gives_back_the_computed_figures(db: Session, world: World, tmp_path: Path) -> None:
    two_schools(db, world)
    _refresh(db, world, tmp_path)
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        trust = db.get(Trust, world.trust_a.id)
        assert trust is not None
        found = latest(db, trust)
        periods = trust_periods(db, trust, date(2025, 9, 20))
        fresh = compute(db, trust, {k: p.as_tuple() for k, p in periods.items()})
    assert found is not None and found.as_of == date(2025, 9, 20)
    assert set(found.periods) == {"ytd", "term", "half_term"}
    for key, bench in fresh.benchmarks.items():
        assert found.periods[key].rows() == bench.rows()
        assert found.periods[key].label == bench.label
    assert found.periods["ytd"].trust.attendance_rate == pytest.approx(846 / 860 * 100)
    # Weekly series: each school and the trust (None), week one all present, week two 846 of 860.
    assert found.weekly[None] == [(WEEK_ONE, 430, 430), (WEEK_TWO, 430, 416)]
    assert found.weekly[world.a1.id] == [(WEEK_ONE, 30, 30), (WEEK_TWO, 30, 18)]


def test_a_school_lead_reads_its_own_school_row_and_no_other(
    db: Session, world: World, tmp_path: Path
) -> None:
    two_schools(db, world)
    _refresh(db, world, tmp_path)
    with context.use(TenantContext.of([world.a1.id], [world.trust_a.id], "test:a1")):
        trust = db.get(Trust, world.trust_a.id)
        assert trust is not None
        found = latest(db, trust)
    assert found is not None
    assert [r.urn for r in found.periods["ytd"].schools] == [world.a1.urn]
    assert found.periods["ytd"].trust.enrolments == 43  # the trust row is the whole trust's
    assert set(found.weekly) == {None, world.a1.id}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # row-level security is PostgreSQL's
def test_rls_hides_trust_a_rows_from_trust_b(db: Session, world: World, tmp_path: Path) -> None:
    two_schools(db, world)
    _refresh(db, world, tmp_path)
    with context.use(system_context(db, "test", trust_id=world.trust_b.id)):
        db.execute(select(Trust.id)).all()  # begins the transaction with trust B's schools
        for table in ("benchmark_runs", "benchmark_results", "benchmark_weeks"):
            # Plain SQL, no ORM criteria: only the database's policies stand in the way.
            assert db.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0  # noqa: S608
        db.rollback()
    with context.use(TenantContext.of([world.a2.id], [world.trust_a.id], "test:a2")):
        db.execute(select(Trust.id)).all()
        schools = db.execute(text("SELECT DISTINCT school_id FROM benchmark_results")).scalars().all()
        assert set(schools) == {None, world.a2.id}
        db.rollback()
