"""Every endpoint declares who may use it (@public, or @requires(...) from issue 4)."""

from __future__ import annotations


def test_every_endpoint_declares_access(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "access", None) is None:
            undeclared.append(f"{rule.endpoint} ({rule.rule})")
    assert undeclared == [], "endpoints without @public or @requires: " + ", ".join(undeclared)


def test_walk_finds_an_undeclared_view(app):
    """The check above can fail: a view without a declaration is reported."""
    from flask import Flask

    probe = Flask("probe")

    @probe.route("/undeclared")
    def undeclared() -> str:
        return "x"

    missing = [
        rule.endpoint
        for rule in probe.url_map.iter_rules()
        if rule.endpoint != "static" and getattr(probe.view_functions[rule.endpoint], "access", None) is None
    ]
    assert missing == ["undeclared"]
