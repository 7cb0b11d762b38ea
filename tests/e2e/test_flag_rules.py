"""A trust leader changes the flag thresholds in Chromium: a mistake is explained, the fix is saved."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, sign_in


def test_leader_corrects_a_refused_change_and_saves_it(page: Page, live_url: str, world: World) -> None:
    sign_in(page, live_url, world.users["a_leader"])
    page.get_by_role("link", name="Alder Trust", exact=True).click()
    page.get_by_role("link", name="Flag thresholds and next-step rules").click()
    expect(page.get_by_text("In use: version 0")).to_be_visible()

    page.get_by_label("Red up to (%)").fill("97")
    page.get_by_role("group", name="Rule 7: flag is (tick none for any)").get_by_label("Amber").check()
    page.get_by_role("button", name="Save as a new version").click()
    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("Nothing was saved. 2 problems")
    expect(problems).to_contain_text("Red up to must be below green from")
    expect(problems).to_contain_text("Rule 7: the last rule must apply to every pupil")
    expect(page.get_by_label("Red up to (%)")).to_have_value("97")  # kept as typed
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "flag-rules-refused.png"), full_page=True)

    problems.get_by_role("link", name="Rule 7: the last rule").click()
    expect(page.get_by_label("Rule 7: next step")).to_be_focused()
    page.get_by_role("group", name="Rule 7: flag is (tick none for any)").get_by_label("Amber").uncheck()
    page.get_by_label("Red up to (%)").fill("85")
    page.get_by_label("New rule: next step").select_option("explore")
    page.get_by_role("group", name="New rule: trend is (tick none for any)").get_by_label("Unchanged").check()
    page.get_by_label("New rule: order").fill("6.5")
    page.get_by_role("button", name="Save as a new version").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Saved as version 1; it applies from the next computation of flags"
    )
    expect(page.get_by_text("In use: version 1")).to_be_visible()
    expect(page.get_by_label("Rule 7: next step")).to_have_value("explore")  # the new rule, placed 7th
    expect(page.get_by_label("Rule 8: next step")).to_have_value("monitor")
    history = page.get_by_role("table").last
    expect(history).to_contain_text("red up to 85%")
