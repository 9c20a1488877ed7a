"""CSRF protection is on outside tests: a form posted without its token is refused."""

from __future__ import annotations

from navigator.config import Config, ProductionConfig


def test_csrf_is_on_by_default():
    assert Config.WTF_CSRF_ENABLED is True
    assert ProductionConfig.WTF_CSRF_ENABLED is True


def test_post_without_token_is_refused(app, client, staff):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/sign-in", data={"email": staff["lead"].email, "password": "x" * 20})
        assert response.status_code == 400
        assert "There is a problem with your request" in response.get_data(as_text=True)
        page = client.get("/sign-in").get_data(as_text=True)
        assert 'name="csrf_token"' in page
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_production_refuses_the_development_secret(monkeypatch):
    import pytest

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig()
