"""Admission register fields: one parser per field, shared by the CSV import and the web forms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.gb import upn as stdnum_upn

from app.registers.models import ETHNICITIES, SEN_STATUSES, SEXES, YEAR_GROUPS

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)  # \d alone takes "２０２４" too


def shown(text: str) -> str:
    """A value quoted back in a problem, cut short: a wrong cell may be thousands of characters long."""
    return text if len(text) <= 20 else text[:20] + "…"


class FieldError(ValueError):
    """A value that cannot go into the admission register, with a message a person can act on."""


def parse_upn(value: str) -> str:
    """Validate a Unique Pupil Number: format, LA code and check letter (python-stdnum)."""
    compact = stdnum_upn.compact(value)
    try:
        return stdnum_upn.validate(compact)
    except InvalidChecksum:
        expected = stdnum_upn.calc_check_digit(compact[1:]) if len(compact) == 13 else "?"
        raise FieldError(
            f"UPN {shown(compact)} has the wrong check letter (for these digits it should be {expected})"
        ) from None
    except InvalidLength:
        raise FieldError(f"UPN {shown(compact)} should be 13 characters long") from None
    except InvalidComponent:
        raise FieldError(f"UPN {shown(compact)} does not start with a valid LA code") from None
    except InvalidFormat:
        raise FieldError(
            f"UPN {shown(compact)} is not in the form of a letter followed by 12 digits"
        ) from None


def parse_date(value: str) -> date:
    if not _ISO_DATE.match(value):
        raise FieldError(f"'{shown(value)}' is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(f"'{shown(value)}' is not a real date") from None


def _choice(options: dict[str, str] | tuple[str, ...], what: str) -> Callable[[str], str]:
    by_upper = {o.upper(): o for o in options}

    def parse(value: str) -> str:
        try:
            return by_upper[value.upper()]
        except KeyError:
            allowed = ", ".join(options)
            raise FieldError(f"'{shown(value)}' is not a known {what} (use one of {allowed})") from None

    return parse


def parse_flag(value: str) -> bool:
    upper = value.upper()
    if upper in {"Y", "YES", "TRUE", "1"}:
        return True
    if upper in {"N", "NO", "FALSE", "0"}:
        return False
    raise FieldError(f"'{shown(value)}' should be Y or N")


def control_character(text: str, allowed: str = "") -> str | None:
    """The first control character (NUL, tab, line break...) in text people typed, as U+XXXX; the database
    refuses NUL, and the others cannot be seen on a page."""
    return next(
        (f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cc" and c not in allowed), None
    )


def _text(max_length: int, *, lines: bool = False) -> Callable[[str], str]:
    """Plain text up to a length; an address (lines=True) may break over lines."""

    def parse(value: str) -> str:
        if len(value) > max_length:
            raise FieldError(f"is longer than {max_length} characters")
        if found := control_character(value, "\r\n" if lines else ""):
            raise FieldError(f"holds a control character ({found}); write it as plain text")
        return value

    return parse


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    parse: Callable[[str], Any]
    required: bool = False
    empty: Any = None


FIELDS: tuple[Field, ...] = (
    Field("upn", "UPN", parse_upn, required=True),
    Field("legal_surname", "Legal surname", _text(100), required=True),
    Field("legal_forename", "Legal forename", _text(100), required=True),
    Field("middle_names", "Middle names", _text(200)),
    Field("preferred_surname", "Preferred surname", _text(100)),
    Field("preferred_forename", "Preferred forename", _text(100)),
    Field("date_of_birth", "Date of birth", parse_date, required=True),
    Field("sex", "Sex", _choice(SEXES, "sex"), required=True),
    Field("year_group", "Year group", _choice(YEAR_GROUPS, "year group"), required=True),
    Field("form", "Form", _text(20)),
    Field("home_address", "Home address", _text(500, lines=True)),
    Field("postcode", "Postcode", _text(10)),
    Field("sen", "SEN status", _choice(SEN_STATUSES, "SEN status"), empty="N"),
    Field("fsm", "Free school meals", parse_flag, empty=False),
    Field("ethnicity", "Ethnicity", _choice(ETHNICITIES, "ethnicity code")),
    Field("eal", "English as an additional language", parse_flag, empty=False),
    Field("looked_after", "Looked after", parse_flag, empty=False),
    Field("child_in_need", "Child in need", parse_flag, empty=False),
    Field("young_carer", "Young carer", parse_flag, empty=False),
    Field("boarder", "Boarder", parse_flag, empty=False),
    Field("gp_name", "GP name", _text(200)),
    Field("gp_contact", "GP contact details", _text(200)),
    Field("admission_date", "Admission date", parse_date, required=True),
    Field("leaving_date", "Leaving date", parse_date),
    Field("previous_school", "Previous school", _text(200)),
    Field("previous_school_address", "Previous school address", _text(500, lines=True)),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
REQUIRED = tuple(f.name for f in FIELDS if f.required)


def parse_values(raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse the given fields; return the values and, per field, what is wrong."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, text in raw.items():
        field = FIELDS_BY_NAME[name]
        text = text.strip()
        if not text:
            if field.required:
                problems[name] = f"{field.label} is required"
            else:
                values[name] = field.empty
            continue
        try:
            values[name] = field.parse(text)
        except FieldError as exc:
            problems[name] = str(exc)
    problems.update(cross_check(values))
    return values, problems


def cross_check(values: dict[str, Any]) -> dict[str, str]:
    """Rules between fields: a pupil is born before admission and leaves after it."""
    problems: dict[str, str] = {}
    born, admitted, left = (values.get(k) for k in ("date_of_birth", "admission_date", "leaving_date"))
    if isinstance(born, date) and born > date.today():
        problems["date_of_birth"] = f"date of birth {born} is in the future"
    if isinstance(born, date) and isinstance(admitted, date) and admitted < born:
        problems["admission_date"] = f"admission date {admitted} is before the date of birth"
    if isinstance(admitted, date) and isinstance(left, date) and left < admitted:
        problems["leaving_date"] = f"leaving date {left} is before the admission date {admitted}"
    return problems
