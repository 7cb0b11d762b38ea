"""A daily task in Chromium, seen by the three people it matters to: the attendance officer ticks it off and sees
the time stamp, the school lead sees it done on time, and the trust leader's heatmap moves.

Alder One Primary has yesterday's register check, never done (missed), and today's, due at 23:59: before the
tick its daily cell is 0% (0 of 1 counted); after it, 50% (1 of 2), since an early tick counts at once.
Screenshots are kept in tests/e2e/artifacts/.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from tenants.models import School
from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.workflow.tasks import make_task, yesterday

TITLE = "Check every register is complete"


def _daily_cell(page: Page, school: str) -> str:
    """The trust table's Daily figure for a school (the heatmap's first column, in words)."""
    row = page.locator("#wf-heatmap table tr", has=page.get_by_role("rowheader", name=school))
    return row.locator("td").first.inner_text()


def test_a_ticked_daily_task_is_stamped_on_time_and_moves_the_trust_heatmap(
    browser: Browser, page: Page, live_url: str, db: Session, world: World, school: School
) -> None:
    make_task(db, school, TITLE, day=yesterday())
    make_task(db, school, TITLE)

    leader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(leader, live_url, world.users["a_leader"])
    leader.goto(f"{live_url}/dashboards/trusts/{world.trust_a.slug}/workflow")
    expect(leader.get_by_role("heading", name="Workflow compliance")).to_be_visible()
    expect(leader.locator("#wf-heatmap table")).to_be_visible()
    assert _daily_cell(leader, school.name) == "0.0% (0 of 1)"
    expect(leader.locator("#wf-heatmap .js-plotly-plot")).to_contain_text("0%")
    leader.screenshot(path=str(ARTIFACTS / "workflow-heatmap-before.png"), full_page=True)

    sign_in(page, live_url, world.users["a1_staff"])
    page.get_by_role("link", name="My tasks").click()
    today = page.locator("section", has=page.get_by_role("heading", name=re.compile("Due today")))
    card = today.locator("article.task", has_text=TITLE)
    expect(card).to_contain_text("by 23:59 today")
    card.get_by_label("Note (optional)").fill("Two forms chased; all registers in by 09:20")
    card.get_by_role("button", name="Mark as done").click()
    stamp = page.get_by_text(re.compile(r"Done at \d\d:\d\d by Staff"))
    expect(stamp.first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "workflow-ticked.png"), full_page=True)

    lead = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(lead, live_url, world.users["a1_lead"])
    lead.goto(f"{live_url}/schools/{school.urn}/tasks")
    done = lead.locator("article.task", has_text="Two forms chased")
    expect(done).to_contain_text("Done on time")
    expect(done).to_contain_text("Two forms chased; all registers in by 09:20")
    lead.goto(f"{live_url}/schools/{school.urn}/workflow/compliance")
    expect(lead.locator("main")).to_contain_text("50.0%")
    lead.screenshot(path=str(ARTIFACTS / "workflow-lead-compliance.png"), full_page=True)

    leader.reload()
    expect(leader.locator("#wf-heatmap table")).to_be_visible()
    assert _daily_cell(leader, school.name) == "50.0% (1 of 2)"
    expect(leader.locator("#wf-heatmap .js-plotly-plot")).to_contain_text("50%")
    leader.screenshot(path=str(ARTIFACTS / "workflow-heatmap-after.png"), full_page=True)
    for extra in (leader, lead):
        extra.context.close()
