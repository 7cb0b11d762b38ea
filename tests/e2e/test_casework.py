"""The attendance lead acts on a red pupil in Chromium: the weekly next step becomes an action, an attendance
support meeting is recorded with its review date, and the traffic-light letter is generated and opened,
its days and lessons matching the register. Screenshots are kept in tests/e2e/artifacts/."""

from __future__ import annotations

import io
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy.orm import Session

from tenants.models import School
from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_weekly_flags import choose
from tests.weekly import add_registers

TODAY = date.today()


def test_a_red_pupils_next_step_becomes_support_and_a_letter(
    page: Page, live_url: str, db: Session, world: World, school: School
) -> None:
    add_registers(db, world, school)
    sign_in(page, live_url, world.users["a1_lead"])
    page.goto(f"{live_url}/dashboards/schools/{world.a1.urn}/week")
    choose(page, "Flag", "Red")
    grid = page.locator("#flags-grid")
    expect(grid.locator(".ag-center-cols-container .ag-row")).to_have_count(1)
    grid.get_by_role("link", name="Act on the next step for Sam Okafor: Identify immediate support").click()

    expect(page.get_by_role("heading", name="Casework: Sam Okafor")).to_be_visible()
    step = page.locator("#next-step")
    expect(step.get_by_label("Action", exact=True)).to_have_value("attendance_support_meeting")
    expect(step.get_by_label("Due by")).to_have_value((TODAY + timedelta(days=7)).isoformat())
    step.get_by_role("button", name="Add as an action").click()
    expect(page.get_by_text("Next step added as an action.")).to_be_visible()
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Attendance support meeting")
    expect(timeline).to_contain_text("Due")
    expect(page.locator("#case-stage")).to_have_text("Listen and understand")

    page.get_by_text("Record an attendance support meeting").click()
    meeting = page.locator("#support-plan")
    review_on = TODAY + timedelta(days=28)
    meeting.get_by_label("Review date").fill(review_on.isoformat())
    meeting.get_by_label("What is working well").fill("Sam enjoys PE and walks in with a friend")
    meeting.get_by_label("What we are worried about").fill("Late nights; mornings are hard")
    meeting.get_by_label("What needs to happen").fill("Breakfast club place and a morning check-in")
    meeting.get_by_label("Action 1: what").fill("Breakfast club from Monday")
    meeting.get_by_label("Action 1: who").fill("Mr Hale, head of year")
    meeting.get_by_label("Action 1: by when").fill((TODAY + timedelta(days=3)).isoformat())
    page.screenshot(path=str(ARTIFACTS / "casework-support-meeting.png"), full_page=True)
    meeting.get_by_role("button", name="Record the meeting and plan").click()
    expect(page.get_by_text("Support plan recorded")).to_be_visible()
    expect(page.locator("#case-stage")).to_have_text("Facilitate support")
    expect(
        page.get_by_text(f"Review the plan agreed on {TODAY:%-d %B %Y} (due {review_on:%-d %B %Y})")
    ).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "casework-timeline.png"), full_page=True)

    page.get_by_role("link", name="Letters", exact=True).click()
    expect(page.get_by_role("heading", name="Letters for Sam Okafor")).to_be_visible()
    page.get_by_label("Kind of letter").select_option("traffic_light")
    page.get_by_role("button", name="Make the letter").click()
    expect(page.get_by_text("Made the")).to_be_visible()
    link = page.get_by_role("link", name="Open (PDF")
    expect(link).to_have_count(1)
    pdf = page.request.get(live_url + (link.get_attribute("href") or ""))
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf.body())).pages)
    text = " ".join(text.split())
    # The register: 2 of 20 possible sessions missed (O, O) = 1 day, 5 lessons at the default 5 a day, 90.0%.
    assert "Sam" in text and "90.0%" in text, text
    assert "1 day" in text and "5 lessons" in text, text
    page.screenshot(path=str(ARTIFACTS / "casework-letter.png"), full_page=True)
