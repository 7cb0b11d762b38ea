"""Weekly flags, trends and next steps (design.md), evaluated for a whole school at once.

Thresholds are kept in tenths of a percent and compared with whole numbers of sessions, so a pupil
at exactly 90.0% is red and at exactly 96.0% green, with no floating-point doubt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

FLAGS = ("new", "green", "amber", "red", "purple")
FLAG_LABELS = {
    "new": "New: too few sessions",
    "green": "Green: 96% or more",
    "amber": "Amber: above 90%, below 96%",
    "red": "Red: persistent absence",
    "purple": "Purple: severe absence",
}
FLAG_ICONS = {
    "new": "○",
    "green": "✓",
    "amber": "!",
    "red": "▲",
    "purple": "◆",
}  # a flag is never colour alone
TRENDS = ("new", "improved", "unchanged", "declined")
STEPS = {
    "refer": "Refer to the DSL, senior attendance champion, SENDCo or local authority",
    "support": "Identify immediate support and actions (attendance support meeting)",
    "review": "Review the action plan (due within 6 weeks of agreeing it)",
    "explore": "Explore the reasons for the decline",
    "praise": "Verbal recognition of improvement",
    "recognise": "Verbal recognition: attendance remains strong",
    "monitor": "Tutor check-in",
}
STEP_LIST = tuple(STEPS)


class RulesInvalid(ValueError):
    """Thresholds or next-step rules that cannot be used, with every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Thresholds:
    """Year-to-date attendance, in tenths of a percent, that bounds each flag (design.md defaults)."""

    green_from: int = 960  # green at or above
    red_upto: int = 900  # red at or below (persistent absence)
    purple_upto: int = 500  # purple at or below (severe absence)
    new_below: int = 20  # possible sessions below which a pupil is "new"


@dataclass(frozen=True)
class Rule:
    """When a pupil matches every condition given (None means any), this is their next step."""

    step: str
    flags: tuple[str, ...] | None = None
    trends: tuple[str, ...] | None = None
    open_intervention: bool | None = None


DEFAULT_RULES = (
    Rule("refer", flags=("purple",)),
    Rule("support", flags=("red",), open_intervention=False),
    Rule("review", flags=("red",), open_intervention=True),
    Rule("explore", flags=("amber", "green"), trends=("declined",)),
    Rule("praise", trends=("improved",)),
    Rule("recognise", flags=("green",)),
    Rule("monitor"),
)


