"""design.md tenancy rule 5 for everything under the Dash prefix: signed in, same origin, JSON only.

Flask-WTF's CSRF token cannot travel with Dash's own requests, so a POST must instead come from this
site (its Origin, or its Referer when a browser sends no Origin) with a JSON body; session cookies
are SameSite as well. Callbacks still re-derive the user's schools themselves (dashboards.data).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from dash.exceptions import DependencyException
from flask import Flask, jsonify, redirect, request, url_for
from flask_login import current_user

from dashboards import callback_body

PREFIX = "/dashboards/"
UPDATE = PREFIX + "_dash-update-component"


def install(app: Flask) -> None:
    @app.before_request
    def _guard_dashboards():  # type: ignore[no-untyped-def]
        if not request.path.startswith(PREFIX):
            return None
        internal = request.path.startswith(PREFIX + "_dash-") or request.path.startswith(PREFIX + "_reload")
        if not current_user.is_authenticated:
            if internal or request.method != "GET":
                return jsonify(error="sign in first"), 401
            return redirect(url_for("auth.login", next=request.full_path))
        if request.method not in ("GET", "HEAD"):
            if not _same_origin():
                return jsonify(error="requests must come from this site"), 403
            if not request.is_json:
                return jsonify(error="send JSON"), 415
            if request.path == UPDATE:
                wrong = callback_body.problem(
                    request.get_json(silent=True), app.extensions["turnout.dash"].callback_map
                )
                if wrong:
                    return jsonify(error=wrong), 400
        return None

    @app.errorhandler(DependencyException)
    def _no_such_file(_error: DependencyException):  # type: ignore[no-untyped-def]
        """A script or style Dash does not serve (an unknown package, a path like ../) is not found."""
        return jsonify(error="no such file"), 404


def _same_origin() -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    parts = urlsplit(source)
    return f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")
