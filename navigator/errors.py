"""Error pages in the site's look."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from navigator.extensions import db

PAGES = {
    400: ("There is a problem with your request", "errors/400.html"),
    404: ("Page not found", "errors/404.html"),
    405: ("Page not found", "errors/404.html"),
    429: ("Too many requests", "errors/429.html"),
    500: ("Sorry, there is a problem with the service", "errors/500.html"),
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        code = error.code or 500
        if code not in PAGES:
            return error
        title, template = PAGES[code]
        if request.path.startswith(("/healthz", "/api/")):
            return {"error": title}, code
        return render_template(template, title=title, error=error), code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("Unhandled error on %s", request.path)
        db.session.rollback()
        title, template = PAGES[500]
        return render_template(template, title=title, error=None), 500
