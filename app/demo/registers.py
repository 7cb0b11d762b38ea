"""Turn pupils' profiles into register files: the marks as first taken, and the later corrections."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from app.demo.calendar import next_to_break
from app.demo.model import SPELL, Profile, absence_code, day_rate, start_chance

PRESENT = {"AM": "/", "PM": "\\"}
FIRST_DAY_CALL_SHARE = 0.35  # absences first entered as N, corrected once the reason is known
UNRESOLVED_DAYS = 2  # N still open on the last two school days
MISSING_MARK = 0.0002
SINGLE_SESSION = 0.1


@dataclass(frozen=True)
class DemoPupil:
    upn: str
    year_group: str
    admitted: date
    left: date | None
    profile: Profile


@dataclass(frozen=True)
class SchoolEvents:
    """Whole-school and year-group days: a snow day (Y2), trips (V). Closures are in the calendar."""

    snow_day: date | None
    trips: dict[str, date]


def school_events(rng: random.Random, days: list[date], year_groups: list[str], snow: bool) -> SchoolEvents:
    winter = [d for d in days if d.month in (12, 1, 2)]
    trips = {y: days[rng.randrange(len(days))] for y in year_groups if days and rng.random() < 0.7}
    return SchoolEvents(rng.choice(winter) if snow and winter else None, trips)


def pupil_lines(
    rng: random.Random, pupil: DemoPupil, days: list[date], events: SchoolEvents
) -> tuple[list[str], list[str]]:
    """One pupil's register lines and correction lines (upn,date,session,code,minutes_late)."""
    p = pupil.profile
    lines: list[str] = []
    corrections: list[str] = []
    edges = next_to_break(days)
    holiday = _holiday_days(rng, days, edges) if p.holiday_taker else set()
    excluded = _exclusion_days(rng, days) if p.excludable else set()
    absent = False
    last = len(days) - 1
    for i, day in enumerate(days):
        if day < pupil.admitted or (pupil.left and day > pupil.left):
            continue
        text = day.isoformat()
        if day == events.snow_day:
            code = "Y2" if rng.random() < 0.45 else None
            codes = {s: (code or PRESENT[s], "") for s in ("AM", "PM")}
        elif day in holiday:
            codes = {"AM": ("G", ""), "PM": ("G", "")}
        elif day in excluded:
            codes = {"AM": ("E", ""), "PM": ("E", "")}
        else:
            rate = day_rate(p, day, i / max(last, 1))
            absent = rng.random() < (SPELL if absent else start_chance(rate))
            codes = _day(rng, p, absent, events.trips.get(pupil.year_group) == day)
        for session in ("AM", "PM"):
            code, minutes = codes[session]
            if rng.random() < MISSING_MARK:
                continue
            if code not in ("/", "\\", "L", "U", "V", "Y2", "C2", "E", "G") and code != "N":
                if i > last - UNRESOLVED_DAYS:
                    code = "N"
                elif rng.random() < FIRST_DAY_CALL_SHARE:
                    corrections.append(f"{pupil.upn},{text},{session},{code},{minutes}\n")
                    code = "N"
            lines.append(f"{pupil.upn},{text},{session},{code},{minutes}\n")
    return lines, corrections


def _day(rng: random.Random, p: Profile, absent: bool, trip: bool) -> dict[str, tuple[str, str]]:
    if absent:
        code = absence_code(rng, p)
        if rng.random() < SINGLE_SESSION or code == "M":
            missed = rng.choice(("AM", "PM"))
            return {s: (code, "") if s == missed else (PRESENT[s], "") for s in ("AM", "PM")}
        return {"AM": (code, ""), "PM": (code, "")}
    if trip and rng.random() < 0.75:
        return {"AM": ("V", ""), "PM": ("V", "")}
    morning = (PRESENT["AM"], "")
    if rng.random() < p.lateness:
        morning = ("U", str(rng.randint(31, 70))) if rng.random() < 0.08 else ("L", str(_late_minutes(rng)))
    afternoon = ("C2", "") if p.part_time else (PRESENT["PM"], "")
    return {"AM": morning, "PM": afternoon}


def _late_minutes(rng: random.Random) -> int:
    return min(29, 2 + int(rng.expovariate(1 / 7)))


def _holiday_days(rng: random.Random, days: list[date], edges: list[bool]) -> set[date]:
    """Three to five days taken in term time, next to a break."""
    ends = [i for i, edge in enumerate(edges) if edge and 0 < i < len(days) - 1]
    if not ends:
        return set()
    anchor = rng.choice(ends)
    length = rng.randint(3, 5)
    before = anchor + 1 < len(days) and (days[anchor + 1] - days[anchor]).days > 3
    span = range(anchor - length + 1, anchor + 1) if before else range(anchor, anchor + length)
    return {days[i] for i in span if 0 <= i < len(days)}


def _exclusion_days(rng: random.Random, days: list[date]) -> set[date]:
    """A one-to-three-day suspension."""
    if len(days) < 10 or rng.random() > 0.5:
        return set()
    start = rng.randrange(5, len(days) - 4)
    return set(days[start : start + rng.randint(1, 3)])
