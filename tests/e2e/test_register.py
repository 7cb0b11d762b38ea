"""Staff take a form's register in Chromium, amend one mark with a reason, and see the history."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.factories import Factory

DAY = date.today() - timedelta(days=date.today().weekday() + 3)  # the Friday before last


def test_mark_a_register_then_amend_a_mark(page: Page, live_url: str, db: Session, world: World) -> None:
    f = Factory(db)
    for surname in ("Adeyemi", "Brooks", "Chen"):
        f.pupil(world.a1, surname=surname, form="5A", admission_date=DAY - timedelta(days=30))
    sign_in(page, live_url, world.users["a1_staff"])
    page.get_by_role("link", name="Alder One Primary").click()
    page.get_by_role("link", name="Take a register").click()
    page.get_by_label("Form or year group").select_option("5A")
    page.get_by_label("Date").fill(DAY.isoformat())
    page.get_by_label("Session").select_option("AM")
    page.get_by_role("button", name="Open register").click()

    brooks = page.get_by_label("Brooks, Sam")
    brooks.click()
    page.keyboard.type("N")
    expect(page.get_by_label("Canaryalder, Sam")).to_be_focused()  # typing a code moves on
    page.get_by_role("button", name="Mark everyone unmarked as present").click()
    expect(page.get_by_label("Adeyemi, Sam")).to_have_value("/")
    page.screenshot(path=str(ARTIFACTS / "register-before-save.png"), full_page=True)
    page.get_by_role("button", name="Save register").click()
    expect(page.get_by_text("Register saved: 4 new marks, 0 amended.")).to_be_visible()
    expect(page.get_by_text("Staff, Attendance officer").first).to_be_visible()

    page.get_by_role("link", name="Alder One Primary").click()
    page.get_by_role("link", name="Admission register").click()
    page.get_by_role("link", name="Brooks, Sam").click()
    page.get_by_text("Record or change a mark").click()
    page.get_by_label("Date").fill(DAY.isoformat())
    page.get_by_label("Session").select_option("AM")
    page.get_by_label("New code").fill("I")
    page.get_by_label("Reason for the change").fill("Mother phoned: ill with a fever")
    page.get_by_role("button", name="Save mark").click()
    expect(page.get_by_text("the original entry is kept in the history")).to_be_visible()
    history = page.locator("section#register table").last
    expect(history).to_contain_text("Mother phoned: ill with a fever")
    expect(history).to_contain_text("Staff, Attendance officer")
    expect(history.locator("del")).to_have_text("N")
    expect(history.locator("ins")).to_have_text("I")
    page.screenshot(path=str(ARTIFACTS / "pupil-register-history.png"), full_page=True)
