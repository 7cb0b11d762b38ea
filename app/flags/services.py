"""The trust leader's flag rules page: the posted form as a rule-set definition, and its use cases.

The form is kept as typed (strings), so a refused change is shown again exactly as it was sent. The
checks themselves live in app.flags.rules; here each of their problems is pinned to the row and field
it is about, so the page can say what is wrong and where.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.flags.models import FlagRuleSet
from app.flags.rules import DEFAULT_RULES, FLAGS, TRENDS, Rule, RuleSet, RulesInvalid, Thresholds
from app.flags.rulesets import current_rules, save_rules

THRESHOLD_NAMES = {
    "green_from": "Green from",
    "red_upto": "Red up to",
    "purple_upto": "Purple up to",
    "new_below": "New below",
}
INTERVENTION = {"any": None, "yes": True, "no": False}
MAX_ROWS = 50  # far more rules than anyone needs; a bigger form is not a person typing
_ROW_KEY = re.compile(r"^rule-(\d{1,3})-")
_RULE_PROBLEM = re.compile(r"^rule (\d+): (.*)$")


@dataclass
class RuleRow:
    """One row of the rules table as typed; `new` marks the blank row for adding a rule."""

    step: str = ""
    flags: list[str] = field(default_factory=list)
    trends: list[str] = field(default_factory=list)
    open_intervention: str = "any"
    order: str = ""
    remove: bool = False
    new: bool = False

    def is_blank(self) -> bool:
        return self.new and not (self.step or self.flags or self.trends or self.open_intervention != "any")


@dataclass(frozen=True)
class Problem:
    """Why a change was refused, and the field it is about ("" when it is about the whole form)."""

    message: str
    field: str = ""
    anchor: str = ""  # the element an error summary links to


@dataclass
class RulesDraft:
    """The thresholds and rule rows as the form shows them, with any problems found on saving."""

    thresholds: dict[str, str]
    rows: list[RuleRow]
    problems: list[Problem] = field(default_factory=list)

    def errors(self, key: str) -> list[str]:
        return [p.message for p in self.problems if p.field == key]

    def label(self, index: int) -> str:
        """How the page and its messages name a row: by its place on the page."""
        return "New rule" if self.rows[index].new else f"Rule {index + 1}"


class RulesRefused(ValueError):
    """The draft cannot be saved; its problems are on the draft."""


@dataclass(frozen=True)
class Version:
    """One line of a trust's rule history."""

    version: int
    created_at: datetime | None
    by: str
    thresholds: Thresholds
    rules: int

    @property
    def summary(self) -> str:
        t = self.thresholds
        return (
            f"Green from {percent(t.green_from)}, red up to {percent(t.red_upto)}, purple up to "
            f"{percent(t.purple_upto)}, new below {t.new_below} sessions; {self.rules} rules"
        )


def percent(tenths: int) -> str:
    """A threshold as people write it: 96%, 92.5%."""
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10}%"


def explain(t: Thresholds) -> list[tuple[str, str]]:
    """What each flag means under these thresholds, in plain English (flag, sentence)."""
    return [
        ("new", f"fewer than {t.new_below} possible sessions so far this year: too early to judge"),
        ("green", f"attendance of {percent(t.green_from)} or more"),
        ("amber", f"attendance above {percent(t.red_upto)} and below {percent(t.green_from)}"),
        (
            "red",
            f"attendance above {percent(t.purple_upto)} and up to {percent(t.red_upto)}: persistent absence",
        ),
        ("purple", f"attendance of {percent(t.purple_upto)} or less: severe absence"),
    ]


def draft_of(rules: RuleSet) -> RulesDraft:
    """The form for a stored rule set, with one blank row to add a rule."""
    thresholds = rules.to_json()["thresholds"]
    rows = [
        RuleRow(
            step=rule.step,
            flags=list(rule.flags or ()),
            trends=list(rule.trends or ()),
            open_intervention={None: "any", True: "yes", False: "no"}[rule.open_intervention],
            order=str(position),
        )
        for position, rule in enumerate(rules.rules, start=1)
    ]
    return RulesDraft({k: _plain(v) for k, v in thresholds.items()}, [*rows, RuleRow(new=True)])


def draft_from_form(form: MultiDict[str, str]) -> RulesDraft:
    """Read the posted thresholds and rule rows, keeping every value as typed."""
    indices = sorted({int(m.group(1)) for key in form if (m := _ROW_KEY.match(key))})[:MAX_ROWS]
    rows = [
        RuleRow(
            step=form.get(f"rule-{i}-step", "").strip(),
            flags=form.getlist(f"rule-{i}-flags"),
            trends=form.getlist(f"rule-{i}-trends"),
            open_intervention=form.get(f"rule-{i}-open_intervention", "any"),
            order=form.get(f"rule-{i}-order", "").strip(),
            remove=bool(form.get(f"rule-{i}-remove")),
            new=bool(form.get(f"rule-{i}-new")),
        )
        for i in indices
    ]
    return RulesDraft({name: form.get(name, "").strip() for name in THRESHOLD_NAMES}, rows)


