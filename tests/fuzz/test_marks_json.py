"""Hypothesis-made JSON bodies for the marks API: a bad body is a 400 naming the entry and field at fault,
with nothing written; a good one is taken, and sending it again changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.registers.codes import CODES, LATE_CODES
from tests.conftest import World
from tests.fuzz.conftest import api_token, bounded
from tests.fuzz.snapshot import Snapshot
from tests.fuzz.tables import ADMITTED, LAST_WEEK, MARKS

EXAMPLES = 100
VALID_EXAMPLES = 15
FIELDS = ("upn", "date", "session", "code", "minutes_late")
_JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.text(max_size=20),
)  # fmt: skip
_BAD_MINUTES = st.one_of(st.sampled_from([0, -5, 301, 10**30, True, 1.5, "5", ""]), st.just([]))


@st.composite
def entries(draw: st.DrawFn, on_roll: tuple[str, ...]) -> list[dict[str, Any]]:
    """Marks for pupils on roll, each session once."""
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(on_roll),
                st.dates(ADMITTED, LAST_WEEK).filter(lambda d: d.weekday() < 5),
                st.sampled_from(["AM", "PM"]),
            ),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    marks = []
    for upn, day, session in keys:
        code = draw(st.sampled_from(sorted(c for c in CODES if c != "Z")))
        mark: dict[str, Any] = {"upn": upn, "date": day.isoformat(), "session": session, "code": code}
        if code in LATE_CODES and draw(st.booleans()):
            mark["minutes_late"] = draw(st.integers(1, 300))
        elif draw(st.booleans()):
            mark["minutes_late"] = None
        marks.append(mark)
    return marks


@dataclass(frozen=True)
class BadBody:
    """A body with one fault, and the entry and field a problem must name (None where the body is at fault)."""

    body: Any
    entry: int | None
    field: str | None

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        """Short, for a failure report: a huge value would make it a hundred kilobytes."""
        text = json.dumps(self.body)
        printer.text(
            f"BadBody(entry={self.entry}, field={self.field}, {text[:600]}{'...' if len(text) > 600 else ''})"
        )


@st.composite
def bad_bodies(draw: st.DrawFn, on_roll: tuple[str, ...]) -> BadBody:
    """A body of good marks but for one fault."""
    marks = draw(entries(on_roll))
    body: dict[str, Any] = {"marks": marks}
    at = draw(st.integers(0, len(marks) - 1))
    fault = draw(st.sampled_from(["type", "missing", "extra", "not object", "value", "duplicate", "control",
                                  "huge", "minutes", "body", "reason"]))  # fmt: skip
    field: str | None = draw(st.sampled_from(FIELDS[:4]))
    if fault == "type":
        marks[at][field] = draw(_JUNK.filter(lambda v: not isinstance(v, str)))
    elif fault == "missing":
        del marks[at][field]
    elif fault == "extra":
        marks[at][draw(st.sampled_from(["note", "UPN", "", "minutes"]))], field = "x", None
    elif fault == "not object":
        marks[at], field = draw(_JUNK.filter(lambda v: not isinstance(v, dict))), None
    elif fault == "value":
        marks[at][field] = draw(st.sampled_from(MARKS.bad_values[field]))
    elif fault == "duplicate":
        marks.append(dict(marks[at]))
        at, field = len(marks) - 1, None
    elif fault == "control":
        marks[at][field] = (
            marks[at][field][:1] + draw(st.sampled_from(["\x00", "\x1b", "\u0085x"])) + marks[at][field][1:]
        )
    elif fault == "huge":
        marks[at][field] = "9" * 100_000
    elif fault == "minutes":
        marks[at]["minutes_late"], field = draw(_BAD_MINUTES), "minutes_late"
    elif fault == "body":
        return BadBody(draw(st.sampled_from([[], {}, {"marks": []}, {"marks": "all"}, {"marks": marks, "extra": 1}, None, 5])), None, None)  # fmt: skip
    else:
        body["reason"] = draw(st.sampled_from([5, None, ["a"], "r" * 501, "Parent\x00phoned", "a\x1b[31m"]))
        return BadBody(body, None, "reason")
    return BadBody(body, at, field)


def _post(app: Flask, urn: int, token: str, body: Any) -> Any:
    return app.test_client().post(f"/api/v1/schools/{urn}/marks", data=json.dumps(body),
                                  headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})  # fmt: skip


def test_a_bad_body_is_refused_with_its_entry_and_field_and_writes_nothing(
    app: Flask, db: Session, world: World, on_roll: tuple[str, ...], snap: Snapshot
) -> None:
    token = api_token(db, world.a1.id)

    @bounded(EXAMPLES)
    @given(bad_bodies(on_roll))
    def run(bad: BadBody) -> None:
        entry, field = bad.entry, bad.field
        before = snap.digest()
        response = _post(app, world.a1.urn, token, bad.body)
        assert response.status_code == 400, (response.status_code, response.get_json())
        problems = response.get_json()["problems"]
        assert problems and all(len(p["message"].split()) >= 2 and len(p["message"]) <= 300 for p in problems)
        if entry is not None:
            assert any(p["entry"] == entry and (field is None or p["field"] == field) for p in problems), (
                problems
            )
        elif field is not None:
            assert any(p["entry"] is None and p["field"] == field for p in problems), problems
        assert snap.changed(before) == []

    run()


def test_a_good_body_is_taken_and_sending_it_again_changes_nothing(
    app: Flask, db: Session, world: World, on_roll: tuple[str, ...], snap: Snapshot
) -> None:
    token = api_token(db, world.a1.id)

    @bounded(VALID_EXAMPLES)
    @given(
        entries(on_roll),
        st.one_of(st.just({}), st.builds(lambda r: {"reason": r}, st.text("abc .'", max_size=40))),
    )
    def run(marks: list[dict[str, Any]], reason: dict[str, str]) -> None:
        first = _post(app, world.a1.urn, token, {"marks": marks, **reason})
        assert first.status_code == 200, first.get_json()
        assert first.get_json()["received"] == len(marks)
        snap.written()
        before = snap.digest()
        again = _post(app, world.a1.urn, token, {"marks": marks, **reason}).get_json()
        assert (again["unchanged"], again["new"], again["amended"]) == (len(marks), 0, 0)
        assert set(snap.changed(before)) <= {"mark_batches", "school_counters"}  # who sent it, and when

    run()
