"""DfE attendance measures: rates pool sessions; PA and SA compare a pupil's own sessions."""

from __future__ import annotations

from dataclasses import dataclass, fields

from app.registers.codes import AEA, AUTHORISED, PRESENT, UNAUTHORISED, Code

PERSISTENT_SHARE = 10  # absence of 1/10 or more of possible sessions
SEVERE_SHARE = 2  # absence of 1/2 or more


def rate(part: float, possible: float) -> float | None:
    """Percent of possible sessions, unrounded; None when nothing was possible."""
    return part / possible * 100 if possible else None


def change_pp(now: float | None, before: float | None) -> float | None:
    """A rate's change in percentage points; None when either rate is missing."""
    return now - before if now is not None and before is not None else None


def is_persistent(absent: int, possible: int) -> bool | None:
    """Absence of 10% or more (so exactly 90.0% attendance is persistent absence)."""
    return absent * PERSISTENT_SHARE >= possible if possible else None


def is_severe(absent: int, possible: int) -> bool | None:
    """Absence of 50% or more."""
    return absent * SEVERE_SHARE >= possible if possible else None


@dataclass
class Counts:
    """Session counts for any pupil, group and period; adding them pools sessions."""

    marked: int = 0
    possible: int = 0
    present: int = 0
    aea: int = 0
    authorised: int = 0
    unauthorised: int = 0
    late: int = 0
    minutes_late: int = 0
    illness: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Counts)))

    @property
    def attended(self) -> int:
        return self.present + self.aea

    @property
    def absent(self) -> int:
        return self.authorised + self.unauthorised

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.attended, self.possible)

    @property
    def absence_rate(self) -> float | None:
        return rate(self.absent, self.possible)

    @property
    def persistent(self) -> bool | None:
        return is_persistent(self.absent, self.possible)

    @property
    def severe(self) -> bool | None:
        return is_severe(self.absent, self.possible)

    @property
    def days_missed(self) -> float:
        return self.absent / 2

    def lessons_missed(self, lessons_per_day: int) -> float:
        return self.absent / 2 * lessons_per_day


COUNTERS = tuple(f.name for f in fields(Counts))


def contribution(code: Code, minutes_late: int | None) -> tuple[int, ...]:
    """What one mark adds to each counter, in COUNTERS order."""
    possible = int(code.counts_in_possible)
    return (
        1,
        possible,
        int(code.category == PRESENT),
        int(code.category == AEA),
        int(code.category == AUTHORISED),
        int(code.category == UNAUTHORISED),
        int(code.code == "L"),
        minutes_late or 0,
        int(code.code == "I"),
    )


def quantity(amount: float, unit: str) -> str:
    """A number with its unit: "1 day", "4.5 days", "15 lessons" (at most one decimal place)."""
    text = f"{amount:.1f}".removesuffix(".0")
    return f"{text} {unit}" + ("" if text == "1" else "s")


def describe_absence(counts: Counts, lessons_per_day: int) -> str:
    """A plain sentence in days and lessons, as letters and parents need it."""
    if not counts.possible:
        return "No sessions were possible in this period."
    days = counts.days_missed
    lessons = counts.lessons_missed(lessons_per_day)
    rate_text = f"{counts.attendance_rate:.1f}%"
    day_word = "day" if days == 1 else "days"
    return (
        f"Missed {days:g} {day_word} ({lessons:g} lessons) out of {counts.possible / 2:g} possible days: "
        f"attendance {rate_text}."
    )
