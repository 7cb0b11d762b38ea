"""Who may use each route: every Flask rule (Dash's and the API's included) and every Dash page, in exactly one
table. tests/isolation/test_census.py fails on a route in none of them, and checks each entry's claim."""

from __future__ import annotations

from dataclasses import dataclass

from tenants.access import PUPIL_READERS, REGISTER_EDITORS, STAFF_MANAGERS
from tenants.models import Role

ALL = frozenset(Role)  # anyone with a role at the school, governors too: pages with no pupil on them
LEADERS = frozenset({Role.TRUST_LEADER})  # the trust's own pages
FIGURES = frozenset({Role.TRUST_LEADER, Role.SCHOOL_LEAD, Role.GOVERNOR})  # benchmarks, reviews, packs
NOBODY = frozenset[Role]()  # no role of a trust: platform administrators, or a school's API token


@dataclass(frozen=True)
class Restricted:
    """The roles that may use a route (for POST, `post` if given); every other role is refused."""

    roles: frozenset[Role]
    post: frozenset[Role] | None = None

    def allowed(self, method: str) -> frozenset[Role]:
        return self.post if method == "POST" and self.post is not None else self.roles


# Anyone, signed in or not.
PUBLIC = {
    "auth.login",
    "api.openapi",  # the API's description, for integrators
    "static",  # the site's own CSS, scripts and icons
}

# Any signed-in person, whatever their role: nothing here names a school or a trust.
LOGIN_ONLY = {
    "schools.index",  # your schools
    "workflow.my_tasks",
    "auth.change_password",
    "auth.logout",
    "calendars.example",  # an example calendar file
    "mfa.account",  # your own second factor
    "mfa.account_action",
    "mfa.code",  # the second step of signing in: without a password just accepted, back to /login
    "mfa.enrol",
    # Dash's routes: the guard asks for a signed-in user; each page and callback then checks the school or
    # trust it is given (the Dash pages below, tests/isolation/test_matrix.py for the callbacks).
    "/dashboards/",
    "/dashboards/<path:path>",
    "/dashboards/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
    "/dashboards/_dash-dependencies",
    "/dashboards/_dash-layout",
    "/dashboards/_dash-update-component",
    "/dashboards/_favicon.ico",
    "/dashboards/_reload-hash",
    "_dashboards_dash_assets.static",
}