def definition_of(draft: RulesDraft) -> tuple[dict[str, Any], list[int]]:
    """The JSON definition the rules engine checks, and which row each rule came from (in order).

    Rows are taken in order of their order number (then their place on the page); removed rows and
    an untouched blank row are left out. Values that are not numbers are problems added to the draft.
    """
    thresholds: dict[str, Any] = {}
    for name, text in draft.thresholds.items():
        value = _number(text)
        if value is None:
            draft.problems.append(Problem(f"{THRESHOLD_NAMES[name]}: enter a number", name, name))
        else:
            thresholds[name] = value
    keyed: list[tuple[float, int]] = []
    for index, row in enumerate(draft.rows):
        if row.remove or row.is_blank():
            continue
        order = _number(row.order) if row.order else math.inf
        if order is None:
            draft.problems.append(
                _row_problem(draft, index, "order", "the order must be a number, such as 3 or 2.5")
            )
            order = index + 1  # keep its place on the page, so no other problem is invented
        keyed.append((float(order), index))
    rows = [index for _, index in sorted(keyed)]
    rules = []
    for index in rows:
        row = draft.rows[index]
        rule: dict[str, Any] = {"step": row.step}
        for name, values in (("flags", row.flags), ("trends", row.trends)):
            if values:
                rule[name] = list(values)
        if row.open_intervention not in INTERVENTION:
            draft.problems.append(
                _row_problem(draft, index, "open_intervention", "open intervention must be any, yes or no")
            )
        elif INTERVENTION[row.open_intervention] is not None:
            rule["open_intervention"] = INTERVENTION[row.open_intervention]
        rules.append(rule)
    return {"thresholds": thresholds, "rules": rules}, rows


def save_draft(db: Session, trust_id: int, draft: RulesDraft, by_name: str, by_title: str) -> int | None:
    """Save the page's rules as a new version and commit; None when they are the rules in use.

    RulesRefused when anything is wrong: every problem is then on the draft and nothing is saved.
    """
    definition, rows = definition_of(draft)
    try:
        checked = RuleSet.from_json(definition)
    except RulesInvalid as exc:
        draft.problems.extend(_locate(draft, rows, p) for p in exc.problems)
        checked = None
    if draft.problems or checked is None:
        raise RulesRefused(f"{len(draft.problems)} problems")
    return _save(db, trust_id, checked, by_name, by_title)


def restore_defaults(db: Session, trust_id: int, by_name: str, by_title: str) -> int | None:
    """Save design.md's thresholds and rules as a new version; None when they are already in use."""
    return _save(db, trust_id, RuleSet(Thresholds(), DEFAULT_RULES), by_name, by_title)


def history(db: Session, trust_id: int) -> list[Version]:
    """Every version of the trust's rules, newest first, ending with version 0 (the defaults)."""
    stored = db.scalars(
        select(FlagRuleSet).where(FlagRuleSet.trust_id == trust_id).order_by(FlagRuleSet.version.desc())
    )
    versions = []
    for row in stored:
        rules = RuleSet.from_json(row.definition)
        by = f"{row.created_by_name}, {row.created_by_title}"
        versions.append(Version(row.version, row.created_at, by, rules.thresholds, len(rules.rules)))
    versions.append(Version(0, None, "design.md defaults", Thresholds(), len(DEFAULT_RULES)))
    return versions


def _save(db: Session, trust_id: int, rules: RuleSet, by_name: str, by_title: str) -> int | None:
    try:
        return _save_once(db, trust_id, rules, by_name, by_title)
    except IntegrityError:  # another leader took this version number a moment ago: take the next one
        db.rollback()
        return _save_once(db, trust_id, rules, by_name, by_title)


def _save_once(db: Session, trust_id: int, rules: RuleSet, by_name: str, by_title: str) -> int | None:
    _version, in_use = current_rules(db, trust_id)
    if _same(rules, in_use):
        return None
    version = save_rules(db, trust_id, rules.to_json(), by_name, by_title)
    db.commit()
    return version


def _same(a: RuleSet, b: RuleSet) -> bool:
    """Equal rule sets, whatever order a rule's flags or trends were ticked in."""

    def key(rule: Rule) -> tuple[object, ...]:
        return (
            rule.step,
            None if rule.flags is None else frozenset(rule.flags),
            None if rule.trends is None else frozenset(rule.trends),
            rule.open_intervention,
        )

    return a.thresholds == b.thresholds and [key(r) for r in a.rules] == [key(r) for r in b.rules]


def _number(text: str) -> int | float | None:
    """A number as typed (a trailing % allowed); None when it is not one."""
    text = text.strip().removesuffix("%").strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _plain(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _row_problem(draft: RulesDraft, index: int, name: str, message: str) -> Problem:
    key = f"rule-{index}-{name}"
    first = {"flags": FLAGS[0], "trends": TRENDS[0]}.get(name)
    return Problem(f"{draft.label(index)}: {message}", key, f"{key}-{first}" if first else key)


def _locate(draft: RulesDraft, rows: list[int], problem: str) -> Problem:
    """Say in the page's words what a rules-engine problem is about, and which field."""
    found = _RULE_PROBLEM.match(problem)
    if found:
        index = rows[int(found.group(1)) - 1]
        text = found.group(2)
        if text.startswith("step must be one of"):
            return _row_problem(draft, index, "step", "choose a next step from the list")
        name = next((n for n in ("flags", "trends", "open_intervention") if text.startswith(n)), "step")
        return _row_problem(draft, index, name, text.replace("open_intervention", "open intervention"))
    if problem.startswith("the last rule must apply to every pupil"):
        return _row_problem(draft, rows[-1], "step", problem)
    if problem.startswith("give at least one"):
        return Problem("Give at least one next-step rule.", "rules", "rules")
    if problem.startswith("thresholds must rise"):
        purple, red = (_number(draft.thresholds[n]) for n in ("purple_upto", "red_upto"))
        if purple is not None and red is not None and purple >= red:
            message = "Purple up to must be below red up to: severe absence is worse than persistent absence"
            return Problem(message, "purple_upto", "purple_upto")
        message = "Red up to must be below green from, so that amber lies between them"
        return Problem(message, "red_upto", "red_upto")
    name = next((n for n in THRESHOLD_NAMES if problem.startswith(n)), "")
    if name:
        return Problem(problem.replace(name, THRESHOLD_NAMES[name], 1), name, name)
    return Problem(problem)
