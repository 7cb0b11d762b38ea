"""Gaps between groups of pupils (FSM, SEN, sex, ethnicity, year) from a week's snapshot, each beside
England's figure for the same group where the DfE publishes one, else for all pupils of the phase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from app.db import get_session
from app.flags.snapshots import WeekFlags
from app.reference.national import NationalFigure, national
from app.registers.measures import is_persistent, rate
from app.registers.models import ETHNICITIES, SEN_STATUSES, SEXES, YEAR_GROUPS, Pupil
from tenants.models import School

ETHNIC_GROUPS = {
    "W": "White",
    "M": "Mixed",
    "A": "Asian",
    "B": "Black",
    "C": "Chinese",
    "O": "Any other group",
}


@dataclass(frozen=True)
class Group:
    name: str
    pupils: int  # with any possible session this year
    possible: int
    absent: int
    persistent: int
    england: NationalFigure | None

    @property
    def absence_rate(self) -> float | None:
        return rate(self.absent, self.possible)

    @property
    def persistent_rate(self) -> float | None:
        return rate(self.persistent, self.pupils)


@dataclass(frozen=True)
class Dimension:
    title: str
    groups: list[Group]
    gap: str | None  # the headline gap in words, with England's beside it


def cohorts(school: School, flags: WeekFlags) -> list[Dimension]:
    found = get_session().execute(
        select(Pupil.id, Pupil.fsm, Pupil.sen, Pupil.sex, Pupil.ethnicity, Pupil.year_group).where(
            Pupil.school_id == school.id
        )
    )
    traits = {row[0]: row[1:] for row in found}
    pupils = [
        (traits[pid], possible, possible - attended)
        for pid, possible, attended in zip(
            flags.rows["pupil"].tolist(), flags.rows["ytd_possible"].tolist(), flags.rows["ytd_attended"].tolist(),
            strict=True,
        )
        if possible
    ]  # fmt: skip
    phase = national("all", school.phase) or national("all")

    def split(
        title: str, key: Callable[[tuple], str | None], names: dict[str, str], england: dict[str, str]
    ) -> Dimension:
        groups = [_group(label, [p for p in pupils if key(p[0]) == value], national(england[value]) if value in
                         england else phase) for value, label in names.items()]  # fmt: skip
        return Dimension(title, [g for g in groups if g.pupils], None)

    fsm = split("Free school meals", lambda t: "Y" if t[0] else "N", {"Y": "Free school meals", "N": "Not FSM"},
                {"Y": "fsm", "N": "not_fsm"})  # fmt: skip
    sen = split("Special educational needs", lambda t: t[1], SEN_STATUSES,
                {"E": "ehc_plan", "K": "sen_support", "N": "no_sen"})  # fmt: skip
    return [
        Dimension(fsm.title, fsm.groups, _gap(fsm.groups, "Free school meals", "Not FSM", "pupils on free school meals")),
        Dimension(sen.title, sen.groups, _gap(sen.groups, "SEN support", "No special educational need",
                                              "pupils with SEN support")),
        split("Sex", lambda t: t[2], SEXES, {}),
        split("Ethnicity", lambda t: t[3][0] if t[3] in ETHNICITIES and t[3][0] in ETHNIC_GROUPS else "?",
              {**ETHNIC_GROUPS, "?": "Not known or refused"}, {}),
        split("Year group", lambda t: t[4], {y: f"Year {y}" for y in YEAR_GROUPS}, {}),
    ]  # fmt: skip


def _group(name: str, members: list[tuple], england: NationalFigure | None) -> Group:
    possible = sum(p for _t, p, _a in members)
    absent = sum(a for _t, _p, a in members)
    persistent = sum(bool(is_persistent(a, p)) for _t, p, a in members)
    return Group(name, len(members), possible, absent, persistent, england)


def _gap(groups: list[Group], name: str, against: str, who: str) -> str | None:
    found = {g.name: g for g in groups}
    if name not in found or against not in found:
        return None
    one, other = found[name], found[against]
    if one.absence_rate is None or other.absence_rate is None:
        return None
    gap = one.absence_rate - other.absence_rate
    text = f"Absence among {who} is {abs(gap):.1f} points {'higher' if gap >= 0 else 'lower'} than among others here"
    if one.england and other.england:
        text += f"; in England the gap is {one.england.absence - other.england.absence:.1f} points ({one.england.period})"
    return text + "."
