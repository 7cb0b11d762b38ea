"""What the dashboards show, read from pre-aggregated tables (flag snapshots, pupil weeks, school
sessions) and the admission register; only the pupil view reads marks, one pupil's register.

Every function takes a URN from the browser and finds the school again through the tenant context
of the signed-in user, so a forged request naming another trust's school is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import func, select

from app.access import pupil_or_404, require_role, school_or_404
from app.db import get_session
from app.flags.report import PupilFlag, pupil_flag
from app.flags.rules import FLAG_ICONS, FLAG_LABELS, FLAGS, STEP_LIST, STEPS, TRENDS
from app.flags.snapshots import WeekFlags, week_flags, weeks_of_year
from app.interventions.services import CaseSummary, open_case_summaries, pupil_milestones
from app.registers.measures import change_pp, describe_absence, is_persistent, is_severe, rate
from app.registers.models import SEN_STATUSES, YEAR_GROUPS, Pupil
from app.registers.pupil_patterns import Patterns, pupil_patterns
from app.registers.school_view import MIN_POSSIBLE_FOR_BANDING, PupilRegister, band_index, pupil_register
from app.schools.settings import lesson_minutes, lessons_per_day
from dashboards.guard import PREFIX
from dashboards.shell import one_place
from tenants.access import PUPIL_READERS
from tenants.models import School

TREND_ARROWS = {"improved": "↑ improved", "declined": "↓ declined", "unchanged": "→ unchanged", "new": "new"}


def school_for_pupil_data(urn: int) -> School:
    """The school, if the signed-in user may see its pupils; 404 for any other school, 403 for governors."""
    school = school_or_404(urn)
    require_role(school, PUPIL_READERS)
    return school


@dataclass(frozen=True)
class Tiles:
    """The school's headline for one week, pooled over pupils (design.md: rates pool sessions)."""

    ytd_attendance: float | None
    week_attendance: float | None
    change_pp: float | None
    pupils: int
    persistent: int
    severe: int
    counted: int  # pupils with any possible session: the PA and SA denominators
    by_flag: dict[str, int]
    ytd_absent_sessions: int


def tiles(flags: WeekFlags) -> Tiles:
    r = flags.rows
    possible, attended = int(r["ytd_possible"].sum()), int(r["ytd_attended"].sum())
    before_possible, before_attended = int(r["before_possible"].sum()), int(r["before_attended"].sum())
    now, before = rate(attended, possible), rate(before_attended, before_possible)
    absent = r["ytd_possible"].astype(int) - r["ytd_attended"]
    counted = r["ytd_possible"] > 0
    pairs = list(zip(absent[counted].tolist(), r["ytd_possible"][counted].tolist(), strict=True))
    return Tiles(
        ytd_attendance=now,
        week_attendance=rate(int(r["week_attended"].sum()), int(r["week_possible"].sum())),
        change_pp=change_pp(now, before),
        pupils=len(r),
        persistent=sum(bool(is_persistent(a, p)) for a, p in pairs),
        severe=sum(bool(is_severe(a, p)) for a, p in pairs),
        counted=int(counted.sum()),
        by_flag={name: int((r["flag"] == i).sum()) for i, name in enumerate(FLAGS)},
        ytd_absent_sessions=int(absent.sum()),
    )


