"""In Chromium: a member of staff sets up two-step sign-in from the key on the page, signs out, and signs
in again with a code from the same key (computed as an authenticator app would)."""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import Page, expect

from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, sign_in


def test_set_up_sign_out_and_sign_in_with_a_code(page: Page, live_url: str, world: World) -> None:
    sign_in(page, live_url, world.users["a1_staff"])
    page.get_by_role("link", name="Two-step sign-in").click()
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    key = page.locator("#mfa-secret").inner_text().replace(" ", "")
    expect(page.locator("#mfa-uri")).to_contain_text("otpauth://totp/Turnout:")
    app = pyotp.TOTP(key)
    code = page.get_by_label("6-digit code from your authenticator app")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    code.fill("000000" if app.now() != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_text("That code does not match")).to_be_visible()
    page.get_by_label("6-digit code from your authenticator app").fill(app.now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(10)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "mfa-recovery-codes.png"), full_page=True)
    page.get_by_role("link", name="I have saved my codes: continue").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()

    sign_in(page, live_url, world.users["a1_staff"])
    expect(page.get_by_role("heading", name="Type your sign-in code")).to_be_visible()
    page.goto(f"{live_url}/schools/{world.a1.urn}")  # half signed in: no page but the sign-in form
    expect(page.get_by_role("heading", name="Sign in to Turnout")).to_be_visible()
    page.goto(f"{live_url}/login/code")
    page.get_by_label("6-digit code from your authenticator app").fill(app.at(time.time() + 30))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Your schools")).to_be_visible()
    expect(page.get_by_role("link", name="Alder One Primary")).to_be_visible()
