"""A school lead signs in with Chromium and sees their school, and only theirs."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD


def test_school_lead_sees_only_their_school(page: Page, live_url: str, world: World) -> None:
    page.goto(f"{live_url}/")
    expect(page).to_have_url(f"{live_url}/login?next=%2F")
    page.get_by_label("Email address").fill(world.users["a1_lead"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your schools")).to_be_visible()
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name="Alder One Primary")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(2)  # header and the one school
    expect(page.get_by_text("Alder Two Academy")).to_have_count(0)
    expect(page.get_by_text("Birch One Primary")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "school-lead-home.png"), full_page=True)

    page.get_by_role("link", name="Alder One Primary").click()
    page.get_by_role("link", name="Admission register").click()
    expect(page.get_by_role("link", name="Canaryalder, Sam")).to_be_visible()
    expect(page.get_by_text("Canarybirch")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "school-lead-register.png"), full_page=True)


def test_keyboard_user_can_sign_in(page: Page, live_url: str, world: World) -> None:
    page.goto(f"{live_url}/login")
    page.keyboard.press("Tab")
    expect(page.get_by_text("Skip to main content")).to_be_focused()
    page.get_by_label("Email address").focus()
    page.keyboard.type(world.users["a1_staff"])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your schools")).to_be_visible()
