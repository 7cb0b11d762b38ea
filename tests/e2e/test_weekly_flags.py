"""The attendance lead's week in Chromium: open the weekly flags, filter to red, open a pupil, see the
next step and the register calendar. Screenshots are kept in tests/e2e/artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tenants.models import School
from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.weekly import LAST_WEEK, add_registers


def test_lead_filters_to_red_and_opens_a_pupil(
    page: Page, live_url: str, db: Session, world: World, school: School
) -> None:
    add_registers(db, world, school)
    sign_in(page, live_url, world.users["a1_lead"])
    page.get_by_role("link", name="Alder One Primary").click()
    page.get_by_role("link", name="Weekly flags").click()

    expect(page.get_by_role("heading", name="Weekly flags")).to_be_visible()
    expect(page.get_by_text(f"Week beginning {LAST_WEEK:%-d %B %Y}")).to_be_visible()
    grid = page.locator("#flags-grid")
    expect(grid.get_by_text("▲ Red: persistent absence")).to_be_visible()
    expect(grid.get_by_text("! Amber: above 90%, below 96%")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "weekly-flags.png"), full_page=True)

    choose(page, "Flag", "Red")
    expect(page.get_by_text("Showing 1 of 4 pupils on roll that week.")).to_be_visible()
    expect(grid.locator(".ag-center-cols-container .ag-row")).to_have_count(1)
    expect(
        grid.get_by_text("Identify immediate support and actions (attendance support meeting)")
    ).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "weekly-flags-red.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the list (Excel)").click()
    assert download.value.suggested_filename == f"weekly-flags-100001-{LAST_WEEK}.xlsx"

    page.get_by_role("button", name="Clear filters").click()
    expect(page.get_by_text("Showing 4 of 4 pupils on roll that week.")).to_be_visible()
    page.get_by_role("button", name="1 pupil in year 9 with 5% to under 10% absence: show them").click()
    expect(page.get_by_text("Showing 1 of 4 pupils on roll that week.")).to_be_visible()
    expect(grid.get_by_role("link", name="Sam Chen", exact=True)).to_be_visible()
    page.get_by_role("button", name="Clear filters").click()
    expect(page.get_by_text("Showing 4 of 4 pupils on roll that week.")).to_be_visible()

    choose(page, "Flag", "Red")
    expect(page.get_by_text("Showing 1 of 4 pupils on roll that week.")).to_be_visible()
    expect(grid.locator(".ag-center-cols-container .ag-row")).to_have_count(1)
    grid.get_by_role("link", name="Sam Okafor", exact=True).click()
    expect(page.get_by_role("heading", name="Sam Okafor")).to_be_visible()
    expect(
        page.get_by_text("Identify immediate support and actions (attendance support meeting)")
    ).to_be_visible()
    expect(
        page.get_by_text("Missed 1 day (5 lessons) out of 10 possible days: attendance 90.0%.")
    ).to_be_visible()
    expect(page.locator("#pupil-calendar")).to_contain_text("O")
    expect(page.locator("#pupil-trend .main-svg").first).to_be_visible()  # the year's line is drawn
    page.screenshot(path=str(ARTIFACTS / "pupil-next-step.png"), full_page=True)


def choose(page: Page, control: str, option: str) -> None:
    """Pick a filter by keyboard alone: the dropdown is named by its label, opens with Enter, searches."""
    page.get_by_role("button", name=re.compile(f"^{control}")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("searchbox", name="Search", exact=True)).to_be_focused()
    page.keyboard.type(option)
    expect(page.get_by_role("option")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
