from __future__ import annotations

import shutil
from pathlib import Path

from navigator import create_app
from navigator.config import TestConfig


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "search": "ok"}


def test_healthz_names_an_unreadable_index(app, client):
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    shutil.rmtree(index_dir)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "search": "unavailable"}


def test_healthz_names_an_unreachable_database(tmp_path):
    missing = tmp_path / "no-such-dir" / "db.sqlite"
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}",
        SEARCH_INDEX_DIR=str(tmp_path / "index"),
    )
    # The directory is created by create_app; make the database file impossible to open.
    missing.mkdir(parents=True)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unavailable", "search": "ok"}


def test_not_found_page_in_site_look(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert "govuk-service-navigation" in page
    assert "Contains Ordnance Survey data" in page


def test_server_error_page_in_site_look(tmp_path, caplog):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", SEARCH_INDEX_DIR=str(tmp_path / "ix"))

    from navigator.auth.decorators import public

    @app.route("/boom")
    @public
    def boom() -> str:
        raise RuntimeError("broken on purpose")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert "broken on purpose" not in page
    assert "broken on purpose" in caplog.text


def test_bad_request_page_in_site_look(tmp_path):
    from flask import abort

    from navigator.auth.decorators import public

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", SEARCH_INDEX_DIR=str(tmp_path / "ix"))

    @app.route("/bad")
    @public
    def bad() -> str:
        abort(400)

    response = app.test_client().get("/bad")
    assert response.status_code == 400
    assert "There is a problem with your request" in response.get_data(as_text=True)


def test_pages_send_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The only inline script (GOV.UK's js-enabled class) carries the nonce.
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)


def test_govuk_assets_are_served(client):
    response = client.get("/govuk/govuk-frontend.min.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    response.close()
    font = client.get("/assets/manifest.json")
    assert font.status_code == 200
    font.close()
