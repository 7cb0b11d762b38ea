"""The trust leader's flag rules page: save a change as a new version, refuse a bad one with every
reason and nothing saved, restore the defaults; and nobody else, in or out of the trust, may use it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.flags.models import FlagRuleSet
from app.flags.rules import DEFAULT_RULES, Rule, RuleSet, Thresholds
from app.flags.rulesets import current_rules
from tenants import context
from tenants.access import system_context
from tests.conftest import World
from tests.helpers import csrf_token, signed_in

PAGE = "/trusts/trust-a/flag-rules"
DEFAULTS = "/trusts/trust-a/flag-rules/defaults"
THRESHOLDS = {"green_from": "96", "red_upto": "90", "purple_upto": "50", "new_below": "20"}


def _row(rule: Rule, order: int) -> dict[str, Any]:
    """A rules-table row as the page shows a stored rule."""
    return {
        "step": rule.step,
        "flags": list(rule.flags or ()),
        "trends": list(rule.trends or ()),
        "open_intervention": {None: "any", True: "yes", False: "no"}[rule.open_intervention],
        "order": str(order),
    }


def _default_rows() -> list[dict[str, Any]]:
    return [_row(rule, i) for i, rule in enumerate(DEFAULT_RULES, start=1)]


def _form(thresholds: dict[str, str], rows: list[dict[str, Any]], new: dict[str, Any] | None = None) -> dict:
    """What the browser posts: thresholds, one group of fields per row, and the blank row last."""
    data: dict[str, Any] = dict(thresholds)
    for i, row in enumerate([*rows, {**(new or {}), "new": True}]):
        data[f"rule-{i}-step"] = row.get("step", "")
        data[f"rule-{i}-flags"] = row.get("flags", [])
        data[f"rule-{i}-trends"] = row.get("trends", [])
        data[f"rule-{i}-open_intervention"] = row.get("open_intervention", "any")
        data[f"rule-{i}-order"] = row.get("order", "")
        if row.get("remove"):
            data[f"rule-{i}-remove"] = "y"
        if row.get("new"):
            data[f"rule-{i}-new"] = "1"
    return data


def _post(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, PAGE)})


def _rules_of(db: Session, trust_id: int) -> tuple[int, RuleSet]:
    with context.use(system_context(db, "test", trust_id=trust_id)):
        found = current_rules(db, trust_id)
        db.rollback()
        return found


def _versions(db: Session, trust_id: int) -> int:
    with context.use(system_context(db, "test", trust_id=trust_id)):
        count = db.scalar(
            select(func.count()).select_from(FlagRuleSet).where(FlagRuleSet.trust_id == trust_id)
        )
        db.rollback()
        return count or 0


def _text(html: str) -> str:
    """The page's words without tags, as a reader hears them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_shows_the_defaults_as_version_zero(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a_leader"])
    trust_page = client.get("/trusts/trust-a").get_data(as_text=True)
    assert f'href="{PAGE}"' in trust_page
    html = client.get(PAGE).get_data(as_text=True)
    text = _text(html)
    assert "In use: version 0 , design.md defaults (never changed)" in text
    assert "attendance of 96% or more" in text and "attendance of 50% or less: severe absence" in text
    assert re.search(r'<input[^>]*id="green_from"[^>]*value="96"', html)
    assert 'name="rule-6-order"' in html and 'name="rule-7-new"' in html  # seven rules and a blank row
    assert '<option value="refer" selected>Refer to the DSL' in html
    assert 'id="rule-6-flags-green"' in html and 'for="rule-0-step"' in html


