"""What a benchmark holds: rows per school, the pooled trust row, and LA and England reference rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

COHORT_KEYS = ("fsm", "not_fsm", "sen_support", "ehc_plan", "no_sen", "female", "male")
COHORT_LABELS = {
    "fsm": "Free school meals", "not_fsm": "Not free school meals", "sen_support": "SEN support",
    "ehc_plan": "EHC plan", "no_sen": "No SEN", "female": "Female", "male": "Male",
}  # fmt: skip
# Gaps dashboards show: (name, cohort, compared with); attendance of the first minus the second, in pp.
GAPS = (("FSM gap", "fsm", "not_fsm"), ("SEN support gap", "sen_support", "no_sen"),
        ("EHC plan gap", "ehc_plan", "no_sen"), ("Sex gap (female - male)", "female", "male"))  # fmt: skip


def cohort_label(key: str) -> str:
    return f"Year {key.split(':', 1)[1]}" if key.startswith("year:") else COHORT_LABELS.get(key, key)


def percent(part: float | None, whole: float | None) -> float | None:
    """Percent, unrounded; None when the whole is zero or unknown."""
    return float(part) / float(whole) * 100 if part is not None and whole else None


def _compared(phase: str) -> str:
    """The schools a school's phase is compared with in DfE's figures (alternative provision: all)."""
    return f"{phase.lower()} schools" if phase in ("Primary", "Secondary", "Special") else "all schools"


@dataclass
class CohortFigures:
    """One cohort's pooled figures: rates of pooled sessions, PA/SA as a percent of enrolments."""

    enrolments: int
    possible_sessions: int
    attended_sessions: int
    absent_sessions: int
    persistent: int
    severe: int

    @property
    def attendance_rate(self) -> float | None:
        return percent(self.attended_sessions, self.possible_sessions)

    @property
    def absence_rate(self) -> float | None:
        return percent(self.absent_sessions, self.possible_sessions)

    @property
    def persistent_rate(self) -> float | None:
        return percent(self.persistent, self.enrolments)

    @property
    def severe_rate(self) -> float | None:
        return percent(self.severe, self.enrolments)


@dataclass
class BenchmarkRow:
    """One line of a benchmark: a school, the trust (pooled), an LA or England (DfE figures)."""

    level: str
    name: str
    phase: str
    urn: int | None = None
    school_id: int | None = None
    la_code: str | None = None
    enrolments: int | None = None
    possible_sessions: int | None = None
    attended_sessions: int | None = None
    authorised_sessions: int | None = None
    unauthorised_sessions: int | None = None
    persistent: int | None = None
    severe: int | None = None
    attendance_rate: float | None = None
    absence_rate: float | None = None
    authorised_rate: float | None = None
    unauthorised_rate: float | None = None
    persistent_rate: float | None = None
    severe_rate: float | None = None
    movement_pp: float | None = None
    rank: int | None = None
    quartile: int | None = None
    below_national: bool | None = None
    national_attendance: float | None = None  # England's rate for the school's phase, for the reason
    cohorts: dict[str, CohortFigures] = field(default_factory=dict)

    @property
    def days_missed(self) -> float | None:
        """Absence in days (two sessions a day)."""
        if self.authorised_sessions is None or self.unauthorised_sessions is None:
            return None
        return (self.authorised_sessions + self.unauthorised_sessions) / 2

    @property
    def tsm_reason(self) -> str | None:
        """Why the school is flagged for a termly Targeting Support Meeting with its LA, in words."""
        if not self.below_national or self.attendance_rate is None or self.national_attendance is None:
            return None
        return (
            f"Attendance {self.attendance_rate:.1f}% is below England's {self.national_attendance:.1f}% "
            f"for {_compared(self.phase)}: flagged for a termly Targeting Support Meeting with the LA."
        )

    def gap(self, cohort: str, other: str) -> float | None:
        """A cohort's attendance minus another's, in percentage points."""
        a, b = self.cohorts.get(cohort), self.cohorts.get(other)
        if a is None or b is None or a.attendance_rate is None or b.attendance_rate is None:
            return None
        return a.attendance_rate - b.attendance_rate

    def as_dict(self, *, cohorts: bool = True) -> dict:
        """The design.md benchmark row keys first, then the extra figures."""
        row = {
            "level": self.level, "urn": self.urn, "name": self.name, "phase": self.phase,
            "enrolments": self.enrolments, "possible_sessions": self.possible_sessions,
            "attendance_rate": self.attendance_rate, "absence_rate": self.absence_rate,
            "persistent_rate": self.persistent_rate, "severe_rate": self.severe_rate,
            "la_code": self.la_code, "attended_sessions": self.attended_sessions,
            "authorised_sessions": self.authorised_sessions, "unauthorised_sessions": self.unauthorised_sessions,
            "authorised_rate": self.authorised_rate, "unauthorised_rate": self.unauthorised_rate,
            "persistent": self.persistent, "severe": self.severe, "days_missed": self.days_missed,
            "movement_pp": self.movement_pp, "rank": self.rank, "quartile": self.quartile,
            "below_national": self.below_national, "tsm_reason": self.tsm_reason,
        }  # fmt: skip
        if cohorts:
            row["cohorts"] = {
                key: {
                    "enrolments": c.enrolments,
                    "possible_sessions": c.possible_sessions,
                    "attendance_rate": c.attendance_rate,
                    "absence_rate": c.absence_rate,
                    "persistent_rate": c.persistent_rate,
                    "severe_rate": c.severe_rate,
                }  # fmt: skip
                for key, c in self.cohorts.items()
            }
        return row


ROW_KEYS = tuple(BenchmarkRow(level="school", name="", phase="").as_dict(cohorts=False))


@dataclass
class TrustBenchmark:
    """A trust's benchmark for one period (label says which, e.g. "Year to date")."""

    start: date
    end: date
    schools: list[BenchmarkRow]
    trust: BenchmarkRow
    las: list[BenchmarkRow]
    national: list[BenchmarkRow]
    label: str = ""

    def rows(self, *, cohorts: bool = True) -> list[dict]:
        """design.md JSON rows: schools, the trust, then LA and national reference rows."""
        return [r.as_dict(cohorts=cohorts) for r in self.all_rows()]

    def all_rows(self) -> list[BenchmarkRow]:
        return [*self.schools, self.trust, *self.las, *self.national]

    def school(self, school_id: int) -> BenchmarkRow | None:
        return next((r for r in self.schools if r.school_id == school_id), None)

    def la(self, la_code: str | None, phase: str) -> BenchmarkRow | None:
        return next((r for r in self.las if r.la_code == la_code and r.phase == phase), None)

    def england(self, phase: str) -> BenchmarkRow | None:
        return next((r for r in self.national if r.phase == phase), None)
