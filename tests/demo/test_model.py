"""The demo generator on a fixed seed, checked against England's published 2025/26 figures."""

from __future__ import annotations

import csv
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from app.demo.trust import SchoolPlace, generate_school, period, sizes_for
from app.registers.codes import CODES
from app.registers.measures import Counts, contribution

HEADLINES = Path(__file__).resolve().parents[2] / "app" / "reference" / "national_headlines.csv"
PHASES = ["primary"] * 20 + ["secondary"] * 8 + ["special"] * 6
DAYS = period(date(2025, 9, 1), 24, date(2026, 7, 1))  # autumn and spring to February half-term
CONTRIBUTION = {code: contribution(c, None) for code, c in CODES.items()}


@dataclass
class Generated:
    pupils: list[tuple[str, dict, Counts]]  # phase, admission register row, counts
    by_weekday: dict[int, Counts]
    by_month: dict[int, Counts]


def _counts(codes: Counter[str]) -> Counts:
    totals = [0] * 9
    for code, n in codes.items():
        for i, value in enumerate(CONTRIBUTION[code]):
            totals[i] += value * n
    return Counts(*totals)


@pytest.fixture(scope="module")
def trust() -> Generated:
    return generate()


def generate(seed: int = 2026) -> Generated:
    """The whole trust through the demo's own generator, tallied with the product's measures."""
    rng = random.Random(seed)  # noqa: S311 - the demo's own reproducible generator
    sizes = sizes_for(PHASES, 20_000, rng)
    pupils, weekday, month = [], defaultdict(Counter), defaultdict(Counter)
    for n, (phase, size) in enumerate(zip(PHASES, sizes, strict=True)):
        data = generate_school(rng, SchoolPlace(140000 + n, "926"), phase, size, DAYS)
        fixed = {tuple(line.split(",")[:3]): line.split(",")[3] for line in data.corrections.splitlines()[1:]}
        codes: dict[str, Counter[str]] = defaultdict(Counter)
        for line in data.register.splitlines()[1:]:
            upn, day, session, code, _minutes = line.split(",")
            code = fixed.get((upn, day, session), code)
            codes[upn][code] += 1
            when = date.fromisoformat(day)
            weekday[when.weekday()][code] += 1
            month[when.month][code] += 1
        pupils += [(phase, row, _counts(codes[row["upn"]])) for row in data.pupils]
    return Generated(
        pupils, {k: _counts(v) for k, v in weekday.items()}, {k: _counts(v) for k, v in month.items()}
    )


def _national() -> dict[str, dict[str, float]]:
    with HEADLINES.open(newline="") as f:
        return {
            row["phase"]: {k: float(v) for k, v in row.items() if k.endswith("_pct") and v}
            for row in csv.DictReader(f)
            if row["period"] == "2025/26 year to date"
        }


def test_a_trust_of_twenty_thousand_pupils(trust: Generated) -> None:
    assert len(trust.pupils) >= 20_000
    assert len(DAYS) >= 90


@pytest.mark.parametrize("phase", ["primary", "secondary", "special"])
def test_absence_by_phase_matches_england(trust: Generated, phase: str) -> None:
    national = _national()[phase]
    counted = [c for p, _row, c in trust.pupils if p == phase and c.possible]
    pooled = sum(counted, Counts())
    persistent = sum(bool(c.persistent) for c in counted) / len(counted) * 100
    severe = sum(bool(c.severe) for c in counted) / len(counted) * 100
    assert pooled.absence_rate == pytest.approx(national["overall_absence_pct"], abs=1.0)
    assert persistent == pytest.approx(national["persistent_absence_pct"], abs=3.0)
    assert 0 < severe < 5


def test_fsm_and_sen_pupils_are_absent_more_by_the_published_ratios(trust: Generated) -> None:
    def rate(keep) -> float:  # type: ignore[no-untyped-def]
        return sum((c for _p, row, c in trust.pupils if keep(row)), Counts()).absence_rate

    mainstream = [(p, row, c) for p, row, c in trust.pupils if p != "special"]
    assert mainstream
    fsm = rate(lambda r: r["fsm"] == "Y") / rate(lambda r: r["fsm"] == "N")
    support = rate(lambda r: r["sen"] == "K") / rate(lambda r: r["sen"] == "N")
    ehcp = rate(lambda r: r["sen"] == "E") / rate(lambda r: r["sen"] == "N")
    # Published autumn 2024/25: FSM 10.0% v 5.2%; SEN support 10.1%, EHC plan 13.1%, no SEN 5.8%.
    assert fsm == pytest.approx(10.0 / 5.2, rel=0.2)
    assert support == pytest.approx(10.1 / 5.8, rel=0.2)
    assert ehcp == pytest.approx(13.1 / 5.8, rel=0.2)


def test_mondays_fridays_and_winter_are_worse(trust: Generated) -> None:
    rate = {d: c.absence_rate for d, c in trust.by_weekday.items()}
    midweek = max(rate[1], rate[2], rate[3])
    assert rate[0] > midweek and rate[4] > midweek
    overall = sum(trust.by_month.values(), Counts()).absence_rate
    assert trust.by_month[12].absence_rate > overall and trust.by_month[1].absence_rate > overall
    assert trust.by_month[9].absence_rate < overall
