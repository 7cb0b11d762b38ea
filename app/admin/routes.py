"""Trust leaders manage schools and people; school leads manage their staff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.access import require_role, school_or_404, trust_or_404
from app.admin import services
from app.admin.forms import ActionForm, PersonForm, SchoolForm, TokenForm
from app.api import services as token_services
from app.auth.routes import safe_next
from app.db import get_session
from tenants.access import STAFF_MANAGERS
from tenants.models import Role, School, Trust

bp = Blueprint("admin", __name__)
ROLE_LABELS = {
    Role.TRUST_LEADER: "Trust leader",
    Role.SCHOOL_LEAD: "School attendance lead",
    Role.STAFF: "Staff",
    Role.GOVERNOR: "Governor / trustee",
}


def _person_form(trust: Trust | None, school: School | None) -> PersonForm:
    """Offer only the roles and places this manager may grant."""
    principal = current_user.principal
    form = PersonForm()
    if trust is not None:
        form.place.choices = [SelectChoice(f"trust:{trust.id}", f"{trust.name} (whole trust)")] + [
            SelectChoice(f"school:{s.id}", s.name) for s in trust.schools
        ]
        roles = services.grantable_roles(principal, trust=trust, school=None)
    else:
        assert school is not None
        form.place.choices = [SelectChoice(f"school:{school.id}", school.name)]
        roles = services.grantable_roles(principal, trust=None, school=school)
    form.role.choices = [SelectChoice(r.value, ROLE_LABELS[r]) for r in Role if r in roles]
    return form


def _add_person(form: PersonForm, trust: Trust | None, school: School | None) -> bool:
    kind, _, ident = (form.place.data or "").partition(":")
    db = get_session()
    places = {s.id: s for s in (trust.schools if trust else [school])}  # type: ignore[list-item]
    at_trust = trust if kind == "trust" and trust and str(trust.id) == ident else None
    at_school = places.get(int(ident)) if kind == "school" and ident.isascii() and ident.isdigit() else None
    if at_trust is None and at_school is None:
        abort(404)
    try:
        user, one_time = services.add_user(
            db,
            form.email.data or "",
            form.name.data or "",
            form.title.data or "",
            Role(form.role.data),
            trust=at_trust,
            school=at_school,
            safeguarding=form.safeguarding.data,
        )
    except services.AdminError as exc:
        form.email.errors = [str(exc)]
        return False
    if one_time:
        flash(f"Account created for {user.email}. One-time password (shown once): {one_time}", "success")
    else:
        flash(f"{user.email} already had an account and now has this role too.", "success")
    return True


@bp.route("/trusts/<slug>", methods=["GET", "POST"])
@login_required
def trust(slug: str):  # type: ignore[no-untyped-def]
    found = trust_or_404(slug)
    school_form = SchoolForm(prefix="school")
    person_form = _person_form(found, None)
    db = get_session()
    if school_form.validate_on_submit():
        try:
            created = services.add_school(
                db,
                found,
                school_form.urn.data,
                school_form.name.data,
                school_form.phase.data,
                school_form.la_code.data or None,
            )
        except services.AdminError as exc:
            school_form.urn.errors = [str(exc)]
        else:
            flash(f"{created.name} was added.", "success")
            return redirect(url_for("admin.trust", slug=slug))
    return render_template(
        "admin/trust.html",
        trust=found,
        school_form=school_form,
        person_form=person_form,
        memberships=services.managed_users(db, trust=found),
        action_form=ActionForm(),
        role_labels=ROLE_LABELS,
    )


@bp.post("/trusts/<slug>/people")
@login_required
def trust_add_person(slug: str):  # type: ignore[no-untyped-def]
    found = trust_or_404(slug)
    form = _person_form(found, None)
    if form.validate_on_submit() and _add_person(form, found, None):
        return redirect(url_for("admin.trust", slug=slug))
    for errors in form.errors.values():
        flash(" ".join(errors), "error")
    return redirect(url_for("admin.trust", slug=slug))


@bp.route("/schools/<int:urn>/staff", methods=["GET", "POST"])
@login_required
def staff(urn: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    require_role(school, STAFF_MANAGERS)
    form = _person_form(None, school)
    if form.validate_on_submit() and _add_person(form, None, school):
        return redirect(url_for("admin.staff", urn=urn))
    return render_template(
        "admin/staff.html",
        school=school,
        person_form=form,
        memberships=services.managed_users(get_session(), school=school),
        action_form=ActionForm(),
        role_labels=ROLE_LABELS,
    )


@bp.post("/people/<int:user_id>/<any(deactivate, reactivate, reset):action>")
@login_required
def person_action(user_id: int, action: str):  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        abort(400)
    db = get_session()
    principal = current_user.principal
    try:
        if action == "reset":
            user, one_time = services.reset_password(db, principal, user_id)
            flash(f"New one-time password for {user.email} (shown once): {one_time}", "success")
        else:
            user = services.set_active(db, principal, user_id, action == "reactivate")
            state = "reactivated" if user.active else "deactivated; their sessions have ended"
            flash(f"{user.email} was {state}.", "success")
    except LookupError:
        abort(404)
    return redirect(safe_next(request.form.get("next")))


@bp.post("/memberships/<int:membership_id>/safeguarding/<any(grant, withdraw):change>")
@login_required
def safeguarding(membership_id: int, change: str):  # type: ignore[no-untyped-def]
    """The DSL permission, granted or withdrawn by someone who manages that role."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        held = services.set_safeguarding(
            get_session(), current_user.principal, membership_id, change == "grant"
        )
    except LookupError:
        abort(404)
    except services.AdminError as exc:
        flash(f"{str(exc)[0].upper()}{str(exc)[1:]}.", "error")
    else:
        state = "now holds" if held.safeguarding else "no longer holds"
        flash(f"{held.user.name} {state} the DSL permission; it applies from their next page.", "success")
    return redirect(safe_next(request.form.get("next")))


TOKEN_MANAGERS = frozenset({Role.SCHOOL_LEAD, Role.TRUST_LEADER})


@bp.route("/schools/<int:urn>/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens(urn: int):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    require_role(school, TOKEN_MANAGERS)
    form = TokenForm()
    db = get_session()
    secret = None
    if form.validate_on_submit():
        user = current_user.user
        token, secret = token_services.create_token(
            db, school, form.name.data or "", by_id=user.id, by_name=user.name
        )
        flash(f"Token '{token.name}' created. Copy it now: it will not be shown again.", "success")
    return render_template(
        "admin/tokens.html",
        school=school,
        form=form,
        secret=secret,
        tokens=token_services.tokens_of(db, school),
        action_form=ActionForm(),
    )


@bp.post("/schools/<int:urn>/api-tokens/<token_id>/revoke")
@login_required
def revoke_api_token(urn: int, token_id: str):  # type: ignore[no-untyped-def]
    school = school_or_404(urn)
    require_role(school, TOKEN_MANAGERS)
    if not ActionForm().validate_on_submit():
        abort(400)
    token = token_services.revoke(get_session(), school, token_id)
    if token is None:
        abort(404)
    flash(f"Token '{token.name}' is revoked; requests using it are refused from now on.", "success")
    return redirect(url_for("admin.api_tokens", urn=urn))
