"""Flags, trends and next steps at every boundary (design.md "Weekly flags"), and rule checking."""

from __future__ import annotations

import numpy as np
import pytest

from app.flags.rules import (
    DEFAULT_RULES,
    FLAGS,
    STEP_LIST,
    TRENDS,
    RuleSet,
    RulesInvalid,
    Thresholds,
    flags_of,
    steps_of,
    trends_of,
)

DEFAULTS = Thresholds()


def _flags(possible: list[int], attended: list[int], thresholds: Thresholds = DEFAULTS) -> list[str]:
    return [FLAGS[f] for f in flags_of(np.array(possible), np.array(attended), thresholds)]


def test_flag_boundaries_are_exact() -> None:
    assert _flags([1000] * 7, [960, 959, 901, 900, 501, 500, 0]) == [
        "green", "amber", "amber", "red", "red", "purple", "purple",
    ]  # fmt: skip
    assert _flags([25, 50, 20], [24, 48, 18]) == ["green", "green", "red"]  # 96.0%, 96.0%, 90.0%


def test_fewer_than_twenty_sessions_is_new_whatever_the_rate() -> None:
    assert _flags([19, 19, 20, 0], [0, 19, 20, 0]) == ["new", "new", "green", "new"]


def test_a_trusts_own_thresholds_move_the_boundaries() -> None:
    strict = Thresholds(green_from=975, red_upto=925, purple_upto=600, new_below=10)
    assert _flags([200, 200, 200, 200, 10], [195, 194, 185, 120, 10], strict) == [
        "green", "amber", "red", "purple", "green",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("now", "before", "trend"),
    [
        ((19, 20), (10, 10), "declined"),  # 95% now, 100% last week
        ((19, 20), (9, 10), "improved"),  # 95% now, 90% last week
        ((38, 40), (19, 20), "unchanged"),  # 95% both weeks
        ((10, 10), (0, 0), "new"),  # no previous value
    ],
)
def test_every_trend(now: tuple[int, int], before: tuple[int, int], trend: str) -> None:
    (found,) = trends_of(np.array([now[1]]), np.array([now[0]]), np.array([before[1]]), np.array([before[0]]))
    assert TRENDS[found] == trend


@pytest.mark.parametrize(
    ("flag", "trend", "open_case", "step"),
    [
        ("purple", "improved", True, "refer"),
        ("red", "declined", False, "support"),
        ("red", "improved", True, "review"),
        ("amber", "declined", False, "explore"),
        ("green", "declined", False, "explore"),
        ("amber", "improved", False, "praise"),
        ("green", "unchanged", False, "recognise"),
        ("amber", "unchanged", False, "monitor"),
        ("new", "new", False, "monitor"),
    ],
)
def test_every_next_step_rule_first_match_wins(flag: str, trend: str, open_case: bool, step: str) -> None:
    (found,) = steps_of(
        DEFAULT_RULES, np.array([FLAGS.index(flag)]), np.array([TRENDS.index(trend)]), np.array([open_case])
    )
    assert STEP_LIST[found] == step


def test_a_rule_set_round_trips_and_bad_rules_name_every_problem() -> None:
    assert RuleSet.from_json(RuleSet().to_json()) == RuleSet()
    with pytest.raises(RulesInvalid) as caught:
        RuleSet.from_json(
            {
                "thresholds": {"green_from": 89, "red_upto": 90.25, "purple_upto": 50, "new_below": -1},
                "rules": [{"step": "phone", "flags": ["red"]}, {"step": "refer", "flags": ["blue"]}],
            }
        )
    problems = caught.value.problems
    assert "red_upto may have at most one decimal place" in problems
    assert "new_below must be a whole number of sessions from 0 to 400" in problems
    assert "thresholds must rise: purple_upto < red_upto < green_from" in problems
    assert any(p.startswith("rule 1: step must be one of") for p in problems)
    assert any(p.startswith("rule 2: flags must be a non-empty list") for p in problems)
    with pytest.raises(RulesInvalid, match="the last rule must apply to every pupil"):
        RuleSet.from_json({"rules": [{"step": "refer", "flags": ["purple"]}]})