def test_a_leader_saves_new_thresholds_and_reordered_rules(
    client: FlaskClient, db: Session, world: World
) -> None:
    signed_in(client, world.users["a_leader"])
    rows = _default_rows()
    rows[3]["remove"] = True  # explore
    rows[4]["order"], rows[5]["order"] = "6", "5"  # recognise before praise
    new = {"step": "support", "flags": ["amber"], "trends": ["declined"], "order": "3.5"}
    thresholds = {"green_from": "95", "red_upto": "88.5", "purple_upto": "45", "new_below": "10"}
    response = _post(client, PAGE, _form(thresholds, rows, new))
    assert response.status_code == 302, _text(response.get_data(as_text=True))[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved as version 1; it applies from the next computation of flags" in page

    version, rules = _rules_of(db, world.trust_a.id)
    assert version == 1
    assert rules.thresholds == Thresholds(green_from=950, red_upto=885, purple_upto=450, new_below=10)
    assert rules.rules == (
        Rule("refer", flags=("purple",)),
        Rule("support", flags=("red",), open_intervention=False),
        Rule("review", flags=("red",), open_intervention=True),
        Rule("support", flags=("amber",), trends=("declined",)),
        Rule("recognise", flags=("green",)),
        Rule("praise", trends=("improved",)),
        Rule("monitor"),
    )
    text = _text(page)
    assert "In use: version 1 , saved by Leader, Attendance officer on" in text
    assert "Green from 95%, red up to 88.5%, purple up to 45%, new below 10 sessions; 7 rules" in text
    assert "Green from 96%, red up to 90%, purple up to 50%, new below 20 sessions; 7 rules" in text  # v0
    assert "attendance above 88.5% and below 95%" in text
    assert 'value="3.5"' not in page and 'name="rule-7-new"' in page  # shown renumbered, blank row last


@pytest.mark.parametrize(
    ("change", "messages", "anchors"),
    [
        (
            {"red_upto": "97"},
            ["Red up to must be below green from, so that amber lies between them"],
            ["red_upto"],
        ),
        (
            {"purple_upto": "92"},
            ["Purple up to must be below red up to: severe absence is worse than persistent absence"],
            ["purple_upto"],
        ),
        (
            {"last_rule": {"flags": ["amber"]}},
            ["Rule 7: the last rule must apply to every pupil (no conditions), so nobody is missed"],
            ["rule-6-step"],
        ),
        ({"rule_2": {"step": "phone"}}, ["Rule 2: choose a next step from the list"], ["rule-1-step"]),
        (
            {"green_from": "lots", "new_below": "2.5", "rule_3": {"order": "third"}, "red_upto": "90.25"},
            [
                "Green from: enter a number",
                "Rule 3: the order must be a number, such as 3 or 2.5",
                "Red up to may have at most one decimal place",
                "New below must be a whole number of sessions from 0 to 400",
            ],
            ["green_from", "rule-2-order", "red_upto", "new_below"],
        ),
        ({"new": {"flags": ["red"]}}, ["New rule: choose a next step from the list"], ["rule-7-step"]),
        ({"remove_all": True}, ["Give at least one next-step rule."], ["rules"]),
    ],
)
def test_a_bad_change_is_refused_whole_with_every_reason(
    client: FlaskClient,
    db: Session,
    world: World,
    change: dict[str, Any],
    messages: list[str],
    anchors: list[str],
) -> None:
    signed_in(client, world.users["a_leader"])
    thresholds = {**THRESHOLDS, **{k: v for k, v in change.items() if k in THRESHOLDS}}
    rows = _default_rows()
    rows[-1].update(change.get("last_rule", {}))
    rows[1].update(change.get("rule_2", {}))
    rows[2].update(change.get("rule_3", {}))
    for row in rows:
        row["remove"] = change.get("remove_all", False)
    response = _post(client, PAGE, _form(thresholds, rows, change.get("new")))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    problems = re.search(r'id="problems">(.*?)</div>', html, re.S)
    assert problems, html[:2000]
    assert f"Nothing was saved. {len(messages)} problem" in problems.group(1)
    listed = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', problems.group(1))
    assert sorted(listed) == sorted(zip(anchors, messages, strict=True))
    for anchor in anchors:
        assert f'id="{anchor}"' in html  # every link in the summary reaches a field
    for anchor in set(anchors) - {"rules"}:
        assert f'aria-describedby="{anchor}-error"' in html and f'id="{anchor}-error"' in html
    for value in thresholds.values():
        assert f'value="{value}"' in html  # kept as typed
    assert _versions(db, world.trust_a.id) == 0


def test_what_was_typed_is_kept_when_refused(client: FlaskClient, db: Session, world: World) -> None:
    signed_in(client, world.users["a_leader"])
    rows = _default_rows()
    rows[-1]["flags"] = ["amber"]  # refused: the last rule has a condition
    rows[0]["order"] = "9"
    rows[3]["remove"] = True
    new = {"step": "praise", "trends": ["unchanged"], "open_intervention": "no", "order": "1.5"}
    response = _post(client, PAGE, _form({**THRESHOLDS, "green_from": "97.5"}, rows, new))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="97.5"' in html and 'value="9"' in html and 'value="1.5"' in html
    assert re.search(r'id="rule-6-flags-amber" name="rule-6-flags" value="amber"\s+checked', html)
    assert re.search(r'id="rule-3-remove" name="rule-3-remove" value="y" checked', html)
    new_step = re.search(r'<select id="rule-7-step".*?</select>', html, re.S)
    assert new_step and '<option value="praise" selected>' in new_step.group(0)
    assert re.search(r'id="rule-7-trends-unchanged" name="rule-7-trends" value="unchanged"\s+checked', html)
    assert 'name="rule-7-new"' in html
    assert _versions(db, world.trust_a.id) == 0


def test_saving_the_rules_in_use_adds_no_version(client: FlaskClient, db: Session, world: World) -> None:
    signed_in(client, world.users["a_leader"])
    response = _post(client, PAGE, _form(THRESHOLDS, _default_rows()))
    assert response.status_code == 302
    assert "Nothing changed" in client.get(PAGE).get_data(as_text=True)
    assert _versions(db, world.trust_a.id) == 0


def test_restore_the_defaults_saves_them_as_a_new_version(
    client: FlaskClient, db: Session, world: World
) -> None:
    signed_in(client, world.users["a_leader"])
    assert _post(client, PAGE, _form({**THRESHOLDS, "red_upto": "85"}, _default_rows())).status_code == 302
    assert _rules_of(db, world.trust_a.id)[1].thresholds.red_upto == 850
    response = _post(client, DEFAULTS, {})
    assert response.status_code == 302
    assert "Saved as version 2" in client.get(PAGE).get_data(as_text=True)
    assert _rules_of(db, world.trust_a.id) == (2, RuleSet())
    again = _post(client, DEFAULTS, {})
    assert again.status_code == 302 and "Nothing changed" in client.get(PAGE).get_data(as_text=True)
    assert _versions(db, world.trust_a.id) == 2
    history = _text(client.get(PAGE).get_data(as_text=True))
    assert "red up to 85%" in history and "In use: version 2" in history


@pytest.mark.parametrize("intruder", ["b_leader", "b1_lead", "a1_lead", "a1_staff", "a_governor", "a2_lead"])
def test_only_the_trusts_leader_may_use_the_page(
    client: FlaskClient, db: Session, world: World, intruder: str
) -> None:
    signed_in(client, world.users[intruder])
    token = csrf_token(client, "/account/password")
    form = _form({**THRESHOLDS, "red_upto": "80"}, _default_rows())
    get = client.get(PAGE)
    assert get.status_code in (403, 404)
    assert "Alder" not in get.get_data(as_text=True)
    for path in (PAGE, DEFAULTS):
        response = client.post(path, data={**form, "csrf_token": token})
        assert response.status_code in (403, 404), (path, response.status_code)
    if intruder.startswith("b"):
        assert get.status_code == 404  # another trust is simply not found
    assert _versions(db, world.trust_a.id) == 0


def test_anonymous_is_sent_to_sign_in(client: FlaskClient, db: Session, world: World) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    token = csrf_token(client, "/login")
    refused = client.post(PAGE, data={**_form(THRESHOLDS, _default_rows()), "csrf_token": token})
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert _versions(db, world.trust_a.id) == 0


def test_a_change_stays_in_its_own_trust(client: FlaskClient, db: Session, world: World) -> None:
    signed_in(client, world.users["b_leader"])
    b_form = _form({**THRESHOLDS, "green_from": "97"}, _default_rows())
    b_response = client.post(
        "/trusts/trust-b/flag-rules", data={**b_form, "csrf_token": csrf_token(client, "/")}
    )
    assert b_response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    signed_in(client, world.users["a_leader"])
    assert _post(client, PAGE, _form({**THRESHOLDS, "red_upto": "80"}, _default_rows())).status_code == 302
    assert _rules_of(db, world.trust_a.id)[1].thresholds == Thresholds(red_upto=800)
    assert _rules_of(db, world.trust_b.id) == (1, RuleSet(Thresholds(green_from=970)))
    a_page = _text(client.get(PAGE).get_data(as_text=True))
    assert "green from 97%" not in a_page.lower() and "Birch" not in a_page
