"""The trust leader's page for the trust's flag thresholds and next-step rules."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.access import trust_or_404
from app.db import get_session
from app.flags import services
from app.flags.forms import RestoreForm, RulesForm
from app.flags.rules import FLAG_ICONS, FLAGS, STEPS, TRENDS
from app.flags.rulesets import current_rules
from tenants.models import Trust

bp = Blueprint("flags", __name__)
TREND_LABELS = {
    "new": "New (no earlier week)",
    "improved": "Improved",
    "unchanged": "Unchanged",
    "declined": "Declined",
}


def _by() -> dict[str, str]:
    return {"by_name": current_user.user.name, "by_title": current_user.user.job_title}


@bp.route("/trusts/<slug>/flag-rules", methods=["GET", "POST"])
@login_required
def rules(slug: str):  # type: ignore[no-untyped-def]
    """Show the rules in use; save a change as a new version, or list every problem and save nothing."""
    trust = trust_or_404(slug)
    db = get_session()
    form = RulesForm()
    if form.validate_on_submit():
        draft = services.draft_from_form(request.form)
        try:
            version = services.save_draft(db, trust.id, draft, **_by())
        except services.RulesRefused:
            return _page(trust, form, draft), 400
        _flash_saved(version)
        return redirect(url_for("flags.rules", slug=slug))
    draft = services.draft_of(current_rules(db, trust.id)[1])
    return _page(trust, RulesForm(formdata=None, data=draft.thresholds), draft)


@bp.post("/trusts/<slug>/flag-rules/defaults")
@login_required
def restore_defaults(slug: str):  # type: ignore[no-untyped-def]
    """Put design.md's rules back as a new version, so the history says who did it and when."""
    trust = trust_or_404(slug)
    if not RestoreForm().validate_on_submit():
        abort(400)
    _flash_saved(services.restore_defaults(get_session(), trust.id, **_by()))
    return redirect(url_for("flags.rules", slug=slug))


def _flash_saved(version: int | None) -> None:
    if version is None:
        flash("Nothing changed: these are already the rules in use, so no new version was saved.", "info")
    else:
        flash(f"Saved as version {version}; it applies from the next computation of flags.", "success")


def _page(trust: Trust, form: RulesForm, draft: services.RulesDraft) -> str:
    """Draw the page; a refused draft is shown as it was typed, its problems by their fields."""
    for name in services.THRESHOLD_NAMES:
        errors = draft.errors(name)
        getattr(form, name).errors = ["; ".join(errors)] if errors else []  # one message, one id
    versions = services.history(get_session(), trust.id)
    return render_template(
        "flags/rules.html",
        trust=trust,
        form=form,
        restore_form=RestoreForm(),
        draft=draft,
        current=versions[0],
        versions=versions,
        meanings=services.explain(versions[0].thresholds),
        steps=STEPS,
        flags=FLAGS,
        flag_icons=FLAG_ICONS,
        trends=TRENDS,
        trend_labels=TREND_LABELS,
    )
