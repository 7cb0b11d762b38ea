"""Sign in, sign out and change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import Session

from app.auth import challenges, mfa, services
from app.auth.forms import ChangePasswordForm, LoginForm
from app.auth.login import SignedIn
from app.auth.models import User
from app.db import get_session
from app.extensions import limiter, login_account_key
from tenants.access import resolve_principal

bp = Blueprint("auth", __name__)
CHALLENGE_KEY, NEXT_KEY = "mfa_challenge", "mfa_next"  # the cookie holds a random token, never a secret


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _failed(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 401


def safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site (browsers read "/\\host" as "//host", another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("schools.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=get_remote_address, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, key_func=login_account_key, methods=["POST"], deduct_when=_failed)
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("schools.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status
    db = get_session()
    user = services.authenticate(db, form.email.data or "", form.password.data or "")
    if user is None:
        form.password.errors = ["That email address and password do not match an active account."]
        return render_template("auth/login.html", form=form), 401
    step = second_step(db, user)
    if step is not None:  # half signed in: a server-side challenge, and no flask-login session yet
        token = challenges.open_challenge(db, user, step, ip=request.remote_addr)
        db.commit()
        session.clear()
        session[CHALLENGE_KEY], session[NEXT_KEY] = token, safe_next(request.args.get("next"))
        return redirect(url_for("mfa.enrol" if step == challenges.ENROL else "mfa.code"))
    return finish_sign_in(db, user, "with a password", safe_next(request.args.get("next")))


def second_step(db: Session, user: User) -> str | None:
    """What comes after the password: a code, setting up two-step sign-in first, or nothing."""
    if mfa.enrolled(user):
        return challenges.CODE
    return challenges.ENROL if mfa.requiring_trusts(db, user.id) else None


def open_signed_in_session(db: Session, user: User, how: str) -> None:
    """Open the session (audited) with nothing from before sign-in surviving in the cookie."""
    token = services.sign_in(
        db, user, ip=request.remote_addr, user_agent=request.headers.get("User-Agent"), how=how
    )
    session.clear()
    principal = resolve_principal(db, user.id, platform_admin=user.is_platform_admin)
    login_user(SignedIn(user, principal, token))


def finish_sign_in(db: Session, user: User, how: str, next_url: str):  # type: ignore[no-untyped-def]
    """Sign in and go on: to a new password first if one is due."""
    open_signed_in_session(db, user, how)
    if user.must_change_password:
        flash("Please choose a new password before you go on.", "info")
        return redirect(url_for("auth.change_password"))
    return redirect(next_url)


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    services.sign_out(get_session(), current_user.token, current_user.user)
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():  # type: ignore[no-untyped-def]
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                get_session(),
                current_user.user,
                form.current_password.data or "",
                form.new_password.data or "",
                keep_token=current_user.token,
            )
        except services.PasswordRejected as exc:
            form.new_password.errors = [str(exc)]
        else:
            flash("Your password has been changed. Other sessions have been signed out.", "success")
            return redirect(url_for("schools.index"))
    return render_template("auth/password.html", form=form)
