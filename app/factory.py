"""Assemble the Flask app: config, database, extensions, blueprints and the request guards."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import BadRequest

import tenants  # noqa: F401 - registers the ORM tenant scoping
from app import db
from app.config import load_config, refuse_unsafe_production
from app.extensions import csrf, limiter, login_manager
from app.security import add_security_headers
from app.storage import StorageError
from app.unreachable import API_MESSAGE, DATABASE_LOST, DATABASE_PAGE, RETRY_AFTER_SECONDS, STORE_PAGE
from tenants import context


class NulCharacter(BadRequest):
    """A NUL sent in a path or field: PostgreSQL text cannot hold one, so it is refused, naming the field."""


_PASSWORD_CHANGE_EXEMPT = {"auth.change_password", "auth.logout", "static"}


def build_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=load_config(overrides)["INSTANCE_PATH"])
    app.config.update(load_config(overrides))
    refuse_unsafe_production(app.config, debug=app.debug)
    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from app.auth import login as _login  # noqa: F401 - registers the user loader

    _register_blueprints(app)
    from dashboards import init_dashboards

    init_dashboards(app)
    _register_guards(app)
    _register_errors(app)
    _register_outages(app)
    app.after_request(add_security_headers)
    return app


def _register_blueprints(app: Flask) -> None:
    from app.admin.routes import bp as admin_bp
    from app.api.routes import bp as api_bp
    from app.attendance.routes import bp as attendance_bp
    from app.audit.routes import bp as audit_bp
    from app.auth.mfa_routes import bp as mfa_bp
    from app.auth.routes import bp as auth_bp
    from app.benchmarks.routes import bp as benchmarks_bp
    from app.calendars.routes import bp as calendars_bp
    from app.calls.routes import bp as calls_bp
    from app.flags.routes import bp as flags_bp
    from app.interventions.impact_routes import bp as impact_bp
    from app.interventions.routes import bp as casework_bp
    from app.letters.routes import bp as letters_bp
    from app.registers.routes import bp as registers_bp
    from app.returns.routes import bp as returns_bp
    from app.reviews.routes import bp as reviews_bp
    from app.schools.routes import bp as schools_bp
    from app.workflow.compliance_routes import bp as compliance_bp
    from app.workflow.routes import bp as workflow_bp
    from jobs.routes import bp as jobs_bp

    for bp in (
        auth_bp,
        mfa_bp,
        audit_bp,
        schools_bp,
        registers_bp,
        attendance_bp,
        admin_bp,
        flags_bp,
        casework_bp,
        calls_bp,
        impact_bp,
        letters_bp,
        calendars_bp,
        workflow_bp,
        compliance_bp,
        returns_bp,
        reviews_bp,
        benchmarks_bp,
        jobs_bp,
        api_bp,
    ):
        app.register_blueprint(bp)


def _register_guards(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_characters():  # type: ignore[no-untyped-def]
        """PostgreSQL text cannot hold a NUL character: in a path, query or form it is a bad request, not a 500."""
        if "\x00" in request.path:
            raise NulCharacter("The address holds a NUL character (U+0000), which is never part of a page.")
        for key, values in request.values.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise NulCharacter(
                    f"'{key.replace(chr(0), '')}' holds a NUL character (U+0000): nothing was saved. "
                    "Go back, remove it (type the text as plain text) and try again."
                )

    @app.before_request
    def _enter_tenant_context():  # type: ignore[no-untyped-def]
        principal = current_user.principal if current_user.is_authenticated else None
        g.tenant_token = context.activate(principal.context() if principal else None)
        if (
            principal is not None
            and current_user.user.must_change_password
            and request.endpoint not in _PASSWORD_CHANGE_EXEMPT
        ):
            return redirect(url_for("auth.change_password"))
        return None

    @app.teardown_request
    def _leave_tenant_context(_exc: BaseException | None) -> None:
        token = g.pop("tenant_token", None)
        if token is not None:
            context.deactivate(token)


def _register_errors(app: Flask) -> None:
    from app.api.routes import error_outside_view

    messages = {
        400: ("Bad request", "The request could not be understood. Please go back and try again."),
        403: ("Not allowed", "Your role does not allow this. Ask your school or trust lead."),
        404: ("Not found", "There is nothing here, or you do not have access to it."),
        413: ("Too large", "That file is too large to upload."),
        429: ("Too many attempts", "Too many attempts. Please wait a few minutes and try again."),
        500: ("Something went wrong", "The error has been logged. Nothing you entered was saved."),
    }

    def handler(code: int):  # type: ignore[no-untyped-def]
        def render(_error):  # type: ignore[no-untyped-def]
            if request.path.startswith("/api/"):
                return error_outside_view(code)
            title, message = messages[code]
            if isinstance(_error, NulCharacter):
                message = _error.description
            return render_template("error.html", title=title, message=message, code=code), code

        return render

    for code in messages:
        app.register_error_handler(code, handler(code))


def _register_outages(app: Flask) -> None:
    """A database or object store out of reach answers 503 in words (JSON under /api/), never a traceback."""

    def unavailable(page: tuple[str, str]):  # type: ignore[no-untyped-def]
        def answer(error: Exception):  # type: ignore[no-untyped-def]
            app.logger.warning("%s during %s %s: %s", page[0], request.method, request.path, error)
            if request.path.startswith("/api/"):
                response = jsonify({"error": API_MESSAGE})
            else:
                title, message = page
                response = app.make_response(
                    render_template("unavailable.html", title=title, message=message)
                )
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response

        return answer

    for error in DATABASE_LOST:
        app.register_error_handler(error, unavailable(DATABASE_PAGE))
    app.register_error_handler(StorageError, unavailable(STORE_PAGE))
