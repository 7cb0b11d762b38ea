"""The demo's statistical model of attendance (docs/demo-model.md says why each number).

Most pupils attend well; an at-risk group, larger among FSM, SEN and older secondary pupils and in
weaker schools, misses much more, and a few of them are severely absent. Days follow a two-state
chain (absences come in spells), modulated by weekday, season and a slide or recovery over the term.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

# Two groups of pupils (docs/demo-model.md): most attend well; an at-risk group, whose size cohorts
# and schools change, misses much more. Per phase: share at risk, mean absence of each group, and the
# share of the at-risk group's absence that is unauthorised. Chosen so that mean, PA and the
# authorised/unauthorised split land on England's 2025/26 figures (national_headlines.csv).
GROUPS = {
    "primary": (0.15, 0.034, 0.14, 0.42),
    "secondary": (0.225, 0.036, 0.25, 0.48),
    "special": (0.26, 0.045, 0.34, 0.28),
    "alternative": (0.75, 0.1, 0.35, 0.6),
}
LOW_UNAUTHORISED = 0.2
SEVERE = (0.06, 0.62)  # share of the at-risk group far out in the tail, and their mean absence
FSM_RISK = 4.5
SEN_RISK = {"N": 1.0, "K": 3.5, "E": 5.5}
YEAR_RISK = {"R": 1.1, "7": 0.75, "8": 0.95, "9": 1.08, "10": 1.15, "11": 1.25}
WEEKDAY = (1.12, 0.93, 0.92, 0.96, 1.07)
SEASON = {
    8: 0.8,
    9: 0.8,
    10: 1.0,
    11: 1.12,
    12: 1.3,
    1: 1.25,
    2: 1.15,
    3: 1.0,
    4: 0.9,
    5: 0.85,
    6: 0.85,
    7: 0.9,
}
SPELL = 0.25  # chance an absence runs into the next day


@dataclass
class Profile:
    """What the model decides about one pupil before any day is generated."""

    rate: float  # long-run share of days absent
    unauthorised_share: float
    lateness: float
    trend: float  # -1 recovering ... +1 sliding
    holiday_taker: bool
    part_time: bool
    excludable: bool


def profile(
    rng: random.Random, phase: str, year_group: str, fsm: bool, sen: str, school_factor: float
) -> Profile:
    share, low, high, high_unauthorised = GROUPS[phase]
    risk = (FSM_RISK if fsm else 1.0) * SEN_RISK[sen] * YEAR_RISK.get(year_group, 1.0) * school_factor
    at_risk = rng.random() < min(0.95, share * risk / _risk_mean(phase))
    if not at_risk:
        rate, unauthorised = low * rng.gammavariate(3.0, 1 / 3.0), LOW_UNAUTHORISED
    elif rng.random() < SEVERE[0]:
        rate, unauthorised = SEVERE[1] * rng.gammavariate(8.0, 1 / 8.0), 0.75
    else:
        rest = (high - SEVERE[0] * SEVERE[1]) / (1 - SEVERE[0])
        rate, unauthorised = rest * rng.gammavariate(6.0, 1 / 6.0), high_unauthorised
    roll = rng.random()
    return Profile(
        rate=min(0.97, rate),
        unauthorised_share=unauthorised,
        lateness=0.015 + 0.08 * min(rate, 0.5),
        trend=1.0 if roll < 0.03 else -1.0 if roll < 0.06 else 0.0,
        holiday_taker=rng.random() < 0.035,
        part_time=rate > 0.35 and rng.random() < 0.15,
        excludable=phase == "secondary" and at_risk and rng.random() < 0.12,
    )


def _risk_mean(phase: str) -> float:
    """The average risk factor at national proportions, so cohorts move pupils between groups
    without moving the phase's share at risk."""
    fsm = 0.26 * FSM_RISK + 0.74
    sen = 0.81 + 0.14 * SEN_RISK["K"] + 0.05 * SEN_RISK["E"] if phase != "special" else SEN_RISK["E"]
    years = {"primary": ("R", "1", "2", "3", "4", "5", "6"), "secondary": ("7", "8", "9", "10", "11")}.get(
        phase
    )
    year = sum(YEAR_RISK.get(y, 1.0) for y in years) / len(years) if years else 1.0
    return fsm * sen * year


def day_rate(p: Profile, day: date, progress: float) -> float:
    """Chance of being absent on a day: the pupil's rate by weekday, season and trend."""
    trend = math.exp(p.trend * (progress - 0.5) * 2.0)
    return min(0.98, p.rate * WEEKDAY[day.weekday()] * SEASON[day.month] * trend)


def start_chance(rate: float) -> float:
    """The chance of a new spell that gives `rate` as the chain's share of absent days."""
    return min(0.99, rate * (1 - SPELL) / max(1e-9, 1 - rate))


AUTHORISED = (("I", 0.84), ("M", 0.05), ("C", 0.07), ("R", 0.02), ("T", 0.02))
UNAUTHORISED = (("O", 0.9), ("G", 0.1))


def absence_code(rng: random.Random, p: Profile) -> str:
    table = UNAUTHORISED if rng.random() < p.unauthorised_share else AUTHORISED
    pick = rng.random()
    for code, share in table:
        pick -= share
        if pick <= 0:
            return code
    return table[0][0]