def week_rows(school: School, flags: WeekFlags) -> list[dict]:
    """One grid row per pupil on roll that week: who they are, their flag and what to do next."""
    pupils = {
        row[0]: row
        for row in get_session().execute(
            select(Pupil.id, func.coalesce(Pupil.preferred_forename, Pupil.legal_forename),
                   func.coalesce(Pupil.preferred_surname, Pupil.legal_surname), Pupil.year_group, Pupil.form,
                   Pupil.fsm, Pupil.sen, Pupil.eal, Pupil.looked_after)
            .where(Pupil.school_id == school.id)
        )
    }  # fmt: skip
    yes_no = ("No", "Yes")
    cases = open_case_summaries(get_session(), school)
    rows = []
    for (
        pid,
        ytd_p,
        ytd_a,
        before_p,
        before_a,
        week_p,
        week_a,
        flag,
        trend,
        step,
        _open,
    ) in flags.rows.tolist():
        _, forename, surname, year, form, fsm, sen, eal, looked_after = pupils[pid]
        now, before = rate(ytd_a, ytd_p), rate(before_a, before_p)
        rows.append(
            {"pupil_id": pid, "pupil_url": f"{PREFIX}schools/{school.urn}/pupils/{pid}", "name": f"{forename} {surname}",
             "year": year, "form": form or "", "flag": FLAGS[flag], "flag_label": _FLAG_TEXT[flag],
             "ytd": one_place(now), "week": one_place(rate(week_a, week_p)),
             "change": one_place(change_pp(now, before)), "trend_key": TRENDS[trend],
             "trend": TREND_ARROWS[TRENDS[trend]], "days_missed": (ytd_p - ytd_a) / 2,
             "band": band_index(ytd_p - ytd_a, ytd_p) if ytd_p >= MIN_POSSIBLE_FOR_BANDING else None,
             "next_step": STEP_LIST[step], "next_step_text": STEPS[STEP_LIST[step]],
             "act_url": f"/schools/{school.urn}/pupils/{pid}/case?step={STEP_LIST[step]}#next-step",
             "fsm": yes_no[fsm], "sen_code": sen, "sen": SEN_STATUSES.get(sen, sen), "eal": yes_no[eal],
             "looked_after": yes_no[looked_after], **_case_columns(cases.get(pid))}
        )  # fmt: skip
    return sorted(rows, key=lambda row: (row["ytd"] is None, row["ytd"] if row["ytd"] is not None else 0))


def _case_columns(case: CaseSummary | None) -> dict[str, str]:
    """Owner, open case and last action as they stand now, whichever week is shown."""
    if case is None:
        return {"owner": "", "open_case": "No", "last_action": ""}
    return {"owner": case.owner, "open_case": f"Yes: {case.stage}", "last_action": case.last_action}


_FLAG_TEXT = [f"{FLAG_ICONS[f]} {FLAG_LABELS[f]}" for f in FLAGS]


def whole_number(value: object) -> int:
    """A URN as the browser sent it; anything else is a bad request, not a server error."""
    try:
        return int(str(value))
    except ValueError:
        abort(400)


def week_of(value: object) -> date:
    """A week picked in the browser (YYYY-MM-DD), not in the future."""
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        abort(400)
    if day > date.today():
        abort(400)
    return day


def school_week(urn: int, week: date, today: date) -> tuple[School, WeekFlags]:
    """The week's snapshot for a school the user may see (stored, or computed now and kept)."""
    school = school_for_pupil_data(urn)
    flags = week_flags(get_session(), school, week, today)
    get_session().commit()
    return school, flags


def week_choices(today: date) -> list[date]:
    return list(reversed(weeks_of_year(today)))


def default_week(weeks: list[date], today: date) -> str | None:
    """The last week that has ended (what the weekly meeting reviews), else this week."""
    ended = [w for w in weeks if (today - w).days >= 7]
    chosen = ended[0] if ended else (weeks[0] if weeks else None)
    return chosen.isoformat() if chosen else None


def filter_choices(school: School) -> tuple[list[str], list[str]]:
    """The school's year groups (in school order) and forms, for the filter bar."""
    found = get_session().execute(
        select(Pupil.year_group, Pupil.form).where(Pupil.school_id == school.id).distinct()
    )
    pairs = found.all()
    years = [y for y in YEAR_GROUPS if any(p[0] == y for p in pairs)]
    return years, sorted({form for _y, form in pairs if form})


@dataclass(frozen=True)
class PupilPage:
    """Everything the pupil view shows; the register calendar is the pupil's own marks (a legal record
    has no rollup), the rest comes from rollups and the week's snapshot."""

    school: School
    pupil: Pupil
    flag: PupilFlag | None
    register: PupilRegister
    patterns: Patterns
    sentence: str
    lesson_minutes: int
    milestones: list[tuple[date, str]]  # cases opened and actions done


def pupil_page(urn: int, pupil_id: int, today: date) -> PupilPage:
    school = school_for_pupil_data(urn)
    pupil = pupil_or_404(school, pupil_id)
    db = get_session()
    register = pupil_register(db, school, pupil, today)
    return PupilPage(
        school, pupil, pupil_flag(db, school, pupil.id, today), register, pupil_patterns(db, school, pupil, today),
        describe_absence(register.counts, lessons_per_day(school)), lesson_minutes(school),
        pupil_milestones(db, school, pupil.id),
    )  # fmt: skip