ROLE_RESTRICTED = {
    # The API takes a school's token, never a session.
    "api.post_marks": Restricted(NOBODY),
    # Platform administrators only.
    "jobs.platform_jobs": Restricted(NOBODY),
    "audit.platform_log": Restricted(NOBODY),
    "audit.platform_csv": Restricted(NOBODY),
    # A school's pages.
    "schools.show": Restricted(ALL),
    "attendance.school": Restricted(ALL),
    "attendance.band": Restricted(PUPIL_READERS),
    "attendance.register": Restricted(REGISTER_EDITORS),
    "attendance.amend": Restricted(REGISTER_EDITORS),
    "registers.index": Restricted(PUPIL_READERS),
    "registers.show": Restricted(PUPIL_READERS),
    "registers.edit": Restricted(REGISTER_EDITORS),
    "registers.leave": Restricted(REGISTER_EDITORS),
    "registers.new": Restricted(REGISTER_EDITORS),
    "registers.upload": Restricted(REGISTER_EDITORS),
    "registers.add_contact": Restricted(REGISTER_EDITORS),
    "calls.morning": Restricted(PUPIL_READERS),
    "calls.golden_hour": Restricted(PUPIL_READERS),
    "calls.record": Restricted(REGISTER_EDITORS),
    "casework.cases": Restricted(PUPIL_READERS),
    "casework.pupil": Restricted(PUPIL_READERS),
    "casework.open_case": Restricted(PUPIL_READERS),
    "casework.action": Restricted(PUPIL_READERS),
    "casework.plan": Restricted(PUPIL_READERS),
    "casework.review": Restricted(PUPIL_READERS),
    "casework.act": Restricted(PUPIL_READERS),
    "casework.close": Restricted(PUPIL_READERS),
    "impact.school": Restricted(PUPIL_READERS),
    "letters.school": Restricted(PUPIL_READERS),
    "letters.pupil": Restricted(PUPIL_READERS),
    "letters.download": Restricted(PUPIL_READERS),
    "letters.batch_download": Restricted(PUPIL_READERS),
    "letters.edit_template": Restricted(STAFF_MANAGERS),
    "letters.reset_template": Restricted(STAFF_MANAGERS),
    "returns.school": Restricted(PUPIL_READERS),
    "returns.download": Restricted(PUPIL_READERS),
    "returns.stored": Restricted(PUPIL_READERS),
    "reviews.reviews": Restricted(FIGURES, post=STAFF_MANAGERS),
    "reviews.self_assessment": Restricted(FIGURES, post=STAFF_MANAGERS),
    "reviews.download": Restricted(FIGURES),  # governors their own edition only (tests/reviews)
    "benchmarks.school": Restricted(FIGURES),
    "calendars.school": Restricted(ALL),
    "calendars.download": Restricted(ALL),
    "calendars.add": Restricted(STAFF_MANAGERS),
    "calendars.upload": Restricted(STAFF_MANAGERS),
    "calendars.remove": Restricted(STAFF_MANAGERS),
    "compliance.school": Restricted(ALL),
    "compliance.school_csv": Restricted(ALL),
    "workflow.board": Restricted(PUPIL_READERS),
    "workflow.done": Restricted(REGISTER_EDITORS),
    "workflow.undo": Restricted(REGISTER_EDITORS),
    "workflow.note": Restricted(REGISTER_EDITORS),
    "workflow.school_playbook": Restricted(PUPIL_READERS),
    "workflow.retime": Restricted(STAFF_MANAGERS),
    "workflow.switch_playbook": Restricted(STAFF_MANAGERS),
    "workflow.own_task": Restricted(STAFF_MANAGERS),
    "workflow.switch_own": Restricted(STAFF_MANAGERS),
    "admin.staff": Restricted(STAFF_MANAGERS),
    "admin.api_tokens": Restricted(STAFF_MANAGERS),
    "admin.revoke_api_token": Restricted(STAFF_MANAGERS),
    "admin.person_action": Restricted(STAFF_MANAGERS),
    "admin.safeguarding": Restricted(STAFF_MANAGERS),
    # A trust's pages: its leaders only.
    "admin.trust": Restricted(LEADERS),
    "admin.trust_add_person": Restricted(LEADERS),
    "audit.trust_log": Restricted(LEADERS),
    "audit.trust_csv": Restricted(LEADERS),
    "benchmarks.trust_csv": Restricted(LEADERS),
    "calendars.trust": Restricted(LEADERS),
    "compliance.trust_csv": Restricted(LEADERS),
    "flags.rules": Restricted(LEADERS),
    "flags.restore_defaults": Restricted(LEADERS),
    "impact.trust": Restricted(LEADERS),
    "jobs.trust_jobs": Restricted(LEADERS),
    "letters.trust_template": Restricted(LEADERS),
    "letters.reset_trust_template": Restricted(LEADERS),
    "mfa.trust_rule": Restricted(LEADERS),
    "mfa.reset_person": Restricted(LEADERS),
    "reviews.heatmap": Restricted(LEADERS),
    "workflow.trust_playbook": Restricted(LEADERS),
    "workflow.trust_task": Restricted(LEADERS),
    "workflow.switch_trust_task": Restricted(LEADERS),
    # Dash pages (drawn by the router callback, which checks the school or trust in the path).
    "dash:/schools/<urn>/week": Restricted(PUPIL_READERS),
    "dash:/schools/<urn>/cohorts": Restricted(PUPIL_READERS),
    "dash:/schools/<urn>/pupils/<pupil_id>": Restricted(PUPIL_READERS),
    "dash:/trusts/<slug>": Restricted(LEADERS),
    "dash:/trusts/<slug>/workflow": Restricted(LEADERS),
}