@dataclass(frozen=True)
class RuleSet:
    thresholds: Thresholds = field(default_factory=Thresholds)
    rules: tuple[Rule, ...] = DEFAULT_RULES

    def to_json(self) -> dict[str, Any]:
        t = self.thresholds
        return {
            "thresholds": {
                "green_from": t.green_from / 10,
                "red_upto": t.red_upto / 10,
                "purple_upto": t.purple_upto / 10,
                "new_below": t.new_below,
            },
            "rules": [
                {k: list(v) if isinstance(v, tuple) else v for k, v in vars(r).items() if v is not None}
                for r in self.rules
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RuleSet:
        """Check a rule set as a trust leader sends it; RulesInvalid lists every problem."""
        problems: list[str] = []
        raw = data.get("thresholds") or {}
        tenths = {}
        for name in ("green_from", "red_upto", "purple_upto"):
            value = raw.get(name, getattr(Thresholds(), name) / 10)
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 100:
                problems.append(f"{name} must be a percentage from 0 to 100")
                continue
            if round(value * 10) != value * 10:
                problems.append(f"{name} may have at most one decimal place")
            tenths[name] = round(value * 10)
        new_below = raw.get("new_below", Thresholds.new_below)
        if not isinstance(new_below, int) or isinstance(new_below, bool) or not 0 <= new_below <= 400:
            problems.append("new_below must be a whole number of sessions from 0 to 400")
        if len(tenths) == 3 and not tenths["purple_upto"] < tenths["red_upto"] < tenths["green_from"]:
            problems.append("thresholds must rise: purple_upto < red_upto < green_from")
        rules = tuple(_rule(i, r, problems) for i, r in enumerate(data.get("rules") or [], start=1))
        if not rules:
            problems.append("give at least one next-step rule")
        elif None not in rules and not _matches_everyone(rules[-1]):
            problems.append("the last rule must apply to every pupil (no conditions), so nobody is missed")
        if problems:
            raise RulesInvalid(problems)
        return cls(Thresholds(new_below=new_below, **tenths), rules)  # type: ignore[arg-type]


def _rule(position: int, raw: Any, problems: list[str]) -> Rule | None:
    if not isinstance(raw, dict) or raw.get("step") not in STEPS:
        problems.append(f"rule {position}: step must be one of {', '.join(STEPS)}")
        return None
    unknown = set(raw) - {"step", "flags", "trends", "open_intervention"}
    if unknown:
        problems.append(f"rule {position}: unknown condition {', '.join(sorted(unknown))}")
    conditions: dict[str, Any] = {}
    for name, allowed in (("flags", FLAGS), ("trends", TRENDS)):
        values = raw.get(name)
        if values is None:
            continue
        if not isinstance(values, list) or not values or any(v not in allowed for v in values):
            problems.append(f"rule {position}: {name} must be a non-empty list of {', '.join(allowed)}")
            continue
        conditions[name] = tuple(values)
    intervention = raw.get("open_intervention")
    if intervention is not None and not isinstance(intervention, bool):
        problems.append(f"rule {position}: open_intervention must be true or false")
    return Rule(raw["step"], open_intervention=intervention, **conditions)


def _matches_everyone(rule: Rule | None) -> bool:
    return rule is not None and (rule.flags, rule.trends, rule.open_intervention) == (None, None, None)


def flags_of(possible: np.ndarray, attended: np.ndarray, t: Thresholds) -> np.ndarray:
    """Flag index (FLAGS) per pupil from year-to-date sessions; exact at every boundary."""
    scaled = attended.astype(np.int64) * 1000  # attendance in tenths of a percent, times possible
    possible = possible.astype(np.int64)
    flags = np.full(len(possible), FLAGS.index("amber"), np.int8)
    flags[scaled >= t.green_from * possible] = FLAGS.index("green")
    flags[scaled <= t.red_upto * possible] = FLAGS.index("red")
    flags[scaled <= t.purple_upto * possible] = FLAGS.index("purple")
    flags[(possible < t.new_below) | (possible == 0)] = FLAGS.index("new")
    return flags


def trends_of(
    possible: np.ndarray, attended: np.ndarray, before_possible: np.ndarray, before_attended: np.ndarray
) -> np.ndarray:
    """Trend index (TRENDS): year-to-date attendance now against the end of the previous week."""
    now = attended.astype(np.int64) * before_possible
    before = before_attended.astype(np.int64) * possible
    trends = np.full(len(possible), TRENDS.index("unchanged"), np.int8)
    trends[now > before] = TRENDS.index("improved")
    trends[now < before] = TRENDS.index("declined")
    trends[(before_possible == 0) | (possible == 0)] = TRENDS.index("new")
    return trends


def steps_of(
    rules: tuple[Rule, ...], flags: np.ndarray, trends: np.ndarray, open_intervention: np.ndarray
) -> np.ndarray:
    """Next-step index (STEP_LIST) per pupil: the first rule that matches wins."""
    steps = np.full(len(flags), -1, np.int8)
    for rule in rules:
        match = steps == -1
        if rule.flags is not None:
            match &= np.isin(flags, [FLAGS.index(f) for f in rule.flags])
        if rule.trends is not None:
            match &= np.isin(trends, [TRENDS.index(t) for t in rule.trends])
        if rule.open_intervention is not None:
            match &= open_intervention == rule.open_intervention
        steps[match] = STEP_LIST.index(rule.step)
    return steps
