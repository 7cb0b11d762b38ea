"""The attendance lead's week in Chromium: open the weekly flags, filter to red, open a pupil, see the
next step and the register calendar. Screenshots are kept in tests/e2e/artifacts/."""

from __future__ import annotations

import io
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from app.registers.mark_import import import_marks
from app.registers.recording import Recorder, week_start
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.factories import Factory

LAST_WEEK = week_start(date.today()) - timedelta(days=7)
REGISTERS = {  # two weeks of ten sessions: 90% is red, 95% amber, 100% green
    "Okafor": "/\\/\\/\\/\\/\\" + "/\\/\\OO/\\/\\",
    "Chen": "/\\/\\/\\/\\/\\" + "/\\/\\/\\I\\/\\",
    "Brooks": "/\\/\\/\\/\\/\\" * 2,
}


def _registers(db: Session, world: World, school: School) -> None:
    f = Factory(db)
    lines = ["upn,date,session,code"]
    for surname, codes in REGISTERS.items():
        pupil = f.pupil(world.a1, surname=surname, form="9K", admission_date=LAST_WEEK - timedelta(days=30))
        for i, code in enumerate(codes):
            day = LAST_WEEK - timedelta(days=7) + timedelta(days=i // 2 + (2 if i >= 10 else 0))
            lines.append(f"{pupil.upn},{day},{'AM' if i % 2 == 0 else 'PM'},{code}")
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        import_marks(db, school, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                     description="test", recorder=Recorder(None, "Dana Clerk", "Data manager"), reason="test")  # fmt: skip


def test_lead_filters_to_red_and_opens_a_pupil(
    page: Page, live_url: str, db: Session, world: World, school: School
) -> None:
    _registers(db, world, school)
    sign_in(page, live_url, world.users["a1_lead"])
    page.get_by_role("link", name="Alder One Primary").click()
    page.get_by_role("link", name="Weekly flags").click()

    expect(page.get_by_role("heading", name="Weekly flags")).to_be_visible()
    expect(page.get_by_text(f"Week beginning {LAST_WEEK:%-d %B %Y}")).to_be_visible()
    grid = page.locator("#flags-grid")
    expect(grid.get_by_text("▲ Red: persistent absence")).to_be_visible()
    expect(grid.get_by_text("! Amber: above 90%, below 96%")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "weekly-flags.png"), full_page=True)

    page.get_by_label("Flag Filter Input").fill("Red")
    expect(grid.locator(".ag-center-cols-container .ag-row")).to_have_count(1)
    expect(
        grid.get_by_text("Identify immediate support and actions (attendance support meeting)")
    ).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "weekly-flags-red.png"), full_page=True)

    grid.get_by_role("link", name="Sam Okafor").click()
    expect(page.get_by_role("heading", name="Sam Okafor")).to_be_visible()
    expect(page.get_by_text("Next step: Identify immediate support and actions")).to_be_visible()
    expect(page.locator("section#register table.calendar")).to_contain_text("O")
    page.screenshot(path=str(ARTIFACTS / "pupil-next-step.png"), full_page=True)
