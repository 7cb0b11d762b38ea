"""Two-step sign-in pages: the code step, setting up at sign-in or on the account page, and a trust's rule.

Between the password and the code nobody is signed in: flask-login knows no one until a code is checked,
so every other page still sends the visitor to sign in.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from app.access import trust_or_404
from app.admin.forms import ActionForm
from app.audit.services import record
from app.auth import challenges, mfa
from app.auth.forms import CodeForm, RecoveryForm, RequirementForm
from app.auth.models import LoginChallenge, User
from app.auth.routes import CHALLENGE_KEY, NEXT_KEY, finish_sign_in, open_signed_in_session
from app.db import get_session
from app.extensions import limiter

bp = Blueprint("mfa", __name__)
SETUP_KEY = "mfa_setup"  # a fingerprint of the secret this browser was shown, never the secret
_ALWAYS_ALLOWED = {"mfa.account", "mfa.account_action", "auth.logout", "auth.change_password", "static"}
WRONG = "That code does not match, or it was used already. Type the code your authenticator app shows now."


def _limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _failed(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 401


@bp.before_app_request
def _enrol_before_anything_else():  # type: ignore[no-untyped-def]
    """A signed-in account whose trust requires two-step sign-in may only set it up (or sign out)."""
    if current_user.is_authenticated and current_user.mfa_missing and request.endpoint not in _ALWAYS_ALLOWED:
        return redirect(url_for("mfa.account"))
    return None


def _challenge(db: Session, purpose: str) -> tuple[LoginChallenge, User] | None:
    challenge = challenges.live_challenge(db, session.get(CHALLENGE_KEY))
    if challenge is None or challenge.purpose != purpose:
        return None
    user = db.get(User, challenge.user_id)
    if user is None or not user.active:
        return None
    if purpose == challenges.ENROL and mfa.enrolled(user):  # set up since: only the account page changes it
        return None
    return challenge, user


def _start_again():  # type: ignore[no-untyped-def]
    session.pop(CHALLENGE_KEY, None)
    flash("Please sign in again: that sign-in was too long ago or had too many wrong codes.", "error")
    return redirect(url_for("auth.login"))


def _too_many():  # type: ignore[no-untyped-def]
    message = "Too many wrong codes for this account. Please wait 15 minutes and sign in again."
    return render_template("error.html", title="Too many attempts", message=message, code=429), 429


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_limit, key_func=get_remote_address, methods=["POST"], deduct_when=_failed)
def code():  # type: ignore[no-untyped-def]
    """The second step: a code from the authenticator app, or one recovery code."""
    db = get_session()
    found = _challenge(db, challenges.CODE)
    if found is None:
        return _start_again()
    challenge, user = found
    form, recovery = CodeForm(), RecoveryForm()
    if request.method == "GET":
        return render_template("auth/code.html", form=form, recovery=recovery)
    if challenges.account_locked(db, user.id):
        return _too_many()
    using_recovery = "recovery_code" in request.form
    chosen = recovery if using_recovery else form
    if not chosen.validate_on_submit():
        return render_template("auth/code.html", form=form, recovery=recovery, open=using_recovery), 400
    if using_recovery:
        left = mfa.use_recovery_code(db, user, recovery.recovery_code.data or "")
        accepted, how = left is not None, f"with a password and a recovery code ({left} left)"
    else:
        accepted, how = (
            mfa.use_code(db, user, form.code.data or ""),
            "with a password and an authenticator code",
        )
    if accepted:
        if not challenges.finish(db, challenge):  # another request used this challenge first
            db.rollback()
            return _start_again()
        return finish_sign_in(db, user, how, session_next())
    tries = challenges.count_failure(db, challenge)
    mfa.record_failure(db, user, f"Wrong {'recovery' if using_recovery else 'authenticator'} code at sign-in")
    message = (
        "That recovery code does not match an unused one. Check it against your list."
        if using_recovery
        else WRONG
    )
    (recovery.recovery_code if using_recovery else form.code).errors = [f"{message} {_tries(tries)}"]
    return render_template("auth/code.html", form=form, recovery=recovery, open=using_recovery), 401


def _tries(left: int) -> str:
    return f"{left} {'try' if left == 1 else 'tries'} left before you must sign in again."


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(_limit, key_func=get_remote_address, methods=["POST"], deduct_when=_failed)
def enrol():  # type: ignore[no-untyped-def]
    """Setting up two-step sign-in at sign-in, because a trust of the account requires it."""
    db = get_session()
    found = _challenge(db, challenges.ENROL)
    if found is None:
        return _start_again()
    challenge, user = found
    form = CodeForm()
    if request.method == "GET":
        return _enrol_page(db, user, form, url_for("mfa.enrol"), at_sign_in=True)
    if challenges.account_locked(db, user.id):
        return _too_many()
    if not form.validate_on_submit():
        return _enrol_page(db, user, form, url_for("mfa.enrol"), at_sign_in=True), 400
    try:
        codes = mfa.confirm(db, user, form.code.data or "")
    except mfa.MfaRefused as refused:
        tries = challenges.count_failure(db, challenge)
        mfa.record_failure(db, user, "Wrong code while setting up two-step sign-in")
        form.code.errors = [f"{refused} {_tries(tries)}"]
        return _enrol_page(db, user, form, url_for("mfa.enrol"), at_sign_in=True), 401
    next_url = session_next()
    if not challenges.finish(db, challenge):
        return _start_again()
    open_signed_in_session(db, user, "with a password, after setting up two-step sign-in")
    return _codes_page(
        codes, url_for("auth.change_password") if user.must_change_password else next_url, at_sign_in=True
    )


def session_next() -> str:
    """Where the person was going when they signed in (checked when it was stored)."""
    return session.get(NEXT_KEY) or url_for("schools.index")


def _fingerprint(secret: str | None) -> str | None:
    return hashlib.sha256(secret.encode()).hexdigest()[:16] if secret else None


def _enrol_page(db: Session, user: User, form: CodeForm, action: str, *, at_sign_in: bool) -> str:
    """Only the browser that was shown a secret sees it again: any other gets a new one, so a password thief
    who opened this page cannot learn the secret the owner goes on to set up."""
    shown_here = session.get(SETUP_KEY) == _fingerprint(user.mfa_pending_secret)
    secret = mfa.pending_secret(db, user, fresh=not shown_here)
    session[SETUP_KEY] = _fingerprint(secret)
    required = mfa.requiring_trusts(db, user.id)
    return render_template(
        "auth/enrol.html",
        form=form,
        action=action,
        secret=mfa.grouped(secret),
        uri=mfa.provisioning_uri(secret, user.email),
        required=required,
        at_sign_in=at_sign_in,
        replacing=mfa.enrolled(user),
    )


def _codes_page(codes: list[str], next_url: str, *, at_sign_in: bool) -> str:
    return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url, at_sign_in=at_sign_in)


@bp.get("/account/mfa")
@login_required
def account():  # type: ignore[no-untyped-def]
    """Two-step sign-in for the signed-in person: set it up, or renew codes, move or turn it off."""
    db = get_session()
    user = current_user.user
    if not mfa.enrolled(user) or user.mfa_pending_secret:
        return _enrol_page(
            db, user, CodeForm(), url_for("mfa.account_action", step="confirm"), at_sign_in=False
        )
    return render_template(
        "auth/mfa.html",
        form=CodeForm(),
        left=mfa.recovery_codes_left(db, user),
        required=mfa.requiring_trusts(db, user.id),
        cancel_form=ActionForm(),
    )


@bp.post("/account/mfa/<any(confirm, renew, replace, disable, cancel):step>")
@login_required
@limiter.limit(_limit, key_func=get_remote_address, deduct_when=_failed)
@limiter.limit(_limit, key_func=lambda: f"mfa-account:{current_user.get_id()}", deduct_when=_failed)
def account_action(step: str):  # type: ignore[no-untyped-def]
    db = get_session()
    user = current_user.user
    if step == "cancel":
        if not ActionForm().validate_on_submit():
            abort(400)
        user.mfa_pending_secret = None
        db.commit()
        flash("Moving to a new authenticator was cancelled; your current one still works.", "info")
        return redirect(url_for("mfa.account"))
    form = CodeForm()
    if not form.validate_on_submit():
        return _account_error(db, user, form, 400)
    typed = form.code.data or ""
    try:
        if step == "confirm":
            codes = mfa.confirm(db, user, typed)
            return _codes_page(codes, url_for("schools.index"), at_sign_in=False)
        if step == "renew":
            return _codes_page(
                mfa.renew_recovery_codes(db, user, typed), url_for("mfa.account"), at_sign_in=False
            )
        if step == "replace":
            mfa.begin_replacement(db, user, typed)
            session[SETUP_KEY] = _fingerprint(user.mfa_pending_secret)  # this browser began it: show it here
            return redirect(url_for("mfa.account"))
        mfa.disable(db, user, typed)
    except mfa.MfaRefused as refused:
        db.rollback()
        if isinstance(refused, mfa.StillRequired):
            form.code.errors = [str(refused)]
            return _account_error(db, user, form, 400)
        mfa.record_failure(db, user, f"Wrong code on the account page ({step})")
        form.code.errors = [str(refused)]
        return _account_error(db, user, form, 401)
    flash("Two-step sign-in is off. You sign in with your password only.", "success")
    return redirect(url_for("mfa.account"))


def _account_error(db: Session, user: User, form: CodeForm, status: int):  # type: ignore[no-untyped-def]
    if not mfa.enrolled(user) or user.mfa_pending_secret:
        return _enrol_page(
            db, user, form, url_for("mfa.account_action", step="confirm"), at_sign_in=False
        ), status
    page = render_template(
        "auth/mfa.html",
        form=form,
        left=mfa.recovery_codes_left(db, user),
        required=mfa.requiring_trusts(db, user.id),
        cancel_form=ActionForm(),
    )
    return page, status


@bp.route("/trusts/<slug>/sign-in", methods=["GET", "POST"])
@login_required
def trust_rule(slug: str):  # type: ignore[no-untyped-def]
    """Trust leaders: require two-step sign-in for everyone with a role in the trust (audited)."""
    trust = trust_or_404(slug)
    db = get_session()
    form = RequirementForm(required=trust.mfa_required)
    if form.validate_on_submit():
        if form.required.data == trust.mfa_required:
            flash("Nothing changed.", "info")
        else:
            trust.mfa_required = bool(form.required.data)
            state = "now requires" if trust.mfa_required else "no longer requires"
            record(db, "mfa_requirement", f"{trust.name} {state} two-step sign-in", trust_id=trust.id)
            db.commit()
            flash(f"{trust.name} {state} two-step sign-in.", "success")
        return redirect(url_for("mfa.trust_rule", slug=slug))
    people = mfa.trust_people(db, trust)
    using = sum(on for _user, on in people)
    return render_template(
        "auth/trust_rule.html", trust=trust, form=form, people=people, using=using, action_form=ActionForm()
    )


@bp.post("/trusts/<slug>/sign-in/reset/<int:user_id>")
@login_required
def reset_person(slug: str, user_id: int):  # type: ignore[no-untyped-def]
    """Trust leaders: clear a person's lost authenticator (they set up a new one); audited."""
    trust = trust_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        user = mfa.reset_for(get_session(), trust, user_id, by_user_id=current_user.user.id)
    except LookupError:
        abort(404)
    except mfa.MfaRefused as refused:
        flash(str(refused), "error")
    else:
        flash(
            f"Two-step sign-in of {user.name} was reset; they set it up again when they next sign in.",
            "success",
        )
    return redirect(url_for("mfa.trust_rule", slug=slug))
