"""Valid files for each importer, as tables hypothesis can spoil: pupils, marks and calendars."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st
from stdnum.gb import upn as stdnum_upn

from app.registers.codes import CODES, LATE_CODES
from app.registers.fields import REQUIRED as PUPIL_REQUIRED
from app.registers.models import ETHNICITIES, YEAR_GROUPS
from tests.fuzz.csv_faults import Spec, Table

LA_CODES = ("801", "926", "202", "873")
ADMITTED = date(2021, 9, 1)  # when the marks fixture's pupils joined
LAST_WEEK = date.today() - timedelta(days=date.today().weekday() + 7)

names = st.text(
    st.characters(categories=("L", "M", "Zs", "Pd", "Po"), exclude_characters="\u2028\u2029\x85"),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() != "")


def _upn(la: str, digits: int) -> str:
    body = f"{la}{digits:09d}"
    return stdnum_upn.calc_check_digit(body) + body


upns = st.builds(_upn, st.sampled_from(LA_CODES), st.integers(0, 10**9 - 1))


def _iso(day: date) -> str:
    return day.isoformat()


_SEXES = st.sampled_from(["F", "M", "f", "m"])
_YEAR_GROUPS = st.sampled_from(YEAR_GROUPS)
_OPTIONAL = {
    "preferred_surname": st.one_of(st.just(""), names),
    "preferred_forename": st.one_of(st.just(""), names),
    "form": st.text("0123456789ABCDEFGHJK/-", max_size=20),
    "fsm": st.sampled_from(["Y", "N", "", "yes", "no", "1", "0", "true"]),
    "sen": st.sampled_from(["", "N", "K", "E", "k"]),
    "ethnicity": st.sampled_from(["", *list(ETHNICITIES)[:8]]),
    "eal": st.sampled_from(["Y", "N", ""]),
    "looked_after": st.sampled_from(["Y", "N", ""]),
    "postcode": st.sampled_from(["", "NR1 1AA", "IP4 2BB"]),
}


@st.composite
def pupil_row(draw: st.DrawFn, upn: str, optional: tuple[str, ...]) -> dict[str, str]:
    born = date(2005, 1, 1) + timedelta(days=draw(st.integers(0, 16 * 365)))
    admitted = min(born + timedelta(days=draw(st.integers(3 * 365, 12 * 365))), date.today())
    row = {
        "upn": [upn, upn.lower(), f" {upn[:5]} {upn[5:]}"][draw(st.integers(0, 2))],
        "legal_surname": draw(names),
        "legal_forename": draw(names),
        "date_of_birth": _iso(born),
        "sex": draw(_SEXES),
        "year_group": draw(_YEAR_GROUPS),
        "admission_date": _iso(admitted),
    }
    for name in optional:
        if name == "leaving_date":
            row[name] = (
                "" if draw(st.booleans()) else _iso(admitted + timedelta(days=draw(st.integers(0, 3000))))
            )
        else:
            row[name] = draw(_OPTIONAL[name])
    return row


OPTIONAL_PUPIL_COLUMNS = ("preferred_surname", "preferred_forename", "form", "leaving_date", "fsm", "sen",
                          "ethnicity", "eal", "looked_after", "postcode")  # fmt: skip


@st.composite
def pupil_tables(draw: st.DrawFn) -> Table:
    optional = tuple(draw(st.lists(st.sampled_from(OPTIONAL_PUPIL_COLUMNS), unique=True, max_size=5)))
    header = tuple(draw(st.permutations([*PUPIL_REQUIRED, *optional])))
    chosen = draw(st.lists(upns, min_size=1, max_size=5, unique_by=lambda u: u))
    rows = [draw(pupil_row(u, optional)) for u in chosen]
    return Table(header, tuple(tuple(r[c] for c in header) for r in rows))


PUPILS = Spec(
    required=PUPIL_REQUIRED,
    bad_values={
        "upn": ["A12345678901", "X80120000A001", "E000200005001", "not a upn", "=1+1", "B8012000050011"],
        "legal_surname": ["", "   ", "S" * 101],
        "legal_forename": ["", "F" * 101],
        "date_of_birth": ["2015-02-30", "14/03/2015", "2015-3-4", "", "2999-01-01", "0000-01-01"],
        "sex": ["X", "", "Female", "=A1"],
        "year_group": ["15", "Y5", "", "-1"],
        "admission_date": ["2021-13-01", "", "yesterday", "1900-01-01"],
        "fsm": ["maybe", "2", "=TRUE()"],
        "sen": ["S", "EHC"],
        "ethnicity": ["ZZZZ", "white"],
        "form": ["F" * 21],
        "leaving_date": ["1999-01-01", "2021-02-29"],
        "postcode": ["NR1 1AA NR1 1AA"],
    },
    duplicate_refused=lambda _header, _row: True,
)

_WEEKDAYS = st.dates(date(2022, 1, 3), LAST_WEEK).filter(lambda d: d.weekday() < 5)
_CODES = sorted(c for c in CODES if c != "Z")  # Z (not on roll) is allowed off roll, so keep dates meaningful


@st.composite
def mark_tables(draw: st.DrawFn, on_roll: tuple[str, ...]) -> Table:
    """Marks for pupils on the register since ADMITTED, each session once."""
    minutes = draw(st.booleans())
    header = tuple(
        draw(st.permutations(["upn", "date", "session", "code", *(["minutes_late"] if minutes else [])]))
    )
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(on_roll), _WEEKDAYS, st.sampled_from(["AM", "PM"])),
            min_size=1,
            max_size=12,
            unique_by=lambda k: (k[0], k[1], k[2]),
        )
    )
    rows = []
    for upn, day, session in keys:
        code = draw(st.sampled_from(_CODES))
        late = draw(st.sampled_from(["", "5", "45"])) if code in LATE_CODES else ""
        cells = {
            "upn": draw(st.sampled_from([upn, upn.lower()])),
            "date": _iso(day),
            "session": draw(st.sampled_from([session, session.lower()])),
            "code": draw(st.sampled_from([code, code.lower()])),
            "minutes_late": late,
        }
        rows.append(tuple(cells[c] for c in header))
    return Table(header, tuple(rows))


MARKS = Spec(
    required=("upn", "date", "session", "code"),
    bad_values={
        "upn": ["B999999999999", "", "not-a-upn", "B801200005001 B801200005001"],
        "date": ["2024-02-30", "01/02/2024", "2024-06-01", "2999-01-02", "", "2024-1-2"],
        "session": ["EV", "", "A M", "AMPM"],
        "code": ["H", "??", "", "=SUM(A1)", "Y", "//"],
        "minutes_late": ["abc", "301", "-5", "1.5", "٣", "²", "５"],
    },
    duplicate_refused=lambda _header, _row: True,
    skips_empty_cells=False,  # a row of a marks file is checked whatever it holds: ",,," has a blank UPN
)


@st.composite
def calendar_tables(draw: st.DrawFn) -> Table:
    """One academic year: terms with half-terms, holidays between, INSET days and closures inside terms."""
    year = draw(st.integers(2000, 2098))
    terms = [
        (date(year, 9, 1), date(year, 12, 18)),
        (date(year + 1, 1, 5), date(year + 1, 3, 27)),
        (date(year + 1, 4, 14), date(year + 1, 7, 21)),
    ][: draw(st.integers(1, 3))]
    rows: list[tuple[str, str, str, str]] = []
    for number, (start, end) in enumerate(terms):
        rows.append((draw(st.sampled_from(["term", "Term", "TERM"])), draw(names), _iso(start), _iso(end)))
        if draw(st.booleans()):
            middle = start + timedelta(days=40)
            rows.append(("half_term", draw(names), _iso(start), _iso(middle)))
            rows.append(("half-term", draw(names), _iso(middle + timedelta(days=1)), _iso(end)))
        if draw(st.booleans()):
            day = draw(st.dates(start, end))
            rows.append((draw(st.sampled_from(["inset", "INSET"])), draw(st.sampled_from(["", "Training"])),
                         _iso(day), draw(st.sampled_from(["", _iso(day)]))))  # fmt: skip
        if draw(st.booleans()):
            day = draw(st.dates(start, end))
            rows.append(("closure", draw(names), _iso(day), _iso(day)))
        if number + 1 < len(terms):
            rows.append(("holiday", draw(names), _iso(end + timedelta(days=1)),
                         _iso(terms[number + 1][0] - timedelta(days=1))))  # fmt: skip
    order = draw(st.permutations(range(len(rows))))
    header = tuple(draw(st.permutations(["kind", "name", "start", "end"])))
    by_name = [dict(zip(("kind", "name", "start", "end"), rows[i], strict=True)) for i in order]
    return Table(header, tuple(tuple(r[c] for c in header) for r in by_name))


def _calendar_duplicate_refused(header: tuple[str, ...], row: tuple[str, ...]) -> bool:
    """Two copies of a term or half-term overlap; holidays, INSET days and closures may repeat."""
    kind = row[header.index("kind")].strip().lower().replace("-", "_")
    return kind in ("term", "half_term")


CALENDAR = Spec(
    required=("kind", "name", "start", "end"),
    bad_values={
        "kind": ["semester", "", "=1", "term term"],
        "name": ["N" * 101],
        "start": ["2026-13-01", "", "01/09/2026", "1999-09-01", "2026-9-1", "2100-01-01"],
        "end": ["2026-02-30", "31/12/2026", "2026-12", "1899-12-31"],
    },
    duplicate_refused=_calendar_duplicate_refused,
)
